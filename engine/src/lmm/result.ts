/**
 * The one FitResult builder: lmer's (buildLmmResult), glmer's and the dispersion families'
 * (glmm/result.ts) and nlme's lme (nlme/fit.ts) results are made by assembleFitResult from what each
 * fitter knows at its optimum, with lme4's figures and names (VarCorr rows, ranef blocks, AIC/BIC).
 */
import type { ModelFrame, ReTermFrame } from '../frame/types';
import type { FitResult, RanefBlock, TestRow, VarCorrRow } from '../result';
import type { LinearMixedModel } from './model';
import { ReTerms } from './reterms';
import { quantile7 } from '../inference/distributions';
import { ROWS_PER_STEP, runSteps, type Steps } from '../hooks';
import { sortSteps } from '../linalg/sort';

export interface LmmFitInfo {
  id: string;
  theta: number[];
  criterion: number;
  converged: boolean;
  evaluations: number;
  fitSeconds: number;
  singular: boolean;
  warnings: string[];
}

/** What a fitter knows at its optimum; assembleFitResult turns it into a FitResult. */
export interface FitResultParts {
  frame: ModelFrame;
  id: string;
  family: string;
  link: string;
  REML: boolean;
  nAGQ: number;
  beta: ArrayLike<number>;
  /** covariance of β̂ (rows), the standard errors are the roots of its diagonal */
  vcov: number[][];
  theta: ArrayLike<number>;
  /** the residual standard deviation (1 for glmer's families; the dispersion of Gamma and inverse Gaussian fits) */
  sigma: number;
  /** whether VarCorr has a Residual row (gaussian fits: θ is then relative to σ; otherwise θ holds the standard deviations) */
  residualRow: boolean;
  logLik: number;
  /** number of parameters (AIC's and BIC's) */
  df: number;
  deviance: number | null;
  REMLcrit: number | null;
  /** the n of BIC's log(n) (nlme's REML fits: n − p) */
  bicN: number;
  singular: boolean;
  /** b = Λu in lme4's order, and per term the conditional covariance blocks (per level, k×k) */
  b: ArrayLike<number>;
  condVar: Float64Array[];
  tests?: Record<string, TestRow>;
  /** the complete list of warnings (the frame's included) */
  warnings: string[];
  converged: boolean;
  evaluations: number;
  fitSeconds: number;
  /** per observation; absent for a frame of cross-product blocks (no rows) */
  observations?: { fitted: number[]; residuals: number[]; scaledSorted: ArrayLike<number> };
  fitter?: FitResult['fitter'];
  dispersion?: FitResult['dispersion'];
}

export function assembleFitResult(q: FitResultParts): FitResult {
  const { frame } = q;
  const fixef: Record<string, number> = {};
  const se: Record<string, number> = {};
  frame.coefnames.forEach((nm, i) => {
    fixef[nm] = q.beta[i];
    se[nm] = Math.sqrt(q.vcov[i][i]);
  });
  const ngrps: Record<string, number> = {};
  for (const t of frame.reTerms) ngrps[t.group] = t.levels.length;
  const obs = q.observations;
  return {
    id: q.id,
    formula: frame.formula,
    family: q.family,
    link: q.link,
    REML: q.REML,
    nAGQ: q.nAGQ,
    nobs: frame.n,
    ngrps,
    coefnames: frame.coefnames.slice(),
    fixef,
    se,
    vcov: q.vcov,
    varcorr: varCorrRows(frame.reTerms, q.theta, q.residualRow ? q.sigma : 1, q.residualRow),
    sigma: q.sigma,
    theta: Array.from(q.theta),
    logLik: q.logLik,
    df: q.df,
    deviance: q.deviance,
    REMLcrit: q.REMLcrit,
    ...informationCriteria(q.logLik, q.df, q.bicN),
    singular: q.singular,
    ranef: ranefBlocks(frame.reTerms, q.b, q.condVar),
    ...(q.tests ? { tests: q.tests } : {}),
    responseName: frame.responseName,
    rowsDropped: frame.rowsDropped,
    droppedCoefs: frame.droppedCoefs.slice(),
    warnings: q.warnings,
    converged: q.converged,
    evaluations: q.evaluations,
    fitSeconds: q.fitSeconds,
    ...(obs
      ? {
          fitted: obs.fitted,
          residuals: obs.residuals,
          rows: Array.from(frame.rows),
          scaledResidualQuantiles: [0, 0.25, 0.5, 0.75, 1].map((pr) => quantile7(obs.scaledSorted, pr)),
        }
      : {}),
    ...(q.fitter ? { fitter: q.fitter } : {}),
    ...(q.dispersion ? { dispersion: q.dispersion } : {}),
  };
}

/** AIC and BIC of a log-likelihood with df parameters; `n` is BIC's number of observations. */
export function informationCriteria(logLik: number, df: number, n: number): { AIC: number; BIC: number } {
  return { AIC: -2 * logLik + 2 * df, BIC: -2 * logLik + df * Math.log(n) };
}

/** s² V of an unscaled p×p covariance V stored column-major, as rows. */
export function scaledCovariance(unscaled: ArrayLike<number>, p: number, s2: number): number[][] {
  return Array.from({ length: p }, (_, i) => Array.from({ length: p }, (_, j) => unscaled[i + j * p] * s2));
}

/** R's make.unique for group names: 'Subject', 'Subject.1', ... */
export function uniqueGroupNames(groups: readonly string[]): string[] {
  const seen = new Map<string, number>();
  const used = new Set(groups);
  return groups.map((g) => {
    const c = seen.get(g);
    if (c === undefined) {
      seen.set(g, 0);
      return g;
    }
    let k = c + 1;
    while (used.has(`${g}.${k}`)) k++;
    seen.set(g, k);
    used.add(`${g}.${k}`);
    return `${g}.${k}`;
  });
}

/** lme4's as.data.frame(VarCorr(m)) rows for terms with covariance σ²ΛΛ' (sigma = 1 for GLMMs without a Residual row). */
export function varCorrRows(terms: readonly ReTermFrame[], theta: ArrayLike<number>, sigma: number, withResidual: boolean): VarCorrRow[] {
  const lam = new ReTerms(terms).lambdaBlocks(theta);
  const names = uniqueGroupNames(terms.map((t) => t.group));
  const rows: VarCorrRow[] = [];
  terms.forEach((t, ti) => {
    const k = t.k, lo = lam.offsets[ti];
    const cov = new Float64Array(k * k);
    for (let a = 0; a < k; a++)
      for (let b = 0; b < k; b++) {
        let s = 0;
        for (let x = 0; x <= Math.min(a, b); x++) s += lam.data[lo + a + x * k] * lam.data[lo + b + x * k];
        cov[a + b * k] = s * sigma * sigma;
      }
    for (let a = 0; a < k; a++)
      rows.push({ grp: names[ti], var1: t.termNames[a], var2: null, vcov: cov[a + a * k], sdcor: Math.sqrt(cov[a + a * k]) });
    for (let a = 0; a < k; a++)
      for (let b = a + 1; b < k; b++) {
        const c = cov[b + a * k];
        const den = Math.sqrt(cov[a + a * k] * cov[b + b * k]);
        rows.push({ grp: names[ti], var1: t.termNames[a], var2: t.termNames[b], vcov: c, sdcor: den > 0 ? c / den : NaN });
      }
  });
  if (withResidual) rows.push({ grp: 'Residual', var1: null, var2: null, vcov: sigma * sigma, sdcor: sigma });
  return rows;
}

/**
 * Conditional modes and conditional standard deviations merged per grouping factor, as lme4's ranef.
 * b: Λu in lme4's order; condVar: per term, per level k×k blocks (already scaled by σ²).
 */
export function ranefBlocks(terms: readonly ReTermFrame[], b: ArrayLike<number>, condVar: Float64Array[]): RanefBlock[] {
  const blocks = new Map<string, RanefBlock>();
  let off = 0;
  terms.forEach((t, ti) => {
    const L = t.levels.length;
    let blk = blocks.get(t.group);
    if (!blk) {
      blk = { group: t.group, levels: t.levels.slice(), terms: [], values: [], condsd: [] };
      blocks.set(t.group, blk);
    }
    for (let a = 0; a < t.k; a++) {
      const vals: number[] = new Array(L);
      const sds: number[] = new Array(L);
      for (let l = 0; l < L; l++) {
        vals[l] = b[off + l * t.k + a];
        sds[l] = Math.sqrt(Math.max(0, condVar[ti][l * t.k * t.k + a + a * t.k]));
      }
      blk.terms.push(t.termNames[a]);
      blk.values.push(vals);
      blk.condsd.push(sds);
    }
    off += t.k * L;
  });
  return [...blocks.values()];
}

/**
 * `perRow`: the observations' arrays when already computed at this optimum (observationSteps, in slices); computed here
 * otherwise.
 */
export function buildLmmResult(model: LinearMixedModel, info: LmmFitInfo, perRow?: ObservationArrays): FitResult {
  const frame = model.frame;
  const { n, p } = frame;
  const sigma = model.sigma();
  const beta = model.beta();
  const b = model.b();
  const s2 = sigma * sigma;
  const condVar = model.pls.condVarBlocks().map((blk) => blk.map((v) => v * s2));
  // per observation (a frame of blocks has no rows: engine/src/sql/ adds the residual summary)
  if (frame.blocks) perRow = undefined;
  else perRow ??= runSteps(observationSteps(model));
  return assembleFitResult({
    frame,
    id: info.id,
    family: 'gaussian',
    link: 'identity',
    REML: model.REML,
    nAGQ: 1,
    beta,
    vcov: scaledCovariance(model.unscaledVcovBeta(), p, s2),
    theta: info.theta,
    sigma,
    residualRow: true,
    logLik: -info.criterion / 2,
    df: p + model.nTheta + 1,
    deviance: model.REML ? null : info.criterion,
    REMLcrit: model.REML ? info.criterion : null,
    bicN: n,
    singular: info.singular,
    b,
    condVar,
    warnings: [...frame.warnings, ...info.warnings],
    converged: info.converged,
    evaluations: info.evaluations,
    fitSeconds: info.fitSeconds,
    ...(perRow ? { observations: { fitted: perRow.fitted, residuals: perRow.residuals, scaledSorted: perRow.scaled } } : {}),
  });
}

export interface ObservationArrays {
  fitted: number[];
  residuals: number[];
  /** Scaled residuals, sorted. */
  scaled: Float64Array;
}

/** Fitted values, residuals and sorted scaled residuals of every observation, at the model's last θ; in slices of rows. */
export function* observationSteps(model: LinearMixedModel): Steps<ObservationArrays> {
  const frame = model.frame;
  const { n, p } = frame;
  const sigma = model.sigma();
  const beta = model.beta();
  const zb = model.pls.zb(model.b());
  const fitted: number[] = new Array(n);
  const residuals: number[] = new Array(n);
  const scaled = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (i % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield;
    let eta = zb[i] + (frame.offset ? frame.offset[i] : 0);
    for (let j = 0; j < p; j++) eta += frame.X[i + j * n] * beta[j];
    fitted[i] = eta;
    residuals[i] = frame.y[i] - eta;
    scaled[i] = (residuals[i] * (frame.weights ? Math.sqrt(frame.weights[i]) : 1)) / sigma;
  }
  yield* sortSteps(scaled);
  return { fitted, residuals, scaled };
}
