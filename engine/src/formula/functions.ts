/**
 * The functions of the formula language and of `derive:` expressions: one table with each function's
 * R signature, parameters and a one-line description (the parser checks calls against it; completion,
 * signature help and hovers show it).
 */
import { FormulaSyntaxError, type Node } from './ast';

/** Elementwise numeric functions usable anywhere (formulas, I(), derive:). */
export const NUMERIC_FUNCTIONS: Record<string, (x: number) => number> = {
  log: Math.log,
  log10: Math.log10,
  log2: Math.log2,
  log1p: Math.log1p,
  exp: Math.exp,
  expm1: Math.expm1,
  sqrt: Math.sqrt,
  abs: Math.abs,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
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
  { name: 'I', signature: 'I(expr)', doc: 'Arithmetic, comparisons and logic as written: I(age^2), I(minority == "Yes") (a TRUE/FALSE value becomes the coefficient …TRUE).', where: 'formula', params: [{ name: 'expr', data: true }] },
  { name: 'factor', signature: 'factor(x)', doc: 'Treat a column as categorical (one coefficient per level after the first).', where: 'formula', params: [x] },
  { name: 'as.factor', signature: 'as.factor(x)', doc: 'Treat a column as categorical, as factor(x).', where: 'formula', params: [x] },
  { name: 'as.numeric', signature: 'as.numeric(x)', doc: 'A number per row: TRUE/FALSE as 1/0, a factor as its level number (1, 2, …).', where: 'formula', params: [x] },
  { name: 'relevel', signature: 'relevel(x, ref)', doc: 'The factor x with the level ref first (the reference level of treatment contrasts): relevel(sector, ref = "Catholic").', where: 'formula', params: [x, { name: 'ref' }] },
  { name: 'interaction', signature: 'interaction(...)', doc: 'One factor whose levels are the combinations of the factors given, written a.b (the first factor varies fastest).', where: 'formula', params: [], variadic: true },
  { name: 'C', signature: 'C(object, contr)', doc: 'The factor object coded with the contrasts contr: treatment, sum, helmert or poly (coefficient names as R: f1, f2 … for sum and helmert, f.L, f.Q … for poly).', where: 'formula', params: [{ name: 'object', data: true }, { name: 'contr' }] },
  { name: 'poly', signature: 'poly(x, degree = 1, raw = FALSE)', doc: "Orthogonal polynomials of degree 1 … degree in x, as R's poly() (raw = TRUE: x, x², …); new data are evaluated on the training basis.", where: 'formula', params: [x, { name: 'degree' }, { name: 'raw', namedOnly: true }] },
  { name: 'ns', signature: 'ns(x, df = NULL, knots = NULL, intercept = FALSE, Boundary.knots = range(x))', doc: "Natural cubic spline basis, as the splines package's ns(): df − 1 interior knots at quantiles of x (or the knots given), linear beyond the boundary knots.", where: 'formula', params: [x, { name: 'df' }, { name: 'knots' }, { name: 'intercept' }, { name: 'Boundary.knots' }] },
  { name: 'bs', signature: 'bs(x, df = NULL, knots = NULL, degree = 3, intercept = FALSE, Boundary.knots = range(x))', doc: "B-spline basis of a piecewise polynomial of the given degree, as the splines package's bs(): df − degree interior knots at quantiles of x (or the knots given).", where: 'formula', params: [x, { name: 'df' }, { name: 'knots' }, { name: 'degree' }, { name: 'intercept' }, { name: 'Boundary.knots' }] },
  { name: 'scale', signature: 'scale(x, center = TRUE, scale = TRUE)', doc: 'Centre x at its mean (center = TRUE or a number) and divide by its standard deviation (scale = TRUE or a number); new data use the training centre and scale.', where: 'formula', params: [x, { name: 'center' }, { name: 'scale' }] },
  { name: 'offset', signature: 'offset(x)', doc: 'A term whose coefficient is fixed at 1, e.g. offset(log(exposure)).', where: 'formula', params: [x] },
  { name: 'cbind', signature: 'cbind(successes, failures)', doc: 'Binomial response: numbers of successes and failures per row.', where: 'formula', params: [], variadic: true, lhsOnly: true },
  { name: 'c', signature: 'c(...)', doc: 'A set of values, for %in%: I(grade %in% c("A", "B")).', where: 'formula', params: [], variadic: true },
  { name: 'log', signature: 'log(x, base = exp(1))', doc: 'Logarithm (natural unless base is given, e.g. log(x, base = 2)).', where: 'any', params: [x, { name: 'base' }] },
  unary('log2', 'Base-2 logarithm.'),
  unary('log10', 'Base-10 logarithm.'),
  unary('log1p', 'log(1 + x), accurate for small x.'),
  unary('exp', 'Exponential.'),
  unary('expm1', 'exp(x) − 1, accurate for small x.'),
  unary('sqrt', 'Square root.'),
  unary('abs', 'Absolute value.'),
  unary('sin', 'Sine (x in radians).'),
  unary('cos', 'Cosine (x in radians).'),
  unary('tan', 'Tangent (x in radians).'),
  ...(['mean', 'sum', 'sd', 'var', 'min', 'max', 'median'] as const).map(
    (name): FunctionSpec => ({ name, signature: `${name}(x)`, doc: `The ${name === 'sd' ? 'standard deviation' : name === 'var' ? 'variance' : name === 'min' ? 'minimum' : name === 'max' ? 'maximum' : name} of x over the data, or within each group with \`by\` (derive: only).`, where: 'derive', params: [x] }),
  ),
  { name: 'n', signature: 'n()', doc: 'The number of rows of each group (derive: only, with `by`).', where: 'derive', params: [] },
];

/** Constants of the language: `pi`, `TRUE`, `FALSE` (a column of the same name takes precedence for `pi`). */
export const CONSTANTS: Record<string, { value: number | boolean; doc: string }> = {
  pi: { value: Math.PI, doc: 'π = 3.14159…' },
  TRUE: { value: true, doc: 'logical true' },
  FALSE: { value: false, doc: 'logical false' },
  T: { value: true, doc: 'TRUE' },
  F: { value: false, doc: 'FALSE' },
};

/** Contrast codings for C(f, …) and the `contrasts:` key, with R's function names. */
export const CONTRASTS: Record<string, string> = {
  treatment: 'each level against the first (R default, contr.treatment); coefficients named by level',
  sum: 'each level against the mean of all levels (contr.sum); coefficients f1, f2, …',
  helmert: 'each level against the mean of the levels before it (contr.helmert); coefficients f1, f2, …',
  poly: 'orthogonal polynomial trends over ordered levels (contr.poly); coefficients f.L, f.Q, f.C, f^4, …',
};
export type ContrastKind = 'treatment' | 'sum' | 'helmert' | 'poly';

/** `sum`, `contr.sum`, `"contr.sum"` → 'sum'; undefined when not a contrast name. */
export function contrastKind(name: string): ContrastKind | undefined {
  const k = name.replace(/^contr\./, '');
  return k in CONTRASTS ? (k as ContrastKind) : undefined;
}

export const SPEC_BY_NAME: ReadonlyMap<string, FunctionSpec> = new Map(FUNCTION_SPECS.map((f) => [f.name, f]));

/** Aggregates usable in `derive:` (computed over the whole data or within groups with `by`). */
export const AGGREGATES = FUNCTION_SPECS.filter((f) => f.where === 'derive').map((f) => f.name);

/** Functions with a special meaning in a model formula (not elementwise arithmetic). */
export const FORMULA_SPECIALS = FUNCTION_SPECS.filter((f) => f.where === 'formula').map((f) => f.name);

export const FORMULA_FUNCTIONS: ReadonlySet<string> = new Set(FUNCTION_SPECS.filter((f) => f.where !== 'derive').map((f) => f.name));
export const DERIVE_FUNCTIONS: ReadonlySet<string> = new Set([...Object.keys(NUMERIC_FUNCTIONS), 'log', ...AGGREGATES]);

/** `splines::ns` → `ns`. */
export function functionBaseName(name: string): string {
  const i = name.lastIndexOf('::');
  return i < 0 ? name : name.slice(i + 2);
}

export type CallNode = Extract<Node, { type: 'call' }>;

/**
 * R's argument matching for a call of a known function (exact names, then positions in order):
 * parameter name → argument node. Throws FormulaSyntaxError at the offending argument.
 */
export function matchArguments(call: CallNode): Map<string, Node> {
  const spec = SPEC_BY_NAME.get(functionBaseName(call.name));
  const out = new Map<string, Node>();
  if (!spec) return out;
  const names = call.argNames ?? [];
  if (spec.variadic) {
    const named = names.findIndex((n) => n !== undefined);
    if (named >= 0) throw new FormulaSyntaxError(`${spec.name}() takes no named argument ('${names[named]}')`, call.args[named].span, 'bad-arguments');
    call.args.forEach((a, i) => out.set(String(i), a));
    return out;
  }
  call.args.forEach((a, i) => {
    const n = names[i];
    if (n === undefined) return;
    if (!spec.params.some((p) => p.name === n)) {
      const known = spec.params.map((p) => p.name).join(', ');
      throw new FormulaSyntaxError(`${spec.name}() has no argument '${n}' (its arguments: ${known || 'none'})`, a.span, 'bad-arguments');
    }
    out.set(n, a);
  });
  let next = 0;
  call.args.forEach((a, i) => {
    if (names[i] !== undefined) return;
    while (next < spec.params.length && (out.has(spec.params[next].name) || spec.params[next].namedOnly)) {
      if (spec.params[next].namedOnly && !out.has(spec.params[next].name)) {
        throw new FormulaSyntaxError(`write this argument of ${spec.name}() by name (${spec.params[next].name} = …)`, a.span, 'bad-arguments');
      }
      next++;
    }
    if (next >= spec.params.length) {
      throw new FormulaSyntaxError(`${spec.signature} takes at most ${spec.params.length} argument${spec.params.length === 1 ? '' : 's'}`, a.span, 'bad-arguments');
    }
    out.set(spec.params[next++].name, a);
  });
  const first = spec.params[0];
  if (first?.data && !out.has(first.name)) {
    throw new FormulaSyntaxError(`${spec.name}() needs ${first.name === 'x' ? 'a column or an expression' : `its argument '${first.name}'`}: ${spec.signature}`, call.span, 'bad-arguments');
  }
  return out;
}

/** The arguments of a call that are data (columns or expressions of columns), not settings. */
export function dataArguments(call: CallNode): Node[] {
  const spec = SPEC_BY_NAME.get(functionBaseName(call.name));
  if (!spec || spec.variadic) return call.args;
  let args: Map<string, Node>;
  try {
    args = matchArguments(call);
  } catch {
    return call.args;
  }
  return spec.params.filter((p) => p.data && args.has(p.name)).map((p) => args.get(p.name)!);
}
