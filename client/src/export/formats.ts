/**
 * Results exported as text: Markdown, LaTeX (booktabs), CSV (one long table) and JSON. Pure; the
 * extension writes the string where the user chose in a save dialog.
 */
import type { FitResult } from '../../../engine/src/index';
import { fixed, fmt, fmtP } from '../shared/format';
import { coefRows, iccRows, varianceRows } from '../shared/fitView';
import type { ResultsFormat } from '../shared/messages';
import { methodText } from '../render/tables';

export interface ExportInput {
  fileName: string;
  results: FitResult[];
  comparisons: unknown[];
}

export const EXTENSIONS: Record<ResultsFormat, string> = { markdown: 'md', latex: 'tex', csv: 'csv', json: 'json' };

export function exportResults(format: ResultsFormat, input: ExportInput): string {
  switch (format) {
    case 'markdown':
      return toMarkdown(input);
    case 'latex':
      return toLatex(input);
    case 'csv':
      return toCsv(input);
    case 'json':
      return toJson(input);
  }
}

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function mdTable(head: string[], rows: string[][]): string {
  const line = (r: string[]) => `| ${r.map(mdCell).join(' | ')} |`;
  return [line(head), `|${head.map(() => ' --- ').join('|')}|`, ...rows.map(line)].join('\n');
}

function fixedTable(fit: FitResult): { head: string[]; rows: string[][] } {
  const gaussian = fit.family === 'gaussian';
  const head = ['Term', 'Estimate', 'Std. Error', ...(gaussian ? ['df'] : []), gaussian ? 't value' : 'z value', gaussian ? 'Pr(>|t|)' : 'Pr(>|z|)', '2.5 %', '97.5 %'];
  const rows = coefRows(fit).map((r) => [
    r.name,
    fmt(r.estimate),
    fmt(r.se),
    ...(gaussian ? [r.df === null ? '' : fmt(r.df)] : []),
    fixed(r.statistic, 3),
    fmtP(r.p),
    fmt(r.lower),
    fmt(r.upper),
  ]);
  return { head, rows };
}

function randomTable(fit: FitResult): { head: string[]; rows: string[][] } {
  const rows = varianceRows(fit);
  const maxCorr = Math.max(0, ...rows.map((r) => r.corr.length));
  const head = ['Groups', 'Name', 'Variance', 'Std. Dev.', ...Array.from({ length: maxCorr }, (_, k) => (k === 0 ? 'Corr' : ''))];
  return {
    head,
    rows: rows.map((r) => [r.grp, r.name, fmt(r.variance), fmt(r.sd), ...Array.from({ length: maxCorr }, (_, k) => (r.corr[k] === undefined || r.corr[k] === null ? '' : fixed(r.corr[k], 2)))]),
  };
}

function statsLine(fit: FitResult): [string, string][] {
  const out: [string, string][] = [
    ['AIC', fixed(fit.AIC, 1)],
    ['BIC', fixed(fit.BIC, 1)],
    ['logLik', fixed(fit.logLik, 1)],
  ];
  if (fit.deviance !== null && fit.deviance !== undefined) out.push(['deviance', fixed(fit.deviance, 1)]);
  if (fit.REMLcrit !== null && fit.REMLcrit !== undefined) out.push(['REML criterion', fixed(fit.REMLcrit, 1)]);
  out.push(['df', String(fit.df)]);
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

function cellText(v: unknown, col: string): string {
  if (typeof v === 'number') return /^p$|Pr\(/.test(col) ? fmtP(v) : fmt(v, Number.isInteger(v) ? 10 : 5);
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? '' : String(v);
}

function comparisonTables(comparisons: unknown[]): { head: string[]; rows: string[][] }[] {
  const out: { head: string[]; rows: string[][] }[] = [];
  for (const c of comparisons) {
    const rows = comparisonRows(c);
    if (!rows || !rows.length) continue;
    const cols: string[] = [];
    for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k) && (typeof r[k] !== 'object' || r[k] === null)) cols.push(k);
    out.push({ head: cols, rows: rows.map((r) => cols.map((k) => cellText(r[k], k))) });
  }
  return out;
}

export function toMarkdown(input: ExportInput): string {
  const parts: string[] = [`# Results: ${input.fileName}`];
  for (const t of comparisonTables(input.comparisons)) parts.push('## Model comparison', mdTable(t.head, t.rows));
  for (const fit of input.results) {
    parts.push(`## Model ${fit.id}`);
    parts.push(
      [
        `- Formula: \`${fit.formula}\``,
        `- Family: ${fit.family} (${fit.link} link); method: ${methodText(fit)}`,
        `- Observations: ${fit.nobs}; groups: ${Object.entries(fit.ngrps ?? {})
          .map(([g, n]) => `${g} ${n}`)
          .join(', ')}`,
        ...(fit.rowsDropped ? [`- Rows dropped for missing values: ${fit.rowsDropped}`] : []),
        ...(fit.singular ? ['- Warning: singular fit (a variance estimated as zero or a correlation as ±1)'] : []),
        ...(fit.warnings ?? []).map((w) => `- Warning: ${w}`),
      ].join('\n'),
    );
    const st = statsLine(fit);
    parts.push('### Fit statistics', mdTable(st.map((s) => s[0]), [st.map((s) => s[1])]));
    const re = randomTable(fit);
    parts.push('### Random effects', mdTable(re.head, re.rows));
    const icc = iccRows(fit);
    if (icc.length) parts.push(icc.map((r) => `- ICC (${r.group}): ${fmt(r.value, 3)}`).join('\n'));
    const fe = fixedTable(fit);
    parts.push('### Fixed effects', mdTable(fe.head, fe.rows));
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
