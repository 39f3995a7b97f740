/**
 * buildModelFrame: formula + data -> ModelFrame (response, fixed-effects matrix with lme4's names,
 * random-effects terms in lme4's order), after removing rows with missing values (na.omit).
 */
import { MlmError, type SourceRange } from '../diagnostics';
import { ROWS_PER_STEP, runSteps, runStepsAsync, Ticker, type FitHooks, type Steps } from '../hooks';
import { dataLine, numericAsFactor } from '../data/columns';
import type { DataTable } from '../data/types';
import type { Node, Span } from '../formula/ast';
import { deparse } from '../formula/deparse';
import type { TermsResult } from '../formula/terms';
import { modelSettings } from '../mlmfile/spec';
import { rangeOfSpan } from '../mlmfile/textmap';
import type { MlmDocument, ModelDecl } from '../mlmfile/types';
import { evalNumeric, evalVariable, interactFactors, type EvalContext, type VarValue } from './evaluate';
import { buildModelMatrixSteps, independentColumnsSteps, SingleLevelFactorError, TooManyColumnsError } from './modelmatrix';
import { modelStructure, type ModelStructure } from './structure';
import { applyDocument } from './table';
import type { ModelFrame, ReTermFrame } from './types';

export interface BuildOptions {
  /** True when `table` already went through applyDocument (derive:, factors:, levels:). */
  prepared?: boolean;
}

type Factor = { codes: Int32Array; levels: string[] };

/** Bound on n × p² for the fixed-effects matrix (the rank check and the fit cost about that much). */
const MAX_FIXED_WORK = 4e9;
/** Most columns one random-effects term may have. */
const MAX_RE_COLUMNS = 100;

/** Restricts a variable to the used rows; factors keep only observed levels (in their order). */
function subsetValue(v: VarValue, rows: Int32Array): VarValue {
  const pick = (x: Float64Array) => {
    const out = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = x[rows[i]];
    return out;
  };
  if (v.kind === 'numeric') return { kind: 'numeric', values: pick(v.values) };
  if (v.kind === 'matrix') return { kind: 'matrix', columns: v.columns.map(pick), suffixes: v.suffixes };
  const f = subsetFactor(v, rows);
  return { kind: 'factor', ...f, ...(v.contrasts ? { contrasts: v.contrasts } : {}) };
}

function subsetFactor(f: Factor, rows: Int32Array): Factor {
  const used = new Uint8Array(f.levels.length);
  for (let i = 0; i < rows.length; i++) used[f.codes[rows[i]]] = 1;
  const map = new Int32Array(f.levels.length).fill(-1);
  const levels: string[] = [];
  for (let l = 0; l < f.levels.length; l++) if (used[l]) (map[l] = levels.length), levels.push(f.levels[l]);
  const codes = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) codes[i] = map[f.codes[rows[i]]];
  return { codes, levels };
}

/** keep[i] = 0 where x[i] is NaN, for rows start..end-1. */
function dropNaN(keep: Uint8Array, x: Float64Array, start: number, end: number): void {
  for (let i = start; i < end; i++) if (x[i] !== x[i]) keep[i] = 0;
}

/** keep[i] = 0 where a factor's code is negative (missing), for rows start..end-1. */
function dropNegative(keep: Uint8Array, codes: Int32Array, start: number, end: number): void {
  for (let i = start; i < end; i++) if (codes[i] < 0) keep[i] = 0;
}

export function groupFactor(parts: Node[], ctx: EvalContext): Factor {
  const factors = parts.map((p) => {
    if (p.type === 'ident') {
      // a grouping column is categorical whatever its fields look like (ids such as '12' and '12b')
      const col = ctx.table.columns.get(p.name);
      if (col && col.kind === 'text') return { codes: col.codes, levels: col.levels };
    }
    const v = evalVariable(p, ctx);
    if (v.kind === 'matrix') throw new MlmError({ code: 'bad-group', message: `${deparse(p)} gives several columns and cannot group the data`, range: ctx.locate(p.span) });
    return v.kind === 'factor' ? { codes: v.codes, levels: v.levels } : numericAsFactor(v.values);
  });
  return factors.length === 1 ? factors[0] : interactFactors(factors);
}

interface Response {
  y: Float64Array;
  /** The numeric inputs of the response (cbind's two counts, or y itself), for the finiteness check. */
  parts: { values: Float64Array; node: Node }[];
  /** Binomial trials (cbind) or null. */
  trials: Float64Array | null;
  name: string;
  span: Span;
}

function evalResponse(lhs: Node, family: string, ctx: EvalContext, warnings: string[]): Response {
  const name = deparse(lhs);
  const inner = lhs.type === 'paren' ? lhs.expr : lhs;
  if (inner.type === 'call' && inner.name === 'cbind') {
    if (family !== 'binomial') {
      throw new MlmError({
        code: 'cbind-response',
        message: "a cbind(successes, failures) response needs 'family: binomial'",
        range: ctx.locate(lhs.span),
      });
    }
    if (inner.args.length !== 2) {
      throw new MlmError({ code: 'bad-arguments', message: 'cbind() takes two arguments: successes and failures', range: ctx.locate(inner.span) });
    }
    const s = evalNumeric(inner.args[0], ctx);
    const f = evalNumeric(inner.args[1], ctx);
    const trials = new Float64Array(s.length);
    const y = new Float64Array(s.length);
    for (let i = 0; i < s.length; i++) {
      trials[i] = s[i] + f[i];
      y[i] = trials[i] === 0 ? 0 : s[i] / trials[i];
    }
    return { y, trials, name, span: lhs.span, parts: [{ values: s, node: inner.args[0] }, { values: f, node: inner.args[1] }] };
  }
  const v = evalVariable(lhs, ctx);
  if (v.kind === 'factor') {
    if (family !== 'binomial') {
      throw new MlmError({
        code: 'non-numeric-response',
        message: `the response '${name}' is categorical (levels ${v.levels.slice(0, 4).join(', ')}${v.levels.length > 4 ? ', ...' : ''}); a ${family} model needs a numeric response${v.levels.length === 2 ? " (for a two-level response use 'family: binomial')" : ''}`,
        range: ctx.locate(lhs.span),
      });
    }
    const y = new Float64Array(v.codes.length);
    for (let i = 0; i < y.length; i++) y[i] = v.codes[i] < 0 ? NaN : v.codes[i] > 0 ? 1 : 0;
    if (v.levels.length > 2) {
      warnings.push(
        `the response '${name}' has ${v.levels.length} levels: the first ('${v.levels[0]}') counts as failure and all others as success (as glm does)`,
      );
    }
    return { y, trials: null, name, span: lhs.span, parts: [] };
  }
  if (v.kind === 'matrix') throw new MlmError({ code: 'bad-response', message: `the response ${name} gives several columns`, range: ctx.locate(lhs.span) });
  return { y: v.values, trials: null, name, span: lhs.span, parts: [{ values: v.values, node: lhs }] };
}

/** The `contrasts:` key: each named factor among the fixed effects gets its coding (lmer's contrasts = list(...)). */
export function applyContrasts(model: ModelDecl, fixed: TermsResult, values: (VarValue | null)[]): void {
  for (const c of model.contrasts ?? []) {
    const i = fixed.variables.findIndex((v, k) => v.name === c.factor.value && values[k]);
    if (i < 0) {
      const names = fixed.variables.filter((_, k) => values[k]?.kind === 'factor').map((v) => v.name);
      throw new MlmError({
        code: 'contrasts-variable',
        message: `'${c.factor.value}' is not a categorical variable of the fixed effects of model '${model.name}'${names.length ? ` (its factors: ${names.join(', ')})` : ''}`,
        range: c.factor.range,
      });
    }
    const v = values[i]!;
    if (v.kind !== 'factor') {
      throw new MlmError({ code: 'contrasts-variable', message: `'${c.factor.value}' is not categorical: contrasts apply to factors`, range: c.factor.range });
    }
    values[i] = { ...v, contrasts: c.kind.value };
  }
}

/** Builds the model frame of one model. Throws MlmError with the range of the offending formula part. */
export function buildModelFrame(doc: MlmDocument, model: ModelDecl, table: DataTable, options: BuildOptions = {}): ModelFrame {
  return runSteps(buildModelFrameSteps(doc, model, table, options));
}

/**
 * buildModelFrame that hands the event loop back between slices of rows (FitHooks.yieldEveryMs) and stops
 * with CancelledError when `hooks.isCancelled()`: the language server's way to build a frame of a large data set.
 */
export function buildModelFrameAsync(doc: MlmDocument, model: ModelDecl, table: DataTable, options: BuildOptions = {}, hooks: FitHooks = {}): Promise<ModelFrame> {
  return runStepsAsync(buildModelFrameSteps(doc, model, table, options), new Ticker(hooks), 'model frame');
}

export function* buildModelFrameSteps(doc: MlmDocument, model: ModelDecl, table: DataTable, options: BuildOptions = {}): Steps<ModelFrame> {
  const structure = modelStructure(model);
  const data = options.prepared ? table : applyDocument(doc, table);
  return yield* buildFromStructureSteps(model, structure, data);
}

export function buildFromStructure(model: ModelDecl, st: ModelStructure, data: DataTable): ModelFrame {
  return runSteps(buildFromStructureSteps(model, st, data));
}

/** The model frame in steps (Steps, hooks.ts): a yield between variables and every ROWS_PER_STEP rows of a pass. */
export function* buildFromStructureSteps(model: ModelDecl, st: ModelStructure, data: DataTable): Steps<ModelFrame> {
  const settings = modelSettings(model);
  const ctx: EvalContext = { table: data, locate: st.locate };
  const warnings: string[] = [];
  if (!st.lhs) {
    throw new MlmError({ code: 'no-response', message: "the formula has no response: write 'y ~ ...'", range: st.locate(st.formula.ast!.tilde) });
  }
  const response = evalResponse(st.lhs, settings.family, ctx, warnings);
  yield;

  // fixed-effects variables (only those used by terms)
  const fixed: TermsResult = st.fixed;
  const usedVars = new Set(fixed.terms.flatMap((t) => t.vars));
  const fixedValues: (VarValue | null)[] = [];
  for (let i = 0; i < fixed.variables.length; i++) {
    fixedValues.push(usedVars.has(i) ? evalVariable(fixed.variables[i].node, ctx) : null);
    yield;
  }
  applyContrasts(model, fixed, fixedValues);
  const offsets: Float64Array[] = [];
  for (const o of fixed.offsets) {
    if (o.type !== 'call' || o.args.length !== 1) {
      throw new MlmError({ code: 'bad-arguments', message: 'offset() takes one argument', range: st.locate(o.span) });
    }
    offsets.push(evalNumeric(o.args[0], ctx));
    yield;
  }
  let userWeights: Float64Array | null = null;
  if (model.weights && model.weights.ast) {
    const w = model.weights;
    userWeights = evalNumeric(w.ast!, { table: data, locate: (span) => rangeOfSpan(w, span) });
    yield;
  }
  const random: { spec: ModelStructure['random'][number]; values: (VarValue | null)[]; group: Factor }[] = [];
  for (const r of st.random) {
    const values: (VarValue | null)[] = [];
    for (let i = 0; i < r.model.variables.length; i++) {
      values.push(r.model.terms.some((t) => t.vars.includes(i)) ? evalVariable(r.model.variables[i].node, ctx) : null);
      yield;
    }
    random.push({ spec: r, values, group: groupFactor(r.groupParts, ctx) });
    yield;
  }

  // rows with no missing value in any used variable (na.omit)
  const N = data.nrow;
  const keep = new Uint8Array(N).fill(1);
  /** Rows where a numeric column is NaN or a factor's code is negative are dropped (a slice of rows per step). */
  function* drop(x: Float64Array | Int32Array): Steps<void> {
    for (let start = 0; start < N; start += ROWS_PER_STEP) {
      const end = Math.min(N, start + ROWS_PER_STEP);
      if (x instanceof Float64Array) dropNaN(keep, x, start, end);
      else dropNegative(keep, x, start, end);
      yield;
    }
  }
  function* dropValue(v: VarValue): Steps<void> {
    if (v.kind === 'numeric') yield* drop(v.values);
    else if (v.kind === 'factor') yield* drop(v.codes);
    else for (const c of v.columns) yield* drop(c);
  }
  yield* drop(response.y);
  if (response.trials) yield* drop(response.trials);
  for (const v of fixedValues) if (v) yield* dropValue(v);
  for (const o of offsets) yield* drop(o);
  if (userWeights) yield* drop(userWeights);
  for (const r of random) {
    for (const v of r.values) if (v) yield* dropValue(v);
    yield* drop(r.group.codes);
  }
  let missingRows = 0;
  for (let i = 0; i < N; i++) missingRows += 1 - keep[i];

  // R stops on an infinite value in a variable of the model ("NA/NaN/Inf in 'y'"); we name the row
  const finiteChecks: { values: Float64Array; node: Node; locate: (span: Span) => SourceRange | undefined }[] = [
    ...response.parts.map((p) => ({ ...p, locate: st.locate })),
    ...fixed.variables.flatMap((v, i) => {
      const val = fixedValues[i];
      return val && val.kind === 'numeric' ? [{ values: val.values, node: v.node, locate: st.locate }] : [];
    }),
    ...fixed.offsets.map((o, i) => ({ values: offsets[i], node: o, locate: st.locate })),
    ...random.flatMap((r) =>
      r.spec.model.variables.flatMap((v, i) => {
        const val = r.values[i];
        return val && val.kind === 'numeric' ? [{ values: val.values, node: v.node, locate: st.locate }] : [];
      }),
    ),
  ];
  for (const c of finiteChecks) {
    checkFinite(c.values, keep, c.node, data, c.locate(c.node.span));
    yield;
  }
  let zeroWeights = 0;
  if (userWeights) {
    const w = model.weights!;
    const range = w.range;
    for (let i = 0; i < N; i++) {
      if (!keep[i]) continue;
      const v = userWeights[i];
      if (!Number.isFinite(v) || v < 0) {
        const line = dataLine(data, i);
        throw new MlmError({
          code: v < 0 ? 'negative-weights' : 'non-finite-value',
          message: `weights must be finite and not negative: ${w.text.trim()} is ${v} in data row ${line} of ${data.fileName}`,
          range,
          csv: { file: data.fileName, row: line, column: '' },
        });
      }
      if (v === 0) {
        keep[i] = 0;
        zeroWeights++;
      }
    }
    if (zeroWeights > 0) {
      let left = 0;
      for (let i = 0; i < N; i++) left += keep[i];
      if (left === 0) {
        throw new MlmError({ code: 'zero-weights', message: `every row used has weight 0 (${w.text.trim()}), so no row carries information`, range });
      }
      warnings.push(
        `${zeroWeights} row${zeroWeights === 1 ? ' has' : 's have'} weight 0 and carr${zeroWeights === 1 ? 'ies' : 'y'} no information: left out of the fit (lme4 keeps them in the number of observations)`,
      );
    }
  }
  let n = 0;
  for (let i = 0; i < N; i++) n += keep[i];
  const rows = new Int32Array(n);
  for (let i = 0, k = 0; i < N; i++) if (keep[i]) rows[k++] = i;
  if (n === 0) {
    throw new MlmError({
      code: 'no-rows',
      message: `no rows are left after removing the ${missingRows} rows with a missing value in a variable of the model`,
      range: st.formula.range,
    });
  }

  const pick = (x: Float64Array) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = x[rows[i]];
    return out;
  };
  const y = pick(response.y);
  yield;

  // response checks by family
  if (settings.family === 'binomial') {
    for (let i = 0; i < n; i++) {
      if (y[i] < 0 || y[i] > 1) {
        throw new MlmError({
          code: 'binomial-response',
          message: `a binomial response must be 0/1, a proportion or cbind(successes, failures); data row ${dataLine(data, rows[i])} has ${response.name} = ${y[i]}`,
          range: st.locate(response.span),
          csv: { file: data.fileName, row: dataLine(data, rows[i]), column: response.name },
        });
      }
    }
  } else if (settings.family === 'poisson') {
    for (let i = 0; i < n; i++) {
      if (y[i] < 0) {
        throw new MlmError({
          code: 'poisson-response',
          message: `a poisson response must be counts (0, 1, 2, ...); data row ${dataLine(data, rows[i])} has ${response.name} = ${y[i]}`,
          range: st.locate(response.span),
          csv: { file: data.fileName, row: dataLine(data, rows[i]), column: response.name },
        });
      }
    }
  }

  // weights
  let weights: Float64Array | null = null;
  if (userWeights) weights = pick(userWeights);
  if (response.trials) {
    const t = pick(response.trials);
    if (weights) for (let i = 0; i < n; i++) weights[i] *= t[i];
    else weights = t;
  }
  if (weights) {
    for (let i = 0; i < n; i++) {
      if (weights[i] < 0) {
        throw new MlmError({
          code: 'negative-weights',
          message: `weights must not be negative (data row ${dataLine(data, rows[i])})`,
          range: model.weights?.range ?? st.locate(response.span),
        });
      }
    }
  }
  if (settings.family === 'poisson') {
    for (let i = 0; i < n; i++) {
      if (!Number.isInteger(y[i])) {
        warnings.push(`the poisson response is not a whole number in data row ${dataLine(data, rows[i])} (${response.name} = ${y[i]})`);
        break;
      }
    }
  } else if (settings.family === 'binomial') {
    for (let i = 0; i < n; i++) {
      const w = weights ? weights[i] : 1;
      const s = y[i] * w;
      if (Math.abs(s - Math.round(s)) > 1e-7 * Math.max(1, w)) {
        warnings.push(`non-integer number of successes in data row ${dataLine(data, rows[i])} (a binomial response times its weight should be a count)`);
        break;
      }
    }
  }
  let offset: Float64Array | null = null;
  if (offsets.length > 0) {
    offset = new Float64Array(n);
    for (const o of offsets) for (let i = 0; i < n; i++) offset[i] += o[rows[i]];
  }
  yield;

  // fixed-effects model matrix
  const subValues: VarValue[] = [];
  for (const v of fixedValues) {
    subValues.push(v ? subsetValue(v, rows) : { kind: 'numeric', values: new Float64Array(0) });
    yield;
  }
  let mm;
  const maxCells = Math.min(5e7, Math.sqrt(MAX_FIXED_WORK * n));
  try {
    mm = yield* buildModelMatrixSteps(fixed, subValues, n, maxCells);
  } catch (e) {
    if (e instanceof TooManyColumnsError) {
      const t = fixed.terms[e.term];
      if (e.termColumns <= MAX_RE_COLUMNS) {
        // not one term with many levels: the rows make the matrix too large
        throw new MlmError({
          code: 'too-many-columns',
          message: `the fixed-effects matrix would have ${n} rows × ${e.columns} columns = ${(n * e.columns).toExponential(2)} entries, more than the ${maxCells.toExponential(2)} a fit can hold: use a subset of the rows or fewer terms`,
          range: st.formula.range,
        });
      }
      throw new MlmError({
        code: 'too-many-columns',
        message: `the fixed effects would have ${e.columns} columns (${t.label} alone has ${e.termColumns}); a variable with that many levels is usually a grouping factor: use it in a random-effects term such as (1 | ${t.label})`,
        range: st.locate(t.span),
      });
    }
    if (e instanceof SingleLevelFactorError) {
      const v = fixed.variables[e.variable];
      throw new MlmError({
        code: 'single-level-factor',
        message: `'${v.name}' has a single level ('${e.level}') in the rows used, so it has no contrast to estimate`,
        range: st.locate(v.node.span),
      });
    }
    throw e;
  }
  const keepCols = yield* independentColumnsSteps(mm.X, n, mm.p);
  let X = mm.X;
  let coefnames = mm.names;
  const droppedCoefs: string[] = [];
  if (keepCols.length < mm.p) {
    const kept = new Set(keepCols);
    mm.names.forEach((nm, j) => {
      if (!kept.has(j)) droppedCoefs.push(nm);
    });
    X = new Float64Array(n * keepCols.length);
    keepCols.forEach((j, k) => X.set(mm.X.subarray(j * n, (j + 1) * n), k * n));
    coefnames = keepCols.map((j) => mm.names[j]);
    const k = droppedCoefs.length;
    warnings.push(
      `fixed-effect model matrix is rank deficient so dropping ${k} column${k === 1 ? '' : 's'} / coefficient${k === 1 ? '' : 's'}: ${droppedCoefs.join(', ')}`,
    );
  }

  yield;
  const scaleWarning = checkScaleX(X, n, coefnames);
  if (scaleWarning) warnings.push(scaleWarning);
  yield;

  // random-effects terms
  let reTerms: ReTermFrame[] = [];
  for (const r of random) {
    const vals: VarValue[] = [];
    for (const v of r.values) {
      vals.push(v ? subsetValue(v, rows) : { kind: 'numeric', values: new Float64Array(0) });
      yield;
    }
    let zm;
    try {
      zm = yield* buildModelMatrixSteps(r.spec.model, vals, n, Math.min(5e7, MAX_RE_COLUMNS * n));
    } catch (e) {
      if (e instanceof TooManyColumnsError) {
        throw new MlmError({
          code: 'too-many-columns',
          message: `the random-effects term ${r.spec.text} would have ${e.columns} columns per group; a variable with that many levels cannot have a random slope (use it as a grouping factor instead)`,
          range: st.locate(r.spec.span),
        });
      }
      if (e instanceof SingleLevelFactorError) {
        const v = r.spec.model.variables[e.variable];
        throw new MlmError({
          code: 'single-level-factor',
          message: `'${v.name}' has a single level ('${e.level}') in the rows used`,
          range: st.locate(v.node.span),
        });
      }
      throw e;
    }
    const g = subsetFactor(r.group, rows);
    yield;
    reTerms.push({
      group: r.spec.group,
      levels: g.levels,
      refs: g.codes,
      termNames: zm.names,
      k: zm.p,
      Z: zm.X,
      text: r.spec.text,
      span: r.spec.span,
      fromDoubleBar: r.spec.fromDoubleBar,
    });
  }
  reTerms = orderReTerms(reTerms);

  return {
    n,
    y,
    responseName: response.name,
    X,
    p: coefnames.length,
    coefnames,
    droppedCoefs,
    reTerms,
    offset,
    weights,
    rows,
    rowsDropped: missingRows,
    family: settings.family,
    link: settings.link,
    formula: st.formula.text,
    warnings,
  };
}

/**
 * lme4's mkReTrms order: when the numbers of levels are not already non-increasing, terms are put in
 * the order rev(order(nl)) — decreasing number of levels, ties in reverse order of appearance.
 */
export function orderReTerms<T extends { levels: string[] }>(terms: T[]): T[] {
  const nl = terms.map((t) => t.levels.length);
  let increasing = false;
  for (let i = 1; i < nl.length; i++) if (nl[i] > nl[i - 1]) increasing = true;
  if (!increasing) return terms;
  const order = terms.map((_, i) => i).sort((a, b) => nl[a] - nl[b] || a - b);
  return order.reverse().map((i) => terms[i]);
}

export type { SourceRange };

/**
 * Largest magnitude a model variable may have: beyond it sums of squares overflow a double
 * (R's fit stops with "objective in x0 returns NA").
 */
export const MAX_MAGNITUDE = 1e150;

/** Throws a located MlmError naming the first used row where `values` is infinite or too large to compute with. */
function checkFinite(values: Float64Array, keep: Uint8Array, node: Node, data: DataTable, range: SourceRange | undefined): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!keep[i] || !(Math.abs(v) > MAX_MAGNITUDE)) continue;
    const name = deparse(node);
    const line = dataLine(data, i);
    const col = node.type === 'ident' ? node.name : name;
    const what = Number.isFinite(v)
      ? `${v} is too large to compute with (more than 1e150 in magnitude): rescale it`
      : `the value is ${v > 0 ? 'Inf' : '-Inf'}; a variable of the model must be finite (R stops with "NA/NaN/Inf"); correct the value or mark it missing (NA)`;
    throw new MlmError({
      code: 'non-finite-value',
      message: `'${name}' in data row ${line} of ${data.fileName}: ${what}`,
      range,
      csv: { file: data.fileName, row: line, column: col },
    });
  }
}

/**
 * lme4's check.scaleX: among the columns of X that are not all 0/1, a standard deviation beyond
 * 1000 or below 1/1000, or two standard deviations more than a factor 1000 apart, gives lme4's warning.
 */
export function checkScaleX(X: Float64Array, n: number, names: string[]): string | null {
  const sds: { name: string; sd: number }[] = [];
  const p = names.length;
  for (let j = 0; j < p; j++) {
    const col = X.subarray(j * n, (j + 1) * n);
    let binary = true;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const v = col[i];
      if (v !== 0 && v !== 1) binary = false;
      sum += v;
    }
    if (binary || n < 2) continue;
    const mean = sum / n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (col[i] - mean) ** 2;
    sds.push({ name: names[j], sd: Math.sqrt(ss / (n - 1)) });
  }
  if (sds.length === 0) return null;
  const tol = Math.log(1000);
  let smallest = sds[0];
  let largest = sds[0];
  for (const s of sds) {
    if (s.sd < smallest.sd) smallest = s;
    if (s.sd > largest.sd) largest = s;
  }
  const bad = Math.abs(Math.log(largest.sd / smallest.sd)) > tol || sds.some((s) => Math.abs(Math.log(s.sd)) > tol);
  if (!bad) return null;
  const fmt = (v: number) => (v === 0 ? '0' : Math.abs(Math.log10(v)) >= 4 ? v.toExponential(2) : String(Number(v.toPrecision(3))));
  return (
    `Some predictor variables are on very different scales: consider rescaling ` +
    `(standard deviations from ${fmt(smallest.sd)} for ${smallest.name} to ${fmt(largest.sd)} for ${largest.name})`
  );
}
