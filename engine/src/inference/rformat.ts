/**
 * The R number formatting the inference tables need (anova, F tests, confint), as thin adapters
 * over the exact implementations in ../summary (R's format, format.pval, zapsmall, print.default,
 * printCoefmat's stars). One formatter for the whole engine, so every table prints numbers alike.
 */
import { SIGNIF_LEGEND as LEGEND } from '../summary/coefmat';
export { signifStars } from '../summary/coefmat';
import { formatPval, formatR, zapsmall as zapsmallR } from '../summary/rformat';
import { printCharMatrix } from '../summary/rprint';

/** R's format(x, digits): a common number of decimals, right-justified to a common width. */
export function formatColumn(values: (number | null)[], digits: number, na = 'NA'): string[] {
  return formatR(values, digits, 0, na);
}

/** R's format.pval(pv, digits), entries trimmed (the table printer justifies them). */
export function formatPValues(pv: (number | null)[], digits: number): string[] {
  return formatPval(pv, digits).map((s) => (s === 'NA' ? '' : s.trim()));
}

export const SIGNIF_LEGEND = LEGEND;

/** A character matrix as R's print.default(quote = FALSE, right = TRUE) prints it. */
export function printMatrix(rowNames: string[], colNames: string[], cells: string[][]): string[] {
  return printCharMatrix(rowNames, colNames, cells, { right: true });
}

/** R's zapsmall(x, digits); missing entries (null) stay missing. */
export function zapsmall(values: (number | null)[], digits: number): (number | null)[] {
  const z = zapsmallR(values.map((v) => (v === null ? NaN : v)), digits);
  return values.map((v, i) => (v === null ? null : z[i]));
}
