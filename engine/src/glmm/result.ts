/**
 * FitResult for a GLMM with glmer's meanings: sigma 1, no Residual row, logLik = −deviance/2 of
 * the optimized criterion, `deviance` = Σ squared deviance residuals (lme4's deviance() for
 * glmer), z tests, fitted values on the response scale and deviance residuals.
 */
import type { ModelFrame } from '../frame/types';
import type { FitResult, TestRow } from '../result';
import type { GlmmModel } from './model';
import { twoSidedNormalP } from '../inference/distributions';
import { isSingular } from '../optim/convergence';
import { assembleFitResult } from '../lmm/result';
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
  /** the dispersion families (dispersion.ts): their estimated dispersion and parameter count */
  dispersion?: { name: 'sigma' | 'theta'; value: number; condVar?: Float64Array[] };
}

export function assembleResult(inp: AssembleInput): FitResult {
  return runSteps(assembleResultSteps(inp));
}

/** assembleResult in steps: the per-row arrays in slices of rows and the Pearson residuals sorted in slices. */
export function* assembleResultSteps(inp: AssembleInput): Steps<FitResult> {
  const { frame, model: m } = inp;
  const p = m.p;
  const beta = m.beta;
  const tests: Record<string, TestRow> = {};
  frame.coefnames.forEach((name, j) => {
    const s = Math.sqrt(inp.vcov[j][j]);
    const z = beta[j] / s;
    tests[name] = { estimate: beta[j], se: s, statistic: z, df: null, p: twoSidedNormalP(z) };
  });
  // conditional modes b = Λu term by term, and Var(b | y) ≈ Λ A⁻¹ Λᵀ blocks
  const b: number[] = [];
  for (const t of m.terms) b.push(...t.b(m.theta, m.u));
  // fitted values on the response scale, deviance residuals, and Pearson residuals for the scaled-residual summary
  const n = m.n;
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
  let scaledSorted: ArrayLike<number>;
  if (pearson.some(Number.isNaN)) scaledSorted = Array.from(pearson).sort((a, c) => a - c);
  else {
    yield* sortSteps(pearson);
    scaledSorted = pearson;
  }
  const disp = inp.dispersion;
  const dfModel = p + m.nTheta + (disp ? 1 : 0);
  return assembleFitResult({
    frame,
    id: inp.id,
    family: frame.family,
    link: frame.link,
    REML: false,
    nAGQ: inp.nAGQ,
    beta,
    vcov: inp.vcov,
    theta: m.theta,
    sigma: disp?.name === 'sigma' ? disp.value : 1,
    residualRow: false,
    logLik: -inp.fval / 2,
    df: dfModel,
    deviance: devSum,
    REMLcrit: null,
    bicN: n,
    singular: isSingular(m.theta, m.thetaLower()),
    b,
    condVar: disp?.condVar ?? m.condVarBlocks(),
    tests,
    warnings: inp.warnings,
    converged: inp.converged,
    evaluations: inp.evaluations,
    fitSeconds: inp.fitSeconds,
    observations: { fitted, residuals, scaledSorted },
    ...(disp ? { dispersion: { name: disp.name, value: disp.value } } : {}),
  });
}
