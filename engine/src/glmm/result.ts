/**
 * FitResult for a GLMM with glmer's meanings: sigma 1, no Residual row, logLik = −deviance/2 of
 * the optimized criterion, `deviance` = Σ squared deviance residuals (lme4's deviance() for
 * glmer), z tests, fitted values on the response scale and deviance residuals.
 */
import type { ModelFrame } from '../frame/types';
import type { FitResult, RanefBlock, TestRow } from '../result';
import type { GlmmModel } from './model';
import { twoSidedNormalP } from '../inference/distributions';
import { isSingular } from '../optim/convergence';
import { varCorrRows } from '../lmm/result';
import { inSlices, runSteps, type Steps } from '../hooks';
import { sortSteps } from '../linalg/sort';

export interface AssembleInput {
  frame: ModelFrame;
  model: GlmmModel;
  id: string;
  nAGQ: number;
  /** optimized criterion (Laplace or AGQ deviance) */
  fval: number;
  vcov: number[][];
  warnings: string[];
  converged: boolean;
  evaluations: number;
  fitSeconds: number;
}

/** R's quantile type 7. */
export function quantile7(sorted: ArrayLike<number>, prob: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * prob;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function assembleResult(inp: AssembleInput): FitResult {
  return runSteps(assembleResultSteps(inp));
}

/** assembleResult in steps: the per-row arrays in slices of rows and the Pearson residuals sorted in slices. */
export function* assembleResultSteps(inp: AssembleInput): Steps<FitResult> {
  const { frame, model: m } = inp;
  const p = m.p;
  const coefnames = frame.coefnames;
  const beta = m.beta;
  const fixef: Record<string, number> = {};
  const se: Record<string, number> = {};
  const tests: Record<string, TestRow> = {};
  for (let j = 0; j < p; j++) {
    const name = coefnames[j];
    const s = Math.sqrt(inp.vcov[j][j]);
    fixef[name] = beta[j];
    se[name] = s;
    const z = beta[j] / s;
    tests[name] = { estimate: beta[j], se: s, statistic: z, df: null, p: twoSidedNormalP(z) };
  }

  // variance components
  const varcorr = varCorrRows(frame.reTerms, m.theta, 1, false);
  const ngrps: Record<string, number> = {};
  for (const rt of frame.reTerms) ngrps[rt.group] = rt.levels.length;

  // conditional modes and conditional sds: b = Λu, Var(b | y) ≈ Λ A⁻¹ Λᵀ blocks
  const ranef: RanefBlock[] = [];
  const blockIndex = new Map<string, RanefBlock>();
  const cv = m.condVarBlocks();
  m.terms.forEach((t, ti) => {
    const rt = frame.reTerms[ti];
    const k = t.k;
    const b = t.b(m.theta, m.u);
    const values: number[][] = Array.from({ length: k }, () => new Array<number>(t.nlev));
    const condsd: number[][] = Array.from({ length: k }, () => new Array<number>(t.nlev));
    for (let j = 0; j < t.nlev; j++) {
      for (let r = 0; r < k; r++) {
        values[r][j] = b[j * k + r];
        condsd[r][j] = Math.sqrt(Math.max(0, cv[ti][j * k * k + r * k + r]));
      }
    }
    const existing = blockIndex.get(rt.group);
    if (existing && existing.levels.length === rt.levels.length) {
      existing.terms.push(...rt.termNames);
      existing.values.push(...values);
      existing.condsd.push(...condsd);
    } else {
      const blk: RanefBlock = { group: rt.group, levels: [...rt.levels], terms: [...rt.termNames], values, condsd };
      blockIndex.set(rt.group, blk);
      ranef.push(blk);
    }
  });

  const n = m.n;
  const dfModel = p + m.nTheta;
  const logLik = -inp.fval / 2;
  const fitted: number[] = new Array(n);
  const residuals: number[] = new Array(n);
  const sum = [0];
  yield* inSlices(n, (start, end) => {
    let devSum = sum[0];
    for (let i = start; i < end; i++) {
      const mu = m.mu[i];
      fitted[i] = mu;
      const d = m.family.devResid(m.y[i], mu, m.wt[i]);
      devSum += d;
      const r = Math.sqrt(Math.max(0, d));
      residuals[i] = m.y[i] > mu ? r : -r;
    }
    sum[0] = devSum;
  });
  const devSum = sum[0];
  const pearson = m.pearson();
  let pr: ArrayLike<number>;
  if (pearson.some(Number.isNaN)) pr = Array.from(pearson).sort((a, b) => a - b);
  else {
    yield* sortSteps(pearson);
    pr = pearson;
  }
  const scaledResidualQuantiles = [0, 0.25, 0.5, 0.75, 1].map((q) => quantile7(pr, q));

  const singular = isSingular(m.theta, m.thetaLower());

  return {
    id: inp.id,
    formula: frame.formula,
    family: frame.family,
    link: frame.link,
    REML: false,
    nAGQ: inp.nAGQ,
    nobs: n,
    ngrps,
    coefnames: [...coefnames],
    fixef,
    se,
    vcov: inp.vcov,
    varcorr,
    sigma: 1,
    theta: Array.from(m.theta),
    logLik,
    df: dfModel,
    deviance: devSum,
    REMLcrit: null,
    AIC: -2 * logLik + 2 * dfModel,
    BIC: -2 * logLik + Math.log(n) * dfModel,
    singular,
    ranef,
    tests,
    responseName: frame.responseName,
    rowsDropped: frame.rowsDropped,
    droppedCoefs: [...frame.droppedCoefs],
    warnings: inp.warnings,
    converged: inp.converged,
    evaluations: inp.evaluations,
    fitSeconds: inp.fitSeconds,
    fitted,
    residuals,
    rows: Array.from(frame.rows),
    scaledResidualQuantiles,
  };
}
