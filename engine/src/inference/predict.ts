/**
 * Predictions as lme4's predict()/fitted(): on the link or response scale, with the random effects
 * (conditional on the groups' modes, re.form = NULL) or without them (population level, re.form = NA).
 * New rows go through the same formula evaluation as the training data (the frame module's
 * evalVariable / buildModelMatrix / groupFactor) with the training factor levels, so dummy columns
 * line up with the fitted coefficients. A group level not seen in the fit contributes no random
 * effect (lme4's allow.new.levels = TRUE: the population prediction). A new level of a fixed-effect
 * factor is an error. Rows with a missing predictor get null.
 * Data-dependent transformations inside the formula use what they learned from the training rows
 * (scale()'s centre and scale, poly()'s coefficients, ns()/bs() knots), as R's predict() does through
 * makepredictcall (a basis recomputed over the new rows alone would shift every prediction).
 */
import { MlmError } from '../diagnostics';
import type { DataTable } from '../data/types';
import type { ModelFrame } from '../frame/types';
import type { FitResult } from '../result';
import type { ModelDecl } from '../mlmfile/types';
import { evalNumeric, evalVariable, type EvalContext, type Learned, type VarValue } from '../frame/evaluate';
import { buildModelMatrix } from '../frame/modelmatrix';
import { applyContrasts, groupFactor } from '../frame/modelframe';
import { modelStructure, type ModelStructure } from '../frame/structure';
import { makeFamily } from '../glmm';
import { qnorm } from './distributions';
import type { PredictionVariance, ReEntry } from './condvar';

export type PredictScale = 'link' | 'response';

export interface Predictions {
  /** With the random effects (the groups' conditional modes). */
  conditional: (number | null)[];
  /** Fixed effects only. */
  population: (number | null)[];
  scale: PredictScale;
  /** For new data: per row, the grouping factors whose level was not in the fit. */
  newLevels?: string[][];
  /** For new data: the rows' fixed-effects design (for standard errors of the fit). */
  design?: FixedDesign;
  /** For new data: per row, Σ z² condsd² over the row's random effects (0 for unseen levels). */
  reVariance?: number[];
  /** For new data: per row, its random-effects columns in levels seen in the fit (frame.reTerms indices), for condvar.ts. */
  reEntries?: ReEntry[][];
}

function linkInverse(result: FitResult): (eta: number) => number {
  if (result.family === 'gaussian') return (x) => x;
  const fam = makeFamily(result.family as 'binomial' | 'poisson', result.link as 'logit');
  return (x) => fam.link.linkinv(x);
}

/** Random effects by grouping factor and term name (|| terms merged back), per level label. */
interface RanefByGroup {
  levelIndex: Map<string, number>;
  terms: Map<string, number[]>;
  condsd: Map<string, number[]>;
}

function ranefLookup(result: FitResult): Map<string, RanefByGroup> {
  const out = new Map<string, RanefByGroup>();
  for (const b of result.ranef) {
    const levelIndex = new Map(b.levels.map((l, j) => [l, j] as [string, number]));
    const terms = new Map(b.terms.map((t, k) => [t, b.values[k]] as [string, number[]]));
    const condsd = new Map(b.terms.map((t, k) => [t, b.condsd[k]] as [string, number[]]));
    out.set(b.group, { levelIndex, terms, condsd });
  }
  return out;
}

/** Xβ (+ offset) of n rows: X column-major with a column per coefficient name, β by name (0 when absent). */
export function fixedLinearPredictor(X: ArrayLike<number>, n: number, coefnames: readonly string[], fixef: Record<string, number>, offset?: ArrayLike<number> | null): Float64Array {
  const eta = new Float64Array(n);
  coefnames.forEach((c, j) => {
    const b = fixef[c] ?? 0;
    for (let i = 0; i < n; i++) eta[i] += X[j * n + i] * b;
  });
  if (offset) for (let i = 0; i < n; i++) eta[i] += offset[i];
  return eta;
}

/** Fitted values of the training rows (frame order). */
export function fittedValues(frame: ModelFrame, result: FitResult, scale: PredictScale = 'response'): Predictions {
  const n = frame.n;
  const pop = fixedLinearPredictor(frame.X, n, frame.coefnames, result.fixef, frame.offset);
  const cond = pop.slice();
  const re = ranefLookup(result);
  for (const t of frame.reTerms) {
    const blk = re.get(t.group);
    if (!blk) continue;
    t.termNames.forEach((name, a) => {
      const vals = blk.terms.get(name);
      if (!vals) return;
      const idx = t.levels.map((l) => blk.levelIndex.get(l) ?? -1);
      for (let i = 0; i < n; i++) {
        const j = idx[t.refs[i]];
        if (j >= 0) cond[i] += t.Z[a * n + i] * vals[j];
      }
    });
  }
  const inv = scale === 'response' ? linkInverse(result) : (x: number) => x;
  return { conditional: Array.from(cond, inv), population: Array.from(pop, inv), scale };
}

/** A training variable as the new rows need it (alignValue): its kind, and for a factor the levels of the fit's rows. */
function subsetTo(v: VarValue, rows: Int32Array): VarValue {
  // a numeric variable's values are not read (the new rows bring their own): no copy of millions of rows
  if (v.kind === 'numeric') return v;
  if (v.kind === 'matrix') return v;
  const used = new Uint8Array(v.levels.length);
  for (const r of rows) if (v.codes[r] >= 0) used[v.codes[r]] = 1;
  return { kind: 'factor', codes: new Int32Array(0), levels: v.levels.filter((_, l) => used[l]), ...(v.contrasts ? { contrasts: v.contrasts } : {}) };
}

/** The new rows' values of a variable, coded with the training levels (factor levels unseen in the fit: -2). */
function alignValue(train: VarValue, fresh: VarValue): VarValue {
  if (train.kind === 'numeric' || train.kind === 'matrix') {
    if (fresh.kind !== train.kind) throw new Error('type');
    return fresh;
  }
  const contrasts = train.contrasts ? { contrasts: train.contrasts } : {};
  if (fresh.kind === 'numeric') {
    // e.g. a numeric column used as factor(x) in training, given as numbers: match by label
    const labels = Array.from(fresh.values, (x) => (Number.isNaN(x) ? null : String(x)));
    return { kind: 'factor', codes: Int32Array.from(labels, (l) => (l === null ? -1 : train.levels.indexOf(l) >= 0 ? train.levels.indexOf(l) : -2)), levels: train.levels, ...contrasts };
  }
  if (fresh.kind === 'matrix') throw new Error('type');
  const map = fresh.levels.map((l) => train.levels.indexOf(l));
  return { kind: 'factor', codes: Int32Array.from(fresh.codes, (c) => (c < 0 ? -1 : map[c] >= 0 ? map[c] : -2)), levels: train.levels, ...contrasts };
}

export interface NewDataInput {
  /** The model's declaration in the .mlm (its formula). */
  model: ModelDecl;
  /** The training data table (after the document's derive:/factors:/levels:). */
  trainTable: DataTable;
  frame: ModelFrame;
  result: FitResult;
  /** New rows, a table with the same columns (after the same document declarations). */
  newTable: DataTable;
  scale?: PredictScale;
}

/** The new rows' design: the model's variables evaluated on them with the training levels and learned transforms. */
interface NewRows {
  st: ReturnType<typeof modelStructure>;
  n: number;
  /** 1 where a row has a missing predictor or grouping value. */
  missing: Uint8Array;
  ctxTrain: EvalContext;
  ctxNew: EvalContext;
  prepare: (tm: ModelStructure['fixed']) => VarValue[];
}

function newRows(input: Pick<NewDataInput, 'model' | 'trainTable' | 'frame' | 'newTable'>): NewRows {
  const { model, trainTable, frame, newTable } = input;
  const st = modelStructure(model);
  // scale() centres, poly() coefficients and spline knots are recorded while the training rows are
  // evaluated and applied to the new rows
  const known = new Map<string, Learned>();
  const ctxTrain = { table: trainTable, locate: st.locate, learned: { known, record: true } };
  const ctxNew = { table: newTable, locate: st.locate, learned: { known, record: false } };
  const n = newTable.nrow;
  const missing = new Uint8Array(n);
  const prepare = (tm: typeof st.fixed): VarValue[] => {
    const used = new Set(tm.terms.flatMap((t) => t.vars));
    return tm.variables.map((v, i) => {
      if (!used.has(i)) return { kind: 'numeric', values: new Float64Array(n) } as VarValue;
      const tr = subsetTo(evalVariable(v.node, ctxTrain), frame.rows);
      const nv = alignValue(tr, evalVariable(v.node, ctxNew));
      if (nv.kind === 'numeric') {
        for (let r = 0; r < n; r++) if (Number.isNaN(nv.values[r])) missing[r] = 1;
        return nv;
      }
      if (nv.kind === 'matrix') {
        for (const c of nv.columns) for (let r = 0; r < n; r++) if (Number.isNaN(c[r])) missing[r] = 1;
        return nv;
      }
      for (let r = 0; r < n; r++) {
        if (nv.codes[r] === -1) missing[r] = 1;
        if (nv.codes[r] === -2) {
          throw new MlmError({
            code: 'predict-new-level',
            message: `row ${r + 2} of the new data has ${v.name} = '${newLabel(v.node, ctxNew, r)}', a level the model was not fitted with`,
            range: st.locate(v.node.span),
          });
        }
      }
      // codes must be valid indices for buildModelMatrix
      return { kind: 'factor', codes: Int32Array.from(nv.codes, (c) => Math.max(c, 0)), levels: nv.levels };
    });
  };
  return { st, n, missing, ctxTrain, ctxNew, prepare };
}

/** The fixed-effects rows of new data: n × p column-major in the fit's coefficient order, with the offset (or null) and the rows with missing predictors. */
export interface FixedDesign {
  X: Float64Array;
  n: number;
  offset: Float64Array | null;
  missing: Uint8Array;
}

function fixedDesignOf(nr: NewRows, model: ModelDecl, frame: ModelFrame): FixedDesign {
  const { st, n, ctxTrain, ctxNew } = nr;
  const fixedValues = nr.prepare(st.fixed);
  applyContrasts(model, st.fixed, fixedValues);
  const mm = buildModelMatrix(st.fixed, fixedValues, n);
  const p = frame.coefnames.length;
  const X = new Float64Array(n * p);
  frame.coefnames.forEach((c, k) => {
    const j = mm.names.indexOf(c);
    if (j < 0) throw new MlmError({ code: 'predict-columns', message: `cannot rebuild the column '${c}' for the new data` });
    X.set(mm.X.subarray(j * n, (j + 1) * n), k * n);
  });
  let offset: Float64Array | null = null;
  for (const o of st.fixed.offsets) {
    if (o.type === 'call' && o.args.length === 1) {
      evalNumeric(o.args[0], ctxTrain); // records any scale() inside the offset
      const off = evalNumeric(o.args[0], ctxNew);
      offset ??= new Float64Array(n);
      for (let i = 0; i < n; i++) offset[i] += off[i];
    }
  }
  return { X, n, offset, missing: nr.missing };
}

/** The fixed-effects model matrix of new rows (the reference grid of marginal means uses it too). */
export function fixedDesign(input: Pick<NewDataInput, 'model' | 'trainTable' | 'frame' | 'newTable'>): FixedDesign {
  return fixedDesignOf(newRows(input), input.model, input.frame);
}

/** Predictions for new rows (see the file comment). */
export function predictNewData(input: NewDataInput): Predictions {
  const { frame, result } = input;
  const nr = newRows(input);
  const { st, n, missing, ctxNew } = nr;
  const fd = fixedDesignOf(nr, input.model, frame);
  const eta = fixedLinearPredictor(fd.X, n, frame.coefnames, result.fixef, fd.offset);
  const cond = eta.slice();
  const newLevels: string[][] = Array.from({ length: n }, () => []);
  const re = ranefLookup(result);
  // conditional variance of the random part of each row (sum over terms of z² condsd²)
  const reVar = new Float64Array(n);
  // the row's random-effects columns located in the fit's terms: (group, column name) → (term, column)
  const termCols = new Map<string, { term: number; col: number }>();
  const termLevels = frame.reTerms.map((t) => new Map(t.levels.map((l, j) => [l, j] as [string, number])));
  frame.reTerms.forEach((t, ti) => t.termNames.forEach((name, col) => termCols.set(`${t.group}\u0000${name}`, { term: ti, col })));
  const entries: ReEntry[][] = Array.from({ length: n }, () => []);
  for (const r of st.random) {
    const blk = re.get(r.group);
    const g = groupFactor(r.groupParts, ctxNew);
    const zm = buildModelMatrix(r.model, nr.prepare(r.model), n);
    for (let i = 0; i < n; i++) {
      if (g.codes[i] < 0) {
        missing[i] = 1;
        continue;
      }
      const label = g.levels[g.codes[i]];
      const j = blk?.levelIndex.get(label);
      if (j === undefined) {
        if (!newLevels[i].includes(r.group)) newLevels[i].push(r.group);
        continue;
      }
      zm.names.forEach((name, a) => {
        const vals = blk!.terms.get(name);
        if (vals) cond[i] += zm.X[a * n + i] * vals[j];
        const sds = blk!.condsd.get(name);
        if (sds) reVar[i] += (zm.X[a * n + i] * sds[j]) ** 2;
        const tc = termCols.get(`${r.group}\u0000${name}`);
        const level = tc ? termLevels[tc.term].get(label) : undefined;
        if (tc && level !== undefined && zm.X[a * n + i] !== 0) entries[i].push({ term: tc.term, level, col: tc.col, z: zm.X[a * n + i] });
      });
    }
  }
  const inv = (input.scale ?? 'response') === 'response' ? linkInverse(result) : (x: number) => x;
  const out = (v: Float64Array) => Array.from(v, (x, i) => (missing[i] || !Number.isFinite(x) ? null : inv(x)));
  return { conditional: out(cond), population: out(eta), scale: input.scale ?? 'response', newLevels, design: fd, reVariance: Array.from(reVar), reEntries: entries };
}

function newLabel(node: import('../formula/ast').Node, ctx: { table: DataTable }, r: number): string {
  if (node.type === 'ident') {
    const col = ctx.table.columns.get(node.name);
    if (col) return col.raw[r] ?? '';
  }
  if (node.type === 'paren') return newLabel(node.expr, ctx, r);
  if (node.type === 'call' && node.args.length === 1) return newLabel(node.args[0], ctx, r);
  return '?';
}

export type IntervalKind = 'confidence' | 'prediction';

/** The variance of the fixed part of a prediction, x'Vx (zeros in x skipped). */
export function fixedPartVariance(x: ArrayLike<number>, V: number[][]): number {
  let v = 0;
  for (let a = 0; a < x.length; a++) {
    if (x[a] === 0) continue;
    let t = 0;
    for (let b = 0; b < x.length; b++) t += V[a][b] * x[b];
    v += x[a] * t;
  }
  return v;
}

export interface PredictionIntervals {
  fit: (number | null)[];
  /**
   * SE of the fitted value on the link scale: √(x'Vx) without random effects; with them the conditional
   * covariance of (β̂, b̂) (condvar.ts), or, where that is unavailable, x'Vx plus Σ z² condsd².
   */
  'se.fit': (number | null)[];
  lwr: (number | null)[];
  upr: (number | null)[];
  interval: IntervalKind;
  level: number;
  scale: PredictScale;
  notes: string[];
}

/**
 * Intervals for predictions made on the link scale (predictNewData with scale 'link'): a confidence
 * interval for the fitted value, fit ± z·se.fit, or for gaussian fits a prediction interval for a new
 * observation, fit ± z·√(se.fit² + σ²). On the response scale of a GLMM the link-scale interval is
 * transformed by the inverse link (se.fit stays on the link scale). The normal quantile is used:
 * the fitted value's variance mixes fixed and random parts, for which no t df is defined.
 */
export function predictionIntervals(
  pred: Predictions,
  result: FitResult,
  opts: { interval: IntervalKind; level?: number; re: boolean; scale?: PredictScale; condVar?: PredictionVariance | null },
): PredictionIntervals {
  if (pred.scale !== 'link' || !pred.design) throw new Error('predictionIntervals needs link-scale predictions of new data');
  if (opts.interval === 'prediction' && result.family !== 'gaussian') {
    throw new MlmError({ code: 'predict-interval', message: `prediction intervals are for gaussian models; model ${result.id} is ${result.family} (use --interval confidence)` });
  }
  const level = opts.level ?? 0.95;
  const z = qnorm(0.5 + level / 2);
  const { X, n } = pred.design;
  const p = result.coefnames.length;
  const V = result.vcov;
  const values = opts.re ? pred.conditional : pred.population;
  const s2 = result.sigma * result.sigma;
  const scale = opts.scale ?? 'response';
  const inv = scale === 'response' ? linkInverse(result) : (x: number) => x;
  const se: (number | null)[] = [];
  const lwr: (number | null)[] = [];
  const upr: (number | null)[] = [];
  const x = new Float64Array(p);
  // the number of rows is known: the conditional covariance chooses between per-row solves and its inverse once
  if (opts.re && opts.condVar) opts.condVar.expectRows(values.reduce((c: number, f, i) => c + (f !== null && (pred.reEntries?.[i]?.length ?? 0) > 0 ? 1 : 0), 0));
  for (let i = 0; i < n; i++) {
    const f = values[i];
    if (f === null) {
      se.push(null);
      lwr.push(null);
      upr.push(null);
      continue;
    }
    for (let j = 0; j < p; j++) x[j] = X[j * n + i];
    let v = 0;
    if (opts.re && opts.condVar) v = opts.condVar.variance(x, pred.reEntries?.[i] ?? []);
    else {
      v = fixedPartVariance(x, V);
      if (opts.re) v += pred.reVariance?.[i] ?? 0;
    }
    const sf = Math.sqrt(v);
    const half = z * Math.sqrt(v + (opts.interval === 'prediction' ? s2 : 0));
    se.push(sf);
    lwr.push(inv(f - half));
    upr.push(inv(f + half));
  }
  const notes = [
    `${opts.interval === 'prediction' ? 'Prediction' : 'Confidence'} intervals at level ${level} use the normal quantile (${z.toFixed(4)}); se.fit is ${
      !opts.re
        ? 'the fixed-effects SE √(x\'Vx)'
        : opts.condVar
          ? 'from the conditional covariance of the fixed and random effects (the inverse of the mixed-model equations: the row\'s random effects with their covariances, and their covariance with the fixed effects)'
          : 'the fixed-effects SE combined with the conditional SDs of the row\'s random effects (their covariances are not included)'
    }${opts.interval === 'prediction' ? ', and the interval adds the residual variance σ²' : ''}.`,
  ];
  if (opts.re && pred.newLevels?.some((l) => l.length > 0)) notes.push('Rows in group levels not seen in the fit get the population prediction for those terms, with no variance of their random effects.');
  if (scale === 'response' && result.family !== 'gaussian') notes.push('se.fit is on the link scale; fit, lwr and upr are on the response scale (the link-scale interval transformed).');
  return { fit: values.map((f) => (f === null ? null : inv(f))), 'se.fit': se, lwr, upr, interval: opts.interval, level, scale, notes };
}
