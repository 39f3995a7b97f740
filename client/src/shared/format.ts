/** Number formatting for tables and tooltips (R-like: significant digits, p-values as format.pval). */
import { formatPvalue, signifStars } from '../../../engine/src/index';

/** One p-value as R's format.pval prints it, and R's significance stars: the engine's formatters, not copies. */
export { formatPvalue as fmtP, signifStars };

export function isNum(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** `digits` significant digits, trailing zeros of the fraction kept as R's summary prints them. */
export function fmt(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined) return '';
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Inf' : '-Inf';
  if (x === 0) return '0';
  const ax = Math.abs(x);
  if (ax >= 1e15 || ax < 1e-4) return x.toExponential(Math.max(0, digits - 2)).replace('e+', 'e');
  // Integers of more digits than `digits` print in full (1756, not 1.756e+3).
  const magnitude = Math.floor(Math.log10(ax)) + 1;
  if (magnitude >= digits) return x.toFixed(0);
  return x.toPrecision(digits);
}

/** A fixed number of decimals (for likelihood figures and test statistics). */
export function fixed(x: number | null | undefined, decimals: number): string {
  if (x === null || x === undefined) return '';
  if (!Number.isFinite(x)) return fmt(x);
  return x.toFixed(decimals);
}

/** The full-precision value, for tooltips. */
export function exact(x: number | null | undefined): string {
  if (x === null || x === undefined) return '';
  return String(x);
}
