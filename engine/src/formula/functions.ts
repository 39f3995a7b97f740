/**
 * The functions of the formula language and of `derive:` expressions: one table with each function's
 * R signature, parameters and a one-line description (the parser checks calls against it; completion,
 * signature help and hovers show it).
 */

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

export interface FunctionParam {
  name: string;
  /** A data expression (a column or an expression of columns) rather than a setting. */
  data?: boolean;
  /** Only by name (R would read a positional value as something else). */
  namedOnly?: boolean;
}

export interface FunctionSpec {
  name: string;
  /** R's usage line, e.g. `poly(x, degree = 1, raw = FALSE)`. */
  signature: string;
  /** One sentence for completion and hovers. */
  doc: string;
  /** Where the function can be written: formulas (and weights:), derive:, or both. */
  where: 'formula' | 'derive' | 'any';
  /** R's formal arguments in order; `variadic` functions take any number of data arguments. */
  params: FunctionParam[];
  variadic?: boolean;
  /** Left of `~` only (cbind). */
  lhsOnly?: boolean;
}

const x: FunctionParam = { name: 'x', data: true };
const unary = (name: string, doc: string): FunctionSpec => ({ name, signature: `${name}(x)`, doc, where: 'any', params: [x] });

export const FUNCTION_SPECS: readonly FunctionSpec[] = [
  { name: 'I', signature: 'I(expr)', doc: 'Arithmetic as written: I(age^2).', where: 'formula', params: [{ name: 'expr', data: true }] },
  { name: 'factor', signature: 'factor(x)', doc: 'Treat a column as categorical (one coefficient per level after the first).', where: 'formula', params: [x] },
  { name: 'as.factor', signature: 'as.factor(x)', doc: 'Treat a column as categorical, as factor(x).', where: 'formula', params: [x] },
  { name: 'scale', signature: 'scale(x)', doc: 'Centre x at its mean and divide by its standard deviation; new data use the training centre and scale.', where: 'formula', params: [x] },
  { name: 'offset', signature: 'offset(x)', doc: 'A term whose coefficient is fixed at 1, e.g. offset(log(exposure)).', where: 'formula', params: [x] },
  { name: 'cbind', signature: 'cbind(successes, failures)', doc: 'Binomial response: numbers of successes and failures per row.', where: 'formula', params: [], variadic: true, lhsOnly: true },
  unary('log', 'Natural logarithm.'),
  unary('log2', 'Base-2 logarithm.'),
  unary('log10', 'Base-10 logarithm.'),
  unary('log1p', 'log(1 + x), accurate for small x.'),
  unary('exp', 'Exponential.'),
  unary('sqrt', 'Square root.'),
  unary('abs', 'Absolute value.'),
  ...(['mean', 'sum', 'sd', 'var', 'min', 'max', 'median'] as const).map(
    (name): FunctionSpec => ({ name, signature: `${name}(x)`, doc: `The ${name === 'sd' ? 'standard deviation' : name === 'var' ? 'variance' : name === 'min' ? 'minimum' : name === 'max' ? 'maximum' : name} of x over the data, or within each group with \`by\` (derive: only).`, where: 'derive', params: [x] }),
  ),
  { name: 'n', signature: 'n()', doc: 'The number of rows of each group (derive: only, with `by`).', where: 'derive', params: [] },
];

export const SPEC_BY_NAME: ReadonlyMap<string, FunctionSpec> = new Map(FUNCTION_SPECS.map((f) => [f.name, f]));

/** Aggregates usable in `derive:` (computed over the whole data or within groups with `by`). */
export const AGGREGATES = FUNCTION_SPECS.filter((f) => f.where === 'derive').map((f) => f.name);

/** Functions with a special meaning in a model formula (not elementwise arithmetic). */
export const FORMULA_SPECIALS = FUNCTION_SPECS.filter((f) => f.where === 'formula').map((f) => f.name);

export const FORMULA_FUNCTIONS: ReadonlySet<string> = new Set(FUNCTION_SPECS.filter((f) => f.where !== 'derive').map((f) => f.name));
export const DERIVE_FUNCTIONS: ReadonlySet<string> = new Set([...Object.keys(NUMERIC_FUNCTIONS), 'log', ...AGGREGATES]);
