/** Functions allowed in formulas and in `derive:` expressions. */

/** Elementwise numeric functions usable anywhere (formulas, I(), derive:). */
export const NUMERIC_FUNCTIONS: Record<string, (x: number) => number> = {
  log: Math.log,
  log10: Math.log10,
  log2: Math.log2,
  log1p: Math.log1p,
  exp: Math.exp,
  sqrt: Math.sqrt,
  abs: Math.abs,
};

/** Functions with a special meaning in a model formula. */
export const FORMULA_SPECIALS = ['I', 'factor', 'as.factor', 'offset', 'scale', 'cbind'] as const;

/** Aggregates usable in `derive:` (computed over the whole data or within groups with `by`). */
export const AGGREGATES = ['mean', 'sum', 'sd', 'var', 'min', 'max', 'median', 'n'] as const;

export const FORMULA_FUNCTIONS: ReadonlySet<string> = new Set([...Object.keys(NUMERIC_FUNCTIONS), ...FORMULA_SPECIALS]);
export const DERIVE_FUNCTIONS: ReadonlySet<string> = new Set([...Object.keys(NUMERIC_FUNCTIONS), ...AGGREGATES]);
