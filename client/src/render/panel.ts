/**
 * The results page: a complete HTML document for the webview, built as a string from plain data so
 * it renders the same in node (tests) and in VS Code. Strict CSP with a nonce; no inline handlers;
 * every data-derived string escaped with escapeHtml.
 */
import type { FitResult } from '../../../engine/src/index';
import { escapeHtml } from '../shared/escape';
import { plotsForFit } from './plots';
import { PANEL_CSS } from './styles';
import { slug } from './svg';
import { comparisonsHtml, fitStatsHtml, fixedEffectsHtml, headerHtml, iccR2Html, randomEffectsHtml } from './tables';

const e = escapeHtml;

export type StatusKind = 'ok' | 'error' | 'cancelled' | 'running' | 'info';

export interface PanelState {
  /** Display name of the .mlm file. */
  fileName: string;
  results: FitResult[];
  comparisons: unknown[];
  /** What happened last (shown at the top, announced to screen readers). */
  status?: { kind: StatusKind; message: string };
  /** Errors of the last fit, by model. */
  errors?: { model: string; message: string }[];
}

export interface PageOptions {
  nonce: string;
  /** webview.cspSource */
  cspSource: string;
  /** URI of dist/webview/main.js as the webview sees it; omitted in tests. */
  scriptUri?: string;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return `default-src 'none'; img-src ${cspSource} data:; style-src ${cspSource} 'nonce-${nonce}'; script-src 'nonce-${nonce}';`;
}

/** A random nonce (letters and digits) from the platform's crypto. */
export function makeNonce(): string {
  const bytes = new Uint8Array(18);
  globalThis.crypto.getRandomValues(bytes);
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(bytes, (b) => abc[b % abc.length]).join('');
}

export function pageShell(title: string, body: string, opts: PageOptions): string {
  const script = opts.scriptUri ? `<script nonce="${e(opts.nonce)}" src="${e(opts.scriptUri)}"></script>` : '';
  return (
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="${e(contentSecurityPolicy(opts.cspSource, opts.nonce))}">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<style nonce="${e(opts.nonce)}">${PANEL_CSS}</style><title>${e(title)}</title></head>` +
    `<body>${body}${script}</body></html>`
  );
}

/** Unique ASCII slugs for the models of a file, stable for a given list of names. */
export function modelSlugs(ids: string[]): string[] {
  const seen = new Map<string, number>();
  return ids.map((id) => {
    const base = slug(id);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}-${n + 1}`;
  });
}

export function modelSectionHtml(fit: FitResult, s: string): string {
  let h = `<section class="model" id="model-${s}" data-model="${e(fit.id)}" aria-labelledby="model-heading-${s}">`;
  h += `<h2 id="model-heading-${s}">Model ${e(fit.id)}</h2>`;
  h += `<div class="toolbar"><button type="button" class="refit-model" data-model="${e(fit.id)}">Fit ${e(fit.id)} again</button></div>`;
  h += headerHtml(fit, s);
  h += fitStatsHtml(fit, s);
  h += randomEffectsHtml(fit, s);
  h += iccR2Html(fit, s);
  h += fixedEffectsHtml(fit, s);
  const { plots, missing } = plotsForFit(fit, s);
  h += `<h3>Plots</h3>`;
  if (missing.length) h += `<p class="plots-missing">${missing.map(e).join(' ')}</p>`;
  h += `<div class="plots">`;
  for (const p of plots) {
    h +=
      `<figure class="plot-figure" data-plot-kind="${e(p.kind)}" aria-labelledby="${e(p.id)}-caption">` +
      `<figcaption id="${e(p.id)}-caption"><strong>${e(p.title)}</strong>. ${e(p.caption)}</figcaption>` +
      p.svg +
      `<div class="plot-actions">` +
      `<button type="button" class="export-plot secondary" data-format="svg" data-plot="${e(p.id)}" aria-label="Save ${e(p.title)} as SVG">Save SVG</button>` +
      `<button type="button" class="export-plot secondary" data-format="png" data-plot="${e(p.id)}" aria-label="Save ${e(p.title)} as PNG">Save PNG</button>` +
      `</div></figure>`;
  }
  h += `</div></section>`;
  return h;
}

export function renderResultsPage(state: PanelState, opts: PageOptions): string {
  const slugs = modelSlugs(state.results.map((r) => r.id));
  let body = `<header><h1>Results: ${e(state.fileName)}</h1>`;
  const st = state.status;
  body += `<div id="status" class="${e(st?.kind ?? 'info')}" role="status" aria-live="polite">${e(st?.message ?? '')}</div>`;
  if (state.errors?.length) {
    body += `<ul class="errors" id="fit-errors">`;
    for (const er of state.errors) body += `<li>${e(er.model)}: ${e(er.message)}</li>`;
    body += `</ul>`;
  }
  body += `<div class="toolbar" role="toolbar" aria-label="Results actions">`;
  body += `<button type="button" id="refit-all">Fit all models again</button>`;
  for (const f of ['markdown', 'latex', 'csv', 'json'] as const) {
    body += `<button type="button" class="export-results secondary" data-format="${f}">Export ${f === 'latex' ? 'LaTeX' : f === 'csv' ? 'CSV' : f === 'json' ? 'JSON' : 'Markdown'}</button>`;
  }
  body += `</div>`;
  if (state.results.length > 1) {
    body += `<nav id="model-nav" aria-label="Models"><ul>`;
    state.results.forEach((r, i) => (body += `<li><a href="#model-${slugs[i]}">${e(r.id)}</a></li>`));
    body += `</ul></nav>`;
  }
  body += `</header><main>`;
  if (state.results.length === 0) body += `<p id="no-results">No results yet. Run <strong>MLM: Fit Model</strong> to fit the models of this file.</p>`;
  body += comparisonsHtml(state.comparisons ?? []);
  state.results.forEach((r, i) => (body += modelSectionHtml(r, slugs[i])));
  body += `</main>`;
  return pageShell(`MLM results: ${state.fileName}`, body, opts);
}
