/**
 * glmer's two optimization stages on a GlmmModel:
 *  1. θ only, with β estimated inside PIRLS (lme4's nAGQ = 0 deviance: ldL2 + ‖u‖² + aic);
 *  2. (θ, β) jointly, PIRLS over u only, Laplace (nAGQ = 1) or adaptive Gauss-Hermite deviance.
 */
import type { Ticker } from '../hooks';
import type { GHRule } from './ghq';
import { GlmmModel, PirlsError } from './model';
import { minimize } from '../optim/bobyqa';

export interface StageResult {
  par: Float64Array;
  fval: number;
  evaluations: number;
  converged: boolean;
}

/**
 * Deviance of stage 1 at θ (β inside PIRLS), evaluated from the fixed start lp0 as lme4 does;
 * falls back to a warm-started robust PIRLS when lme4's iteration fails.
 */
export function stage1Deviance(m: GlmmModel, theta: ArrayLike<number>, lp0: Float64Array | null): number {
  m.setTheta(theta);
  try {
    if (lp0) m.pirlsFrom(lp0, true);
    else m.pirls(true, 1e-10);
  } catch (e) {
    if (!(e instanceof PirlsError)) throw e;
    m.resetToStart();
    try {
      m.pirls(true);
    } catch (e2) {
      if (!(e2 instanceof PirlsError)) throw e2;
      return Infinity;
    }
  }
  return m.laplace();
}

/** Deviance of stage 2 at (θ, β), PIRLS over u from the fixed start lp0. */
export function stage2Deviance(m: GlmmModel, par: ArrayLike<number>, rule: GHRule | null, lp0: Float64Array | null): number {
  const nth = m.nTheta;
  m.setTheta(Array.prototype.slice.call(par, 0, nth));
  m.beta = Float64Array.from(Array.prototype.slice.call(par, nth));
  try {
    if (lp0) m.pirlsFrom(lp0, false);
    else m.pirls(false, 1e-10);
  } catch (e) {
    if (!(e instanceof PirlsError)) throw e;
    m.u = new Float64Array(m.q);
    try {
      m.pirls(false);
    } catch (e2) {
      if (!(e2 instanceof PirlsError)) throw e2;
      return Infinity;
    }
  }
  return rule ? m.agq(rule) : m.laplace();
}

/** lme4's initial step: PIRLS over (u, β) at the starting θ from the family's mustart; returns lp0. */
export function initialLinPred(m: GlmmModel): Float64Array {
  m.setTheta(m.initialTheta());
  m.resetToStart();
  const lp = m.linPred();
  try {
    m.pirlsFrom(lp, true);
  } catch (e) {
    if (!(e instanceof PirlsError)) throw e;
    m.resetToStart();
    m.pirls(true);
  }
  return m.linPred();
}

export async function runStage1(m: GlmmModel, lp0: Float64Array, ticker: Ticker): Promise<StageResult> {
  const lower = m.thetaLower();
  const upper = new Float64Array(lower.length).fill(Infinity);
  const x0 = m.initialTheta();
  const res = await minimize((th) => stage1Deviance(m, th, lp0), x0, lower, upper, {
    rhobeg: 0.2,
    rhoend: 2e-7,
    maxEval: 10000,
    ticker,
    stage: 'optimizing θ (stage 1)',
  });
  const par = Float64Array.from(res.x);
  const fval = stage1Deviance(m, par, lp0);
  return { par, fval, evaluations: res.evaluations + 1, converged: res.converged };
}

export async function runStage2(
  m: GlmmModel,
  theta0: Float64Array,
  beta0: Float64Array,
  rule: GHRule | null,
  lp0: Float64Array,
  ticker: Ticker,
): Promise<StageResult> {
  const nth = m.nTheta;
  const lower = new Float64Array(nth + m.p).fill(-Infinity);
  lower.set(m.thetaLower());
  const upper = new Float64Array(nth + m.p).fill(Infinity);
  const x0 = new Float64Array(nth + m.p);
  x0.set(theta0);
  x0.set(beta0, nth);
  const res = await minimize((x) => stage2Deviance(m, x, rule, lp0), x0, lower, upper, {
    rhobeg: 0.05,
    rhoend: 1e-8,
    maxEval: 20000,
    ticker,
    stage: 'optimizing (θ, β) (stage 2)',
  });
  const par = Float64Array.from(res.x);
  const fval = stage2Deviance(m, par, rule, lp0);
  return { par, fval, evaluations: res.evaluations + 1, converged: res.converged };
}
