/**
 * Results exported as text: Markdown, LaTeX (booktabs), CSV (one long table) and JSON. Pure; the
 * extension writes the string where the user chose in a save dialog.
 */
import type { FitResult } from '../../../engine/src/index';
import { fixed, fmt, fmtP, signifStars } from '../shared/format';
import { coefRows, iccRows, intervalName, varianceRows } from '../shared/fitView';
import type { ResultsFormat } from '../shared/messages';
import { intervalCells, methodText } from '../render/tables';
import { printedCoefRows, printedFitStats, printedVarianceRows } from '../render/printed';
import { comparabilityNote, modelSectionHtml, modelSlugs } from '../render/panel';
import { plotsForFit } from '../render/plots';
import { comparisonsHtml } from '../render/tables';
import { PANEL_CSS, REPORT_THEME } from '../render/styles';
import { escapeHtml } from '../shared/escape';
import { escapeMarkdown, markdownCode } from '../../../protocol/markdown';

export interface ExportInput {
  fileName: string;
  results: FitResult[];
  comparisons: unknown[];
}

export const EXTENSIONS: Record<ResultsFormat, string> = { markdown: 'md', html: 'html', latex: 'tex', csv: 'csv', json: 'json' };

export function exportResults(format: ResultsFormat, input: ExportInput): string {
  switch (format) {
    case 'markdown':
      return toMarkdown(input);
    case 'html':
      return toHtmlReport(input);
    case 'latex':
      return toLatex(input);
    case 'csv':
      return toCsv(input);
    case 'json':
      return toJson(input);
  }
}

/** A table cell or a line of Markdown: text from the data stays literal (no link, image, HTML; pipes escaped). */
const mdCell = escapeMarkdown;

function mdTable(head: string[], rows: string[][]): string {
  const line = (r: string[]) => `| ${r.map(mdCell).join(' | ')} |`;
  return [line(head), `|${head.map(() => ' --- ').join('|')}|`, ...rows.map(line)].join('\n');
}

/** The fixed effects with the panel's figures (R's summary digits; the interval columns formatted together). */
function fixedTable(fit: FitResult): { head: string[]; rows: string[][] } {
  const gaussian = fit.family === 'gaussian';
  const rows = coefRows(fit);
  const printed = printedCoefRows(fit);
  const iv = intervalCells(rows);
  const method = intervalName(fit);
  const head = ['Term', 'Estimate', 'Std. Error', ...(gaussian ? ['df'] : []), gaussian ? 't value' : 'z value', gaussian ? 'Pr(>|t|)' : 'Pr(>|z|)', '', `${method}: lower`, 'upper'];
  return {
    head,
    rows: rows.map((r, i) => [
      r.name,
      printed[i]?.estimate ?? fmt(r.estimate),
      printed[i]?.se ?? fmt(r.se),
      ...(gaussian ? [r.df === null ? '' : (printed[i]?.df ?? fmt(r.df))] : []),
      printed[i]?.statistic ?? '',
      r.p === null ? '' : printed[i]?.p || fmtP(r.p),
      signifStars(r.p),
      iv.lower[i],
      iv.upper[i],
    ]),
  };
}

function randomTable(fit: FitResult): { head: string[]; rows: string[][] } {
  const rows = varianceRows(fit);
  const printed = printedVarianceRows(fit, rows);
  const maxCorr = Math.max(0, ...rows.map((r) => r.corr.length));
  const head = ['Groups', 'Name', 'Variance', 'Std. Dev.', ...Array.from({ length: maxCorr }, (_, k) => (k === 0 ? 'Corr' : ''))];
  return {
    head,
    rows: rows.map((r, i) => [r.grp, r.name, printed[i].variance, printed[i].sd, ...Array.from({ length: maxCorr }, (_, k) => printed[i].corr[k] ?? '')]),
  };
}

function statsLine(fit: FitResult): [string, string][] {
  const p = printedFitStats(fit);
  const out: [string, string][] = [
    ['AIC', p.AIC],
    ['BIC', p.BIC],
    ['logLik', p.logLik],
  ];
  if (fit.deviance !== null && fit.deviance !== undefined) out.push(['deviance', p.deviance]);
  if (p.REMLcrit !== null) out.push(['REML criterion', p.REMLcrit]);
  out.push(['df', String(fit.df)], ['df.resid', p.dfResid]);
  return out;
}

function comparisonRows(c: unknown): Record<string, unknown>[] | null {
  if (Array.isArray(c)) return c.filter((r) => r && typeof r === 'object') as Record<string, unknown>[];
  if (c && typeof c === 'object') {
    const o = c as Record<string, unknown>;
    for (const k of ['rows', 'table', 'models']) if (Array.isArray(o[k])) return (o[k] as unknown[]).filter((r) => r && typeof r === 'object') as Record<string, unknown>[];
  }
  return null;
}

/** Columns of the engine's comparison rows that are bookkeeping, not figures. */
const INTERNAL_COLUMNS = new Set(['refitted', 'formula']);

function cellText(v: unknown, col: string): string {
  if (typeof v === 'number') {
    if (/^p$|Pr\(/.test(col)) return fmtP(v, 4); // as R's print(anova(...)) formats Pr(>Chisq)
    if (Number.isInteger(v)) return String(v);
    return /^(Chisq)$/.test(col) ? fixed(v, 3) : fixed(v, 1);
  }
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? '' : String(v);
}

function comparisonTables(comparisons: unknown[]): { head: string[]; rows: string[][] }[] {
  const out: { head: string[]; rows: string[][] }[] = [];
  for (const c of comparisons) {
    const rows = comparisonRows(c);
    if (!rows || !rows.length) continue;
    const cols: string[] = [];
    for (const r of rows)
      for (const k of Object.keys(r)) if (!cols.includes(k) && !INTERNAL_COLUMNS.has(k) && typeof r[k] !== 'boolean' && (typeof r[k] !== 'object' || r[k] === null)) cols.push(k);
    out.push({ head: cols, rows: rows.map((r) => cols.map((k) => cellText(r[k], k))) });
  }
  return out;
}

/** A plot as a file of its own: the panel's SVG with a light theme's colours in a <style> of its own. */
export interface PlotFile {
  model: string;
  title: string;
  name: string;
  svg: string;
}

/** Every plot of every model as a standalone SVG file (for the Markdown export, written beside it). */
export function plotFiles(input: ExportInput): PlotFile[] {
  const slugs = modelSlugs(input.results.map((r) => r.id));
  const style = `<style><![CDATA[${REPORT_THEME}${PANEL_CSS}]]></style>`;
  return input.results.flatMap((fit, i) =>
    plotsForFit(fit, slugs[i]).plots.map((p) => ({
      model: fit.id,
      title: p.title,
      name: `${p.id}.svg`,
      svg: `<?xml version="1.0" encoding="UTF-8"?>\n${p.svg.replace(/^(<svg[^>]*>)/, `$1${style}`)}\n`,
    })),
  );
}

/** `images`: plot files written in the folder `dir` beside the Markdown file, linked under each model. */
export function toMarkdown(input: ExportInput, images?: { dir: string; files: PlotFile[] }): string {
  const parts: string[] = [`# Results: ${mdCell(input.fileName)}`];
  for (const t of comparisonTables(input.comparisons)) parts.push('## Model comparison', mdTable(t.head, t.rows));
  for (const fit of input.results) {
    parts.push(`## Model ${mdCell(fit.id)}`);
    parts.push(
      [
        `- Formula: ${markdownCode(fit.formula)}`,
        `- Family: ${fit.family} (${fit.link} link); method: ${methodText(fit)}`,
        `- Observations: ${fit.nobs}; groups: ${Object.entries(fit.ngrps ?? {})
          .map(([g, n]) => `${mdCell(g)} ${n}`)
          .join(', ')}`,
        ...(fit.rowsDropped ? [`- Rows dropped for missing values: ${fit.rowsDropped}`] : []),
        ...(fit.singular ? ['- Warning: singular fit (a variance estimated as zero or a correlation as ±1)'] : []),
        ...(fit.warnings ?? []).map((w) => `- Warning: ${mdCell(w)}`),
      ].join('\n'),
    );
    const st = statsLine(fit);
    parts.push('### Fit statistics', mdTable(st.map((s) => s[0]), [st.map((s) => s[1])]));
    const re = randomTable(fit);
    parts.push('### Random effects', mdTable(re.head, re.rows));
    const icc = iccRows(fit);
    if (icc.length) parts.push(icc.map((r) => `- ICC (${mdCell(r.group)}): ${fmt(r.icc, 3)}`).join('\n'));
    const fe = fixedTable(fit);
    parts.push('### Fixed effects', mdTable(fe.head, fe.rows));
    const mine = images?.files.filter((f) => f.model === fit.id) ?? [];
    if (mine.length) parts.push('### Plots', mine.map((f) => `![${mdCell(f.title)}](${encodeURI(`${images!.dir}/${f.name}`)})`).join('\n\n'));
  }
  return parts.join('\n\n') + '\n';
}

/** Escapes LaTeX's special characters in text. */
export function latexEscape(s: string): string {
  return s.replace(/[\\{}$&#^_%~]/g, (c) =>
    c === '\\' ? '\\textbackslash{}' : c === '^' ? '\\textasciicircum{}' : c === '~' ? '\\textasciitilde{}' : `\\${c}`,
  );
}

function texTable(caption: string, head: string[], rows: string[][]): string {
  const align = head.map((_, j) => (j < 1 ? 'l' : 'r')).join('');
  return [
    '\\begin{table}[ht]',
    '\\centering',
    `\\caption{${latexEscape(caption)}}`,
    `\\begin{tabular}{${align}}`,
    '\\toprule',
    head.map(latexEscape).join(' & ') + ' \\\\',
    '\\midrule',
    ...rows.map((r) => r.map(latexEscape).join(' & ') + ' \\\\'),
    '\\bottomrule',
    '\\end{tabular}',
    '\\end{table}',
  ].join('\n');
}

export function toLatex(input: ExportInput): string {
  const parts: string[] = [`% Results: ${input.fileName} (tables use the booktabs package)`];
  comparisonTables(input.comparisons).forEach((t, k) => parts.push(texTable(`Model comparison ${k + 1}`, t.head, t.rows)));
  for (const fit of input.results) {
    const re = randomTable(fit);
    const fe = fixedTable(fit);
    parts.push(texTable(`Model ${fit.id}: ${fit.formula} -- random effects`, re.head, re.rows));
    parts.push(texTable(`Model ${fit.id}: ${fit.formula} -- fixed effects`, fe.head, fe.rows));
    const st = statsLine(fit);
    parts.push(texTable(`Model ${fit.id}: fit statistics (${methodText(fit)}, ${fit.nobs} observations)`, st.map((s) => s[0]), [st.map((s) => s[1])]));
  }
  return parts.join('\n\n') + '\n';
}

function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = typeof v === 'number' ? String(v) : v;
  // Guard against spreadsheet formula injection and quote when needed.
  const safe = typeof v === 'string' && /^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One long table: model, section, group, term, statistic, value (full precision). */
export function toCsv(input: ExportInput): string {
  const lines: string[] = ['model,section,group,term,statistic,value'];
  const add = (...f: (string | number | null)[]) => lines.push(f.map(csvField).join(','));
  for (const fit of input.results) {
    for (const [k, v] of [
      ['nobs', fit.nobs],
      ['logLik', fit.logLik],
      ['AIC', fit.AIC],
      ['BIC', fit.BIC],
      ['deviance', fit.deviance],
      ['REMLcrit', fit.REMLcrit],
      ['df', fit.df],
      ['sigma', fit.sigma],
    ] as [string, number | null][])
      if (v !== null && v !== undefined) add(fit.id, 'fit', '', '', k, v);
    for (const r of varianceRows(fit)) {
      add(fit.id, 'random', r.grp, r.name, 'variance', r.variance);
      add(fit.id, 'random', r.grp, r.name, 'sd', r.sd);
    }
    for (const v of fit.varcorr ?? []) if (v.var2) add(fit.id, 'random', v.grp, `${v.var1},${v.var2}`, 'correlation', v.sdcor);
    for (const r of coefRows(fit)) {
      add(fit.id, 'fixed', '', r.name, 'estimate', r.estimate);
      add(fit.id, 'fixed', '', r.name, 'se', r.se);
      if (r.df !== null) add(fit.id, 'fixed', '', r.name, 'df', r.df);
      add(fit.id, 'fixed', '', r.name, r.statName, r.statistic);
      if (r.p !== null) add(fit.id, 'fixed', '', r.name, 'p', r.p);
      add(fit.id, 'fixed', '', r.name, 'lower95', r.lower);
      add(fit.id, 'fixed', '', r.name, 'upper95', r.upper);
    }
  }
  return lines.join('\n') + '\n';
}

/** The results as JSON, without the per-row arrays (fitted, residuals, plot data) that can be large. */
export function toJson(input: ExportInput): string {
  const results = input.results.map((r) => {
    const { fitted: _f, residuals: _r, rows: _rows, plotData: _p, ...rest } = r;
    void _f;
    void _r;
    void _rows;
    void _p;
    return rest;
  });
  return JSON.stringify({ file: input.fileName, results, comparisons: input.comparisons }, null, 2) + '\n';
}

/**
 * A self-contained HTML report: the panel's tables, sentences and plots (inline SVG) with a light
 * stylesheet standing in for the editor theme's colours; no script.
 */
export function toHtmlReport(input: ExportInput): string {
  const slugs = modelSlugs(input.results.map((r) => r.id));
  let body = `<header><h1>Results: ${escapeHtml(input.fileName)}</h1></header><main>`;
  const note = comparabilityNote(input.results);
  if (note) body += `<p class="comparability-note">${escapeHtml(note)}</p>`;
  body += comparisonsHtml(input.comparisons ?? []);
  input.results.forEach((r, i) => (body += modelSectionHtml(r, slugs[i], { report: true })));
  body += '</main>';
  return (
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(`MLM results: ${input.fileName}`)}</title><style>${REPORT_THEME}${PANEL_CSS}</style></head><body>${body}</body></html>\n`
  );
}
