/**
 * R's printCoefmat as lme4's (and lmerTest's) summary calls it: the estimate-like columns
 * (Estimate, Std. Error and, for lmerTest, df) are rounded and formatted together, the test
 * statistic with `digits - 1` decimals at most, p-values by format.pval, then significance stars.
 */
import { formatPval, formatR, roundR } from './rformat';
import { printCharMatrix } from './rprint';

export const SIGNIF_LEGEND =
  'Signif. codes:  0 \u2018***\u2019 0.001 \u2018**\u2019 0.01 \u2018*\u2019 0.05 \u2018.\u2019 0.1 \u2018 \u2019 1';

export interface CoefTable {
  rowNames: string[];
  colNames: string[];
  /** columns[j][i]: value of column j in row i; null is NA. */
  columns: (number | null)[][];
  /** The last column holds p-values (its name starts with "Pr("). */
  hasPvalue: boolean;
}

export interface CoefmatOptions {
  digits: number;
  signifStars?: boolean;
  signifLegend?: boolean;
}

/**
 * Significance stars as R's printCoefmat gives them (symnum with cut points 0, 0.001, 0.01, 0.05, 0.1, 1 and
 * intervals closed on the right: p = 0.001 is '***', p = 0.05 is '*'); '' for a missing p-value.
 * The one star function of the product (summaries, anova tables, the results panel, exports).
 */
export function signifStars(p: number | null | undefined): string {
  if (p === null || p === undefined || Number.isNaN(p)) return '';
  if (p <= 0.001) return '***';
  if (p <= 0.01) return '**';
  if (p <= 0.05) return '*';
  if (p <= 0.1) return '.';
  return ' ';
}

/** printCoefmat's formatted cells (before they are laid out as text): one string per cell, stars as a last column. */
export interface CoefmatCells {
  colNames: string[];
  /** cells[i][j]: row i, column j, padded to the column's common width as R formats it. */
  cells: string[][];
  /** Whether a stars column was added (the legend follows the table). */
  stars: boolean;
}

/** The cells printCoefmat formats: the estimate-like columns rounded together, the statistic, format.pval, stars. */
export function formatCoefmat(t: CoefTable, opts: CoefmatOptions): CoefmatCells {
  const digits = opts.digits;
  const signifStarsWanted = opts.signifStars ?? true;
  const nr = t.rowNames.length;
  const nc = t.colNames.length;
  const k = nc - (t.hasPvalue ? 1 : 0) - 1;
  const csInd = Array.from({ length: Math.max(0, k) }, (_, j) => j);
  const tstInd = k;
  const digTst = Math.max(1, Math.min(5, digits - 1));
  const cf: string[][] = Array.from({ length: nr }, () => new Array<string>(nc).fill(''));
  const isNA = (v: number | null) => v === null || Number.isNaN(v);

  // estimate-like columns: one rounding and one format over all of them
  if (csInd.length) {
    const all: number[] = [];
    for (const j of csInd) for (const v of t.columns[j]) if (v !== null && Number.isFinite(v)) all.push(Math.abs(v));
    if (all.length) {
      const nz = all.filter((v) => v !== 0);
      const digmin = nz.length
        ? [Math.min(...nz), Math.max(...nz)].map((v) => 1 + Math.floor(Math.log10(v)))
        : [1];
      const rd = Math.max(1, ...digmin.map((d) => digits - d));
      const flat: (number | null)[] = [];
      for (const j of csInd) for (const v of t.columns[j]) flat.push(v === null ? null : roundR(v, rd));
      const f = formatR(flat, digits);
      let q = 0;
      for (const j of csInd) for (let i = 0; i < nr; i++) cf[i][j] = f[q++];
    }
  }
  if (tstInd >= 0 && tstInd < nc) {
    const f = formatR(t.columns[tstInd].map((v) => (v === null ? null : roundR(v, digTst))), digits);
    for (let i = 0; i < nr; i++) cf[i][tstInd] = f[i];
  }
  // entries that are not zero but print as zero get fewer digits (R's not.both.0)
  const redo: [number, number][] = [];
  for (const j of csInd) {
    for (let i = 0; i < nr; i++) {
      const v = t.columns[j][i];
      if (isNA(v)) continue;
      if ((v === 0) !== (Number(cf[i][j]) === 0)) redo.push([i, j]);
    }
  }
  if (redo.length) {
    const f = formatR(redo.map(([i, j]) => t.columns[j][i]), Math.max(1, digits - 1));
    redo.forEach(([i, j], q) => (cf[i][j] = f[q]));
  }
  for (let j = 0; j < nc; j++) {
    for (let i = 0; i < nr; i++) {
      const v = t.columns[j][i];
      if (v === null) cf[i][j] = 'NA';
      else if (Number.isNaN(v)) cf[i][j] = 'NaN';
    }
  }

  const colNames = t.colNames.slice();
  let stars = false;
  if (t.hasPvalue) {
    const pv = t.columns[nc - 1];
    const ok = pv.map((p) => !isNA(p));
    if (ok.some(Boolean)) {
      const okIdx = pv.map((_, i) => i).filter((i) => ok[i]);
      const f = formatPval(okIdx.map((i) => pv[i]), digTst);
      okIdx.forEach((i, q) => (cf[i][nc - 1] = f[q]));
      stars = signifStarsWanted && okIdx.some((i) => (pv[i] as number) < 0.1);
      if (stars) {
        const s = pv.map((p) => (isNA(p) ? '' : signifStars(p)));
        const w = Math.max(...s.map((x) => x.length));
        s.forEach((x, i) => cf[i].push(x.padEnd(w)));
        colNames.push('');
      }
    }
  }
  return { colNames, cells: cf, stars };
}

/** The lines printCoefmat prints (the table, then `---` and the legend when stars are shown). */
export function printCoefmat(t: CoefTable, opts: CoefmatOptions): string[] {
  const { colNames, cells, stars } = formatCoefmat(t, opts);
  const lines = printCharMatrix(t.rowNames, colNames, cells, { right: true });
  if (stars && (opts.signifLegend ?? true)) lines.push('---', SIGNIF_LEGEND);
  return lines;
}
