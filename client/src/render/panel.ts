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
import { modelTableHtml, postFitSectionsHtml } from './postfit';
import { comparisonsHtml, fitStatsHtml, fixedEffectsHtml, headerHtml, iccR2Html, randomEffectsHtml, scaledResidualsHtml } from './tables';

const e = escapeHtml;

export type StatusKind = 'ok' | 'error' | 'cancelled' | 'running' | 'info';

export interface PanelState {
  /** Display name of the .mlm file. */
  fileName: string;
  results: FitResult[];
  comparisons: unknown[];
  /** What happened last (shown at the top, announced to screen readers); `detail` is its hover text (e.g. the time breakdown). */
  status?: { kind: StatusKind; message: string; detail?: string };
  /** Errors of the last fit, by model, with the 0-based line and character of their place in the .mlm when known. */
  errors?: { model: string; message: string; line?: number; character?: number }[];
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

/** `report`: for the exported HTML report (no refit or export buttons, no templates or controls that need the page script). */
export function modelSectionHtml(fit: FitResult, s: string, opts: { report?: boolean } = {}): string {
  let h = `<section class="model" id="model-${s}" data-model="${e(fit.id)}" aria-labelledby="model-heading-${s}">`;
  h += `<h2 id="model-heading-${s}">Model ${e(fit.id)}</h2>`;
  if (!opts.report) {
    h += `<div class="toolbar"><button type="button" class="refit-model" data-model="${e(fit.id)}">Fit ${e(fit.id)} again</button>`;
    // the checking assistant: singular terms and the multi-optimizer convergence verdict; every inference side by side
    h += ` <button type="button" class="secondary check-model" data-model="${e(fit.id)}" title="Singular terms in words, rePCA, and refits by four optimizers (as lme4's allFit)">Check convergence</button>`;
    h += ` <button type="button" class="secondary inference-model" data-model="${e(fit.id)}" title="Wald, Satterthwaite, Kenward-Roger, profile, bootstrap and likelihood-ratio test for every fixed effect">Compare inference methods</button></div>`;
    h += `<div class="inference-slot" data-model="${e(fit.id)}"></div>`;
  }
  h += headerHtml(fit, s);
  h += fitStatsHtml(fit, s);
  h += scaledResidualsHtml(fit, s);
  h += randomEffectsHtml(fit, s);
  h += iccR2Html(fit, s);
  h += fixedEffectsHtml(fit, s);
  h += postFitSectionsHtml(fit, s);
  const { plots, missing } = plotsForFit(fit, s);
  h += `<h3>Plots</h3>`;
  if (missing.length) h += `<p class="plots-missing">${missing.map(e).join(' ')}</p>`;
  h += `<div class="plots">`;
  for (const p of plots) {
    h +=
      `<figure class="plot-figure" data-plot-kind="${e(p.kind)}" aria-labelledby="${e(p.id)}-caption">` +
      `<figcaption id="${e(p.id)}-caption"><strong>${e(p.title)}</strong>. ${e(p.caption)}</figcaption>` +
      (opts.report ? '' : p.controls ?? '') +
      p.svg +
      (opts.report ? '' : p.extra ?? '') +
      (opts.report ? '</figure>' : '') +
      (opts.report ? '' : `<details class="export-menu"><summary aria-label="Export ${e(p.title)}">Export…</summary><div class="export-items">` +
      `<button type="button" class="export-plot secondary" data-format="svg" data-plot="${e(p.id)}" aria-label="Save ${e(p.title)} as SVG">SVG</button>` +
      `<button type="button" class="export-plot secondary" data-format="png" data-plot="${e(p.id)}" aria-label="Save ${e(p.title)} as PNG">PNG</button>` +
      `</div></details></figure>`);
  }
  h += `</div></section>`;
  return h;
}

/**
 * A note when the panel shows AICs that are not comparable: GLMMs fitted with different
 * approximations (Laplace and adaptive Gauss-Hermite give different likelihoods), or linear models
 * fitted by REML next to ML fits (REML likelihoods depend on the fixed effects).
 */
export function comparabilityNote(results: FitResult[]): string | null {
  const glmm = results.filter((r) => r.family !== 'gaussian');
  const agq = new Set(glmm.map((r) => (r.nAGQ > 1 ? `adaptive Gauss-Hermite (${r.nAGQ} points)` : 'Laplace')));
  const notes: string[] = [];
  if (agq.size > 1) notes.push(`The GLMMs use different approximations of the likelihood (${[...agq].join(', ')}), so their AIC, BIC and logLik are not comparable with one another.`);
  const lmm = results.filter((r) => r.family === 'gaussian');
  if (lmm.some((r) => r.REML) && lmm.length > 1) {
    notes.push('REML fits: their AIC and logLik come from the REML criterion, which depends on the fixed effects; compare models with different fixed effects by ML (a compare: line refits them with ML).');
  }
  return notes.length ? notes.join(' ') : null;
}

export function renderResultsPage(state: PanelState, opts: PageOptions): string {
  const slugs = modelSlugs(state.results.map((r) => r.id));
  let body = `<header><h1>Results: ${e(state.fileName)}</h1>`;
  const st = state.status;
  const detail = st?.detail ? ` title="${e(st.detail)}"` : '';
  body += `<div id="status" class="${e(st?.kind ?? 'info')}" role="status" aria-live="polite"${detail}>${e(st?.message ?? '')}</div>`;
  if (state.errors?.length) {
    // Every error once, with a link to its line in the .mlm.
    body += `<ul class="errors" id="fit-errors">`;
    for (const er of state.errors) {
      const where =
        typeof er.line === 'number'
          ? ` <a href="#" class="goto-line" data-line="${er.line}" data-character="${er.character ?? 0}">line ${er.line + 1}</a>`
          : '';
      body += `<li><strong>${e(er.model || 'file')}</strong>${where}: ${e(er.message)}</li>`;
    }
    body += `</ul>`;
  }
  body += `<div class="toolbar" role="toolbar" aria-label="Results actions">`;
  body += `<button type="button" id="refit-all">Fit all models again</button>`;
  if (state.results.length) {
    body += `<details class="export-menu" id="export-results-menu"><summary>Export results…</summary><div class="export-items">`;
    for (const f of ['markdown', 'html', 'latex', 'csv', 'json'] as const) {
      body += `<button type="button" class="export-results secondary" data-format="${f}">${f === 'latex' ? 'LaTeX' : f === 'csv' ? 'CSV' : f === 'json' ? 'JSON' : f === 'html' ? 'HTML report' : 'Markdown'}</button>`;
    }
    body += `</div></details>`;
  }
  body += `</div>`;
  if (state.results.length > 1) {
    body += `<nav id="model-nav" aria-label="Models"><ul>`;
    state.results.forEach((r, i) => (body += `<li><a href="#model-${slugs[i]}">${e(r.id)}</a></li>`));
    body += `</ul></nav>`;
  }
  body += `</header><main>`;
  if (state.results.length === 0) body += `<p id="no-results">No results yet. Run <strong>MLM: Fit Model</strong> to fit the models of this file.</p>`;
  const note = comparabilityNote(state.results);
  if (note) body += `<p class="comparability-note" role="note">${e(note)}</p>`;
  body += comparisonsHtml(state.comparisons ?? []);
  body += modelTableHtml(state.results);
  state.results.forEach((r, i) => (body += modelSectionHtml(r, slugs[i])));
  body += `</main>`;
  return pageShell(`MLM results: ${state.fileName}`, body, opts);
}
