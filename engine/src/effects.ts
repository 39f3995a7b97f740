/**
 * The effect plots' data: for each predictor of the fixed part (a data column), the model's
 * population prediction (random effects at zero) over its values with a pointwise 95% confidence
 * band, and for a two-way interaction one line (or set of points) per level of the other variable.
 * Built as emmeans builds a reference grid: the rows are made from data values by the same formula
 * evaluation as predictions (inference/predict.ts fixedDesign, so poly(), ns(), log() and
 * interactions are evaluated as in the fit); the factors not shown are averaged with equal weights
 * and the other covariates held at their means over the rows used. The band is x'β ± q·√(x'Vx)
 * with the df of each point's linear function from the fit's df method (Satterthwaite, Kenward-Roger,
 * or z), mapped through the inverse link. Pure; plain JSON out.
 *
 * Interactions: factor × covariate draws one line and band per level of the factor over the
 * covariate; covariate × covariate draws the x covariate at three values of the other: its mean and
 * mean ± 1 SD over the rows used (at each of its values when it has at most five, as a 0/1 indicator).
 * Along x goes a covariate of many values before one of few, and one that varies within the groups
 * before one constant within every level of a grouping factor (a group-level moderator is held at
 * values, never drawn along).
 */
import type { DataColumn, DataTable } from './data/types';
import type { FitResult } from './result';
import { gridVariables, type GridInput, type GridVariable } from './inference/emmeans';
import { fixedDesign, fixedPartVariance } from './inference/predict';
import { identifiersOf, modelStructure } from './frame/structure';
import { asymptoticContrastDf, type ContrastDf } from './inference/dfmethod';
import { PostFit } from './inference/postfit';
import { CancelledError } from './diagnostics';
import { runSteps, runStepsAsync, Ticker, type FitHooks, type Steps } from './hooks';
import type { MixedModel } from './fit';
import { linkOf } from './inference/noPooling';
import { qnorm, qt } from './inference/distributions';

export interface EffectSeries {
  /** The level of `by`, or the moderator's value as 'mean − 1 SD (0.12)'; null for a single line. */
  label: string | null;
  /** Covariate x: the x values; factor x: the level indices 0, 1, … of `levels`. */
  x: number[];
  /** Prediction on the response scale and its pointwise 95% confidence band. */
  fit: number[];
  lower: number[];
  upper: number[];
}

export interface EffectFigure {
  /** The model term shown, as R labels it ('Days', 'poly(Days, 2)', 'sector:cses'). */
  term: string;
  /** The data column along the x axis. */
  x: string;
  xKind: 'covariate' | 'factor';
  /** Factor x: its levels in the fit's order. */
  levels?: string[];
  /** The other column of an interaction (lines per level, or per chosen value), else null. */
  by: string | null;
  byKind: 'factor' | 'covariate' | null;
  series: EffectSeries[];
  /** 'response' (gaussian), 'probability' (binomial), or the mean of a count or positive response. */
  scale: 'response' | 'probability' | 'mean';
  /** How the band was formed, e.g. 't quantile, Satterthwaite df 16.9–17.2'. */
  band: string;
  /** What the other predictors were held at, in words (empty when there are none). */
  held: string;
}

export interface EffectInput extends GridInput {
  result: FitResult;
  dfMethod: ContrastDf;
}

/**
 * The fit with its effect figures in plotData.figures.effects. The df method is emmeans' ('auto':
 * the model's df: key, Satterthwaite up to 3000 observations, z above and for GLMMs); a fit whose
 * df cannot be computed gets z bands, and a formula the grid cannot rebuild gets no effect plots.
 */
export async function withEffectFigures(result: FitResult, input: GridInput & { mixedModel: MixedModel }, hooks?: FitHooks): Promise<FitResult> {
  const figures = result.plotData?.figures;
  // a fit from SQL cross-product blocks has no rows to build the grid's ranges from
  if (!result.plotData || !figures || input.frame.blocks) return result;
  let dfMethod: ContrastDf;
  try {
    dfMethod = await new PostFit({ ...input, result }, hooks).dfMethod('auto');
  } catch (e) {
    if (e instanceof CancelledError) throw e;
    dfMethod = asymptoticContrastDf(result);
  }
  let effects: EffectFigure[] = [];
  try {
    effects = await runStepsAsync(effectFiguresSteps({ ...input, result, dfMethod }), new Ticker(hooks), 'effect plots');
  } catch (e) {
    if (e instanceof CancelledError) throw e;
  }
  return { ...result, plotData: { ...result.plotData, figures: { ...figures, effects } } };
}

/** Points along a covariate. */
const GRID = 41;
/** Largest reference grid built for one figure (rows of the design). */
const MAX_GRID = 60_000;
/** Most levels drawn for a factor on the x axis, and lines for a `by` factor. */
const MAX_X_LEVELS = 30;
const MAX_BY_LEVELS = 8;

/** The effect figures of a fit (empty when its formula cannot be read again or nothing varies). */
export function effectFigures(input: EffectInput): EffectFigure[] {
  return runSteps(effectFiguresSteps(input));
}

/** effectFigures with a yield between the figures (each reads the rows): see hooks.ts Steps. */
export function* effectFiguresSteps(input: EffectInput): Steps<EffectFigure[]> {
  const st = modelStructure(input.model);
  const vars = gridVariables(input);
  yield;
  const byColumn = new Map(vars.map((v) => [v.column, v]));
  const termColumns = st.fixed.terms.map((t) => {
    const cols = new Set<string>();
    for (const v of t.vars) for (const id of identifiersOf(st.fixed.variables[v].node)) if (byColumn.has(id.name)) cols.add(id.name);
    return { label: t.label, cols: [...cols] };
  });
  const inInteraction = new Set(termColumns.filter((t) => t.cols.length > 1).flatMap((t) => t.cols));
  const groupLevel = groupLevelColumns(input, vars);
  const out: EffectFigure[] = [];
  const done = new Set<string>();
  for (const t of termColumns) {
    yield;
    if (t.cols.length === 1 && !inInteraction.has(t.cols[0])) {
      const key = t.cols[0];
      if (done.has(key)) continue;
      done.add(key);
      const f = figure(input, vars, byColumn.get(key)!, null, t.label);
      if (f) out.push(f);
    } else if (t.cols.length === 2) {
      const key = [...t.cols].sort().join('\u0001');
      if (done.has(key)) continue;
      done.add(key);
      const [a, b] = t.cols.map((c) => byColumn.get(c)!);
      const f = figure(input, vars, ...orderPair(input, a, b, groupLevel), t.label);
      if (f) out.push(f);
    }
  }
  return out;
}

/** Which of two interacting columns goes along x: a covariate before a factor; a covariate that varies within groups before a group-level one; else the factor with more levels. */
function orderPair(input: GridInput, a: GridVariable, b: GridVariable, groupLevel: Set<string>): [GridVariable, GridVariable] {
  if (a.kind !== b.kind) return a.kind === 'covariate' ? [a, b] : [b, a];
  if (a.kind === 'covariate') {
    // a covariate of a few values (an indicator) is held at its values; a group-level one too
    const few = (v: GridVariable) => columnStats(input.table, v.column, input.frame.rows).values !== null;
    if (few(a) !== few(b)) return few(a) ? [b, a] : [a, b];
    return groupLevel.has(a.column) && !groupLevel.has(b.column) ? [b, a] : [a, b];
  }
  return b.levels.length > a.levels.length ? [b, a] : [a, b];
}

/** Columns of the grid constant within every level of some grouping factor (group-level predictors). */
function groupLevelColumns(input: EffectInput, vars: GridVariable[]): Set<string> {
  const { frame, table } = input;
  const out = new Set<string>();
  for (const v of vars) {
    const col = table.columns.get(v.column);
    if (!col) continue;
    const valueOf = (r: number) => (col.kind === 'numeric' ? col.values[r] : col.codes[r]);
    for (const term of frame.reTerms) {
      const first = new Map<number, number>();
      let constant = true;
      for (let i = 0; i < frame.n && constant; i++) {
        const v0 = valueOf(frame.rows[i]);
        const seen = first.get(term.refs[i]);
        if (seen === undefined) first.set(term.refs[i], v0);
        else if (seen !== v0 && !(Number.isNaN(seen) && Number.isNaN(v0))) constant = false;
      }
      if (constant) {
        out.add(v.column);
        break;
      }
    }
  }
  return out;
}

/** A covariate with at most this many distinct values (an indicator such as 0/1) is drawn at its values, not at mean ± SD. */
const FEW_VALUES = 5;

function columnStats(table: DataTable, column: string, rows: Int32Array): { min: number; max: number; mean: number; sd: number; values: number[] | null } {
  const col = table.columns.get(column) as Extract<DataColumn, { kind: 'numeric' }>;
  let min = Infinity;
  let max = -Infinity;
  let s = 0;
  let n = 0;
  const distinct = new Set<number>();
  for (const r of rows) {
    const v = col.values[r];
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    s += v;
    n++;
    if (distinct.size <= FEW_VALUES) distinct.add(v);
  }
  const mean = n ? s / n : NaN;
  let ss = 0;
  for (const r of rows) {
    const v = col.values[r];
    if (Number.isFinite(v)) ss += (v - mean) ** 2;
  }
  return { min, max, mean, sd: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, values: distinct.size <= FEW_VALUES ? [...distinct].sort((a, b) => a - b) : null };
}

/** Numbers as short labels ('0.12', '-1.3e+04'). */
function short(x: number): string {
  return Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(1) : String(Number(x.toPrecision(3)));
}

function figure(input: EffectInput, vars: GridVariable[], xv: GridVariable, by: GridVariable | null, term: string): EffectFigure | null {
  const { frame, table, result, dfMethod } = input;
  // values along x
  let xValues: number[] = [];
  let xLevels: string[] = [];
  if (xv.kind === 'covariate') {
    const s = columnStats(table, xv.column, frame.rows);
    if (!(s.max > s.min)) return null;
    xValues = Array.from({ length: GRID }, (_, k) => s.min + ((s.max - s.min) * k) / (GRID - 1));
  } else {
    xLevels = xv.levels;
    if (xLevels.length < 2 || xLevels.length > MAX_X_LEVELS) return null;
  }
  const nx = xv.kind === 'covariate' ? xValues.length : xLevels.length;
  // series: levels of a by factor, or a moderator covariate at its mean and mean ± 1 SD
  let byValues: number[] = [];
  let byLevels: string[] = [];
  let byLabels: (string | null)[] = [null];
  if (by?.kind === 'factor') {
    byLevels = by.levels;
    if (byLevels.length > MAX_BY_LEVELS) return null;
    byLabels = byLevels;
  } else if (by?.kind === 'covariate') {
    const s = columnStats(table, by.column, frame.rows);
    if (!(s.sd > 0)) return null;
    if (s.values) {
      // an indicator or a covariate of a few values: a line at each of them
      byValues = s.values;
      byLabels = s.values.map((v) => `= ${short(v)}`);
    } else {
      byValues = [s.mean - s.sd, s.mean, s.mean + s.sd];
      byLabels = [`mean \u2212 1 SD (${short(byValues[0])})`, `mean (${short(byValues[1])})`, `mean + 1 SD (${short(byValues[2])})`];
    }
  }
  const nb = byLabels.length;
  const others = vars.filter((v) => v !== xv && v !== by);
  const otherFactors = others.filter((v) => v.kind === 'factor');
  const nOther = otherFactors.reduce((s, f) => s * f.levels.length, 1);
  const nCells = nx * nb;
  const nGrid = nCells * nOther;
  if (nGrid > MAX_GRID) return null;
  // the grid: row r is cell r % nCells (x fastest, then by) within combination ⌊r / nCells⌋ of the other factors
  const columns = new Map<string, DataColumn>();
  const empty = new Array<string>(nGrid).fill('');
  const factorColumn = (v: GridVariable, codeOf: (r: number) => number): DataColumn => {
    const codes = Int32Array.from({ length: nGrid }, (_, r) => codeOf(r));
    return { kind: 'text', name: v.column, codes, levels: v.levels, raw: Array.from(codes, (c) => v.levels[c]) };
  };
  const numericColumn = (v: GridVariable, valueOf: (r: number) => number): DataColumn => ({ kind: 'numeric', name: v.column, values: Float64Array.from({ length: nGrid }, (_, r) => valueOf(r)), raw: empty });
  columns.set(xv.column, xv.kind === 'covariate' ? numericColumn(xv, (r) => xValues[r % nx]) : factorColumn(xv, (r) => r % nx));
  if (by) {
    const ib = (r: number) => Math.floor((r % nCells) / nx);
    columns.set(by.column, by.kind === 'covariate' ? numericColumn(by, (r) => byValues[ib(r)]) : factorColumn(by, ib));
  }
  let stride = 1;
  for (const f of otherFactors) {
    const s = stride;
    columns.set(f.column, factorColumn(f, (r) => Math.floor(Math.floor(r / nCells) / s) % f.levels.length));
    stride *= f.levels.length;
  }
  const held: string[] = [];
  for (const v of others) {
    if (v.kind !== 'covariate') continue;
    columns.set(v.column, numericColumn(v, () => v.mean));
    held.push(`${v.column} = ${short(v.mean)}`);
  }
  const grid: DataTable = { fileName: 'effect grid', nrow: nGrid, names: [...columns.keys()], columns };
  const design = fixedDesign({ model: input.model, trainTable: table, frame, newTable: grid });
  const p = frame.coefnames.length;
  const beta = frame.coefnames.map((c) => result.fixef[c] ?? 0);
  // an offset is held at its mean over the rows used
  let offset = 0;
  if (frame.offset) {
    for (let i = 0; i < frame.n; i++) offset += frame.offset[i];
    offset /= frame.n || 1;
  }
  const V = dfMethod.vcov;
  const L = linkOf(result);
  const z = qnorm(0.975);
  const kr = dfMethod.name === 'Kenward-Roger';
  let dfLo = Infinity;
  let dfHi = -Infinity;
  const series: EffectSeries[] = byLabels.map((label) => ({ label, x: [], fit: [], lower: [], upper: [] }));
  for (let b = 0; b < nb; b++) {
    // Kenward-Roger's df is costly per contrast: one per line, at its middle point
    let lineDf: number | null = null;
    for (let k = 0; k < nx; k++) {
      const c = cellVector(design.X, nGrid, nOther, nCells, b * nx + k, p);
      let eta = offset;
      for (let j = 0; j < p; j++) eta += c[j] * beta[j];
      const se = Math.sqrt(Math.max(0, fixedPartVariance(c, V)));
      let df: number;
      if (kr) {
        if (lineDf === null) lineDf = dfAt(dfMethod, cellVector(design.X, nGrid, nOther, nCells, b * nx + Math.floor(nx / 2), p));
        df = lineDf;
      } else df = dfMethod.df(c);
      const q = Number.isFinite(df) && df > 0 ? qt(0.975, df) : z;
      if (Number.isFinite(df) && df > 0) {
        dfLo = Math.min(dfLo, df);
        dfHi = Math.max(dfHi, df);
      }
      const s = series[b];
      s.x.push(xv.kind === 'covariate' ? xValues[k] : k);
      s.fit.push(L.linkinv(eta));
      s.lower.push(L.linkinv(eta - q * se));
      s.upper.push(L.linkinv(eta + q * se));
    }
  }
  if (series.some((s) => s.fit.some((v) => !Number.isFinite(v)))) return null;
  const dfText = dfLo === Infinity ? '' : Math.abs(dfHi - dfLo) < 0.05 ? dfLo.toFixed(1) : `${dfLo.toFixed(1)}\u2013${dfHi.toFixed(1)}`;
  const band =
    dfText === ''
      ? 'normal quantile (z)'
      : `t quantile, ${dfMethod.name} df ${dfText}${kr ? ' (at the middle of each line)' : ''}`;
  if (otherFactors.length) held.push(`averaged over ${otherFactors.map((f) => f.column).join(', ')} with equal weights`);
  if (frame.offset) held.push('the offset at its mean');
  const scale = result.family === 'gaussian' ? 'response' : result.family === 'binomial' ? 'probability' : 'mean';
  return {
    term,
    x: xv.column,
    xKind: xv.kind,
    ...(xv.kind === 'factor' ? { levels: xLevels } : {}),
    by: by?.column ?? null,
    byKind: by?.kind ?? null,
    series,
    scale,
    band,
    held: held.join('; '),
  };
}

/** The average of the grid rows of one cell over the combinations of the other factors (equal weights). */
function cellVector(X: Float64Array, nGrid: number, nOther: number, nCells: number, cell: number, p: number): number[] {
  const c = new Array<number>(p).fill(0);
  for (let o = 0; o < nOther; o++) for (let j = 0; j < p; j++) c[j] += X[j * nGrid + o * nCells + cell];
  return c.map((v) => v / nOther);
}

function dfAt(dfMethod: ContrastDf, c: number[]): number {
  try {
    return dfMethod.df(c);
  } catch {
    return Infinity;
  }
}
