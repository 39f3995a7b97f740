/**
 * fitGlmm: glmer's fit of a binomial or Poisson GLMM (Laplace or adaptive Gauss-Hermite) and the
 * FitResult with glmer's meanings.
 */

import type { ModelFrame } from '../frame/types';
import { runStepsAsync, Ticker, type FitHooks } from '../hooks';
import type { FitResult, OptStage, OptSummary } from '../result';
import { FIT_SETTINGS, plsSettings } from '../optim/options';
import { assembleResult } from './result';
import { makeFamily } from './family';
import { fitDispersionGlmm, type DispersionDeviance } from './dispersion';
import { ghRule, type GHRule } from './ghq';
import { centralDerivs } from '../linalg/derivs';
import { symmetricEigenvalues } from '../linalg/eigen';
import { invert } from '../linalg/small';
import { checkConv, convergenceFailed, formatG, isSingular, SINGULAR_MESSAGE } from '../optim/convergence';
import { GlmmModel } from './model';
import { initialLinPred, newtonStage2, runStage1, runStage2, stage2Deviance, stage2DevianceSteps } from './optimize';
import { validateGlmmInput } from './validate';

export interface GlmmOptions {
  nAGQ: number;
  id?: string;
}

/**
 * A fitted GLMM as a function of its parameters: glmer's stage-2 deviance of (θ, β), Laplace or
 * adaptive Gauss-Hermite, PIRLS over u from the fit's starting linear predictor lp0 (so it is a
 * deterministic function of (θ, β)). Built once by the fit; profiles evaluate it.
 */
export class GlmmDeviance {
  readonly kind = 'glmm' as const;
  constructor(
    readonly model: GlmmModel,
    readonly frame: ModelFrame,
    readonly lp0: Float64Array,
    /** Gauss-Hermite rule when nAGQ > 1; null for the Laplace deviance */
    readonly rule: GHRule | null,
    readonly nAGQ: number,
  ) {}
  get nTheta(): number {
    return this.model.nTheta;
  }
  thetaLower(): Float64Array {
    return this.model.thetaLower();
  }
  /** The deviance at par = (θ, β). */
  deviance(par: ArrayLike<number>): number {
    return stage2Deviance(this.model, par, this.rule, this.lp0);
  }
}

/** Fit a GLMM; the FitResult only. */
export async function fitGlmm(frame: ModelFrame, opts: GlmmOptions, hooks?: FitHooks): Promise<FitResult> {
  return (await fitGlmmModel(frame, opts, hooks)).result;
}

/** Fit a GLMM: the FitResult and the model object (its deviance function) the fit built. */
export async function fitGlmmModel(frame: ModelFrame, opts: GlmmOptions, hooks?: FitHooks): Promise<{ result: FitResult; model: GlmmDeviance | DispersionDeviance }> {
  const t0 = Date.now();
  const ticker = new Ticker(hooks);
  const nAGQ = opts.nAGQ ?? 1;
  const warnings: string[] = [...frame.warnings];
  const family = validateGlmmInput(frame, nAGQ, warnings);
  if (family.density) return fitDispersionGlmm(frame, family, warnings, { nAGQ, id: opts.id }, hooks);
  const nTrials = family.name === 'binomial' ? (frame.weights ?? new Float64Array(frame.n).fill(1)) : new Float64Array(frame.n).fill(1);
  const m = new GlmmModel(frame, family, nTrials);

  // stage 1: θ with β inside PIRLS
  const lpInit = await initialLinPred(m, ticker);
  const S = FIT_SETTINGS.glmm;
  const s1Settings = { rhobeg: S.stage1.rhobeg, rhoend: nAGQ === 0 ? S.stage1.rhoendNAGQ0 : S.stage1.rhoend, maxEval: S.stage1.maxEval };
  const s1 = await runStage1(m, lpInit, ticker, s1Settings.rhoend);
  const stage1: OptStage = { name: 'θ, β in PIRLS', optimizer: S.stage1.optimizer, settings: s1Settings, evaluations: s1.evaluations, converged: s1.converged, fval: s1.fval };
  const summary = (stages: OptStage[], derivEvaluations: number, checked: boolean): OptSummary => ({
    stages,
    derivEvaluations,
    derivStep: FIT_SETTINGS.derivStep,
    checkConv: { ...FIT_SETTINGS.checkConv, checked },
    settings: { ...plsSettings(), nAGQ },
    pirls: { lme4: { ...S.pirls }, fallback: { ...S.pirlsFallback } },
  });
  const lp0 = m.linPred();
  const theta1 = Float64Array.from(m.theta);
  const beta1 = Float64Array.from(m.beta);

  if (nAGQ === 0) {
    // glmer(nAGQ = 0): the first stage is the fit; no finite-difference Hessian, vcov from RX
    const p0 = m.p;
    const U = m.unscaledVcovFromRX();
    const vcov0 = Array.from({ length: p0 }, (_, i) => Array.from({ length: p0 }, (_, j) => U[i * p0 + j]));
    if (isSingular(theta1, m.thetaLower())) warnings.push(SINGULAR_MESSAGE);
    const separated0 = separationCheck(m, frame.coefnames, warnings);
    const result0 = assembleResult({
      frame,
      model: m,
      id: opts.id ?? 'model',
      nAGQ,
      fval: s1.fval,
      vcov: vcov0,
      warnings,
      converged: s1.converged && !separated0,
      evaluations: s1.evaluations,
      fitSeconds: (Date.now() - t0) / 1000,
    });
    result0.optSummary = summary([stage1], 0, false);
    return { result: result0, model: new GlmmDeviance(m, frame, lp0, null, nAGQ) };
  }

  // stage 2: (θ, β), PIRLS over u; Laplace or AGQ
  const rule = nAGQ > 1 ? ghRule(nAGQ) : null;
  // stage-2 deviances are a deterministic function of (θ, β) (each PIRLS starts from lp0), so the
  // Hessian below can reuse the points of the last gradient
  const memo = new Map<string, number>();
  const newton = await newtonStage2(m, theta1, beta1, rule, lp0, ticker, memo);
  const s2 = newton ?? (await runStage2(m, theta1, beta1, rule, lp0, ticker));
  const stage2: OptStage = newton
    ? { name: '(θ, β)', optimizer: S.stage2.optimizer, settings: { maxIter: S.stage2.maxIter }, evaluations: s2.evaluations, converged: s2.converged, fval: s2.fval }
    : { name: '(θ, β)', optimizer: S.stage2.fallback, settings: { rhobeg: S.stage2.rhobeg, rhoend: S.stage2.rhoend, maxEval: S.stage2.maxEval }, evaluations: s2.evaluations, converged: s2.converged, fval: s2.fval };
  const par = s2.par;
  const fval = s2.fval;
  const snap = m.snapshot();

  // finite-difference derivatives over (θ, β) at the optimum, as glmer computes them for vcov()
  // and its convergence checks (two-point cross terms: see centralDerivs)
  let evalsH = 0;
  const fn = async (x: Float64Array) => {
    const key = Array.prototype.join.call(x, ',');
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    evalsH++;
    m.restore(snap);
    const progress = { stage: 'Hessian', evaluations: evalsH };
    const v = await runStepsAsync(stage2DevianceSteps(m, x, rule, lp0), ticker, progress);
    await ticker.tick(progress);
    return v;
  };
  const { gradient, hessian } = await centralDerivs(fn, par, fval, FIT_SETTINGS.derivStep);
  m.restore(snap);
  await runStepsAsync(stage2DevianceSteps(m, par, rule, lp0), ticker, { stage: 'Hessian', evaluations: evalsH });

  const nth = m.nTheta;
  const p = m.p;
  let vcov: number[][] | null = null;
  const Hinv = invert(hessian);
  if (Hinv) {
    const V = Array.from({ length: p }, (_, i) => Array.from({ length: p }, (_, j) => Hinv[nth + i][nth + j] + Hinv[nth + j][nth + i]));
    const ev = symmetricEigenvalues(V);
    if (Math.min(...ev) > 0 && V.every((r) => r.every(Number.isFinite))) vcov = V;
  }
  if (!vcov) {
    warnings.push('variance-covariance matrix computed from finite-difference Hessian is not positive definite or contains NA values: falling back to var-cov estimated from RX');
    const s = m.snapshot();
    await runStepsAsync(m.refreshJointFactorSteps(), ticker, 'vcov from RX');
    const U = m.unscaledVcovFromRX();
    vcov = Array.from({ length: p }, (_, i) => Array.from({ length: p }, (_, j) => U[i * p + j]));
    m.restore(s);
    await runStepsAsync(stage2DevianceSteps(m, par, rule, lp0), ticker, 'vcov from RX');
  }

  const conv = checkConv({ gradient, hessian }, par, m.thetaLower());
  warnings.push(...conv.messages);
  const separated = separationCheck(m, frame.coefnames, warnings);

  const result = assembleResult({
    frame,
    model: m,
    id: opts.id ?? 'model',
    nAGQ,
    fval,
    vcov,
    warnings,
    converged: s1.converged && s2.converged && !separated && !convergenceFailed(conv),
    evaluations: s1.evaluations + s2.evaluations + evalsH,
    fitSeconds: (Date.now() - t0) / 1000,
  });
  result.optSummary = summary([stage1, stage2], evalsH, !conv.singular);
  return { result, model: new GlmmDeviance(m, frame, lp0, rule, nAGQ) };
}

/**
 * Complete or quasi-complete separation: an estimate whose effect on the linear predictor across
 * the data exceeds 15 units while fitted means sit at the edge of their range (probabilities
 * numerically 0 or 1, Poisson means numerically 0) — the likelihood keeps rising as it grows.
 */
function separationCheck(m: GlmmModel, coefnames: string[], warnings: string[]): boolean {
  let edge = 0;
  for (let i = 0; i < m.n; i++) {
    const mu = m.mu[i];
    if (m.family.name === 'binomial' ? mu < 1e-8 || mu > 1 - 1e-8 : mu < 1e-8) edge++;
  }
  if (edge === 0) return false;
  const big: string[] = [];
  for (let j = 0; j < m.p; j++) {
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < m.n; i++) {
      const x = m.X[j * m.n + i];
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    const spread = Math.abs(m.beta[j]) * Math.max(hi - lo, lo === hi ? Math.abs(lo) : 0);
    if (spread > 15) big.push(`'${coefnames[j]}' = ${formatG(m.beta[j])}`);
  }
  const what = m.family.name === 'binomial' ? 'fitted probabilities numerically 0 or 1 occurred' : 'fitted means numerically 0 occurred';
  if (big.length > 0) {
    warnings.push(`${what} (${edge} observation${edge > 1 ? 's' : ''}) and the estimate${big.length > 1 ? 's' : ''} ${big.join(', ')} ${big.length > 1 ? 'are' : 'is'} very large: a sign of complete or quasi-complete separation (the response is perfectly predicted); such estimates run towards infinity and their standard errors and tests are meaningless.`);
    return true;
  }
  warnings.push(`${what} (${edge} observation${edge > 1 ? 's' : ''})`);
  return false;
}
