/**
 * glmer's two optimization stages on a GlmmModel:
 *  1. θ only, with β estimated inside PIRLS (lme4's nAGQ = 0 deviance: ldL2 + ‖u‖² + aic);
 *  2. (θ, β) jointly, PIRLS over u only, Laplace (nAGQ = 1) or adaptive Gauss-Hermite deviance.
 */
import { runSteps, runStepsAsync, type Steps, type Ticker } from '../hooks';
import type { GHRule } from './ghq';
import { GlmmModel, PirlsError } from './model';
import { minimize } from '../optim/bobyqa';
import { FIT_SETTINGS, type PirlsOptions } from '../optim/options';

const S1 = FIT_SETTINGS.glmm.stage1;
const S2 = FIT_SETTINGS.glmm.stage2;
/** PIRLS over (u, β) and over u (β in the offset): lme4's settings, and the fallback's */
const JOINT: PirlsOptions = { ...FIT_SETTINGS.glmm.pirls, joint: true };
const U_ONLY: PirlsOptions = { ...FIT_SETTINGS.glmm.pirls, joint: false };
const JOINT_FALLBACK: PirlsOptions = { ...FIT_SETTINGS.glmm.pirlsFallback, joint: true };
const U_FALLBACK: PirlsOptions = { ...FIT_SETTINGS.glmm.pirlsFallback, joint: false };
import { centralDerivs, centralGradient } from '../linalg/derivs';
import { cholSolve, cholUpper, invert } from '../linalg/small';

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
  return runSteps(stage1DevianceSteps(m, theta, lp0));
}

/** stage1Deviance in steps (PIRLS yields between iterations and slices of rows). */
export function* stage1DevianceSteps(m: GlmmModel, theta: ArrayLike<number>, lp0: Float64Array | null): Steps<number> {
  m.setTheta(theta);
  try {
    yield* m.pirlsSteps(lp0 ? JOINT : JOINT_FALLBACK, lp0);
  } catch (e) {
    if (!(e instanceof PirlsError)) throw e;
    m.resetToStart();
    try {
      yield* m.pirlsSteps(JOINT_FALLBACK, null);
    } catch (e2) {
      if (!(e2 instanceof PirlsError)) throw e2;
      return Infinity;
    }
  }
  return m.laplace();
}

/** Deviance of stage 2 at (θ, β), PIRLS over u from the fixed start lp0. */
export function stage2Deviance(m: GlmmModel, par: ArrayLike<number>, rule: GHRule | null, lp0: Float64Array | null): number {
  return runSteps(stage2DevianceSteps(m, par, rule, lp0));
}

/** stage2Deviance in steps (PIRLS yields between iterations and slices of rows). */
export function* stage2DevianceSteps(m: GlmmModel, par: ArrayLike<number>, rule: GHRule | null, lp0: Float64Array | null): Steps<number> {
  const nth = m.nTheta;
  m.setTheta(Array.prototype.slice.call(par, 0, nth));
  m.beta = Float64Array.from(Array.prototype.slice.call(par, nth));
  try {
    yield* m.pirlsSteps(lp0 ? U_ONLY : U_FALLBACK, lp0);
  } catch (e) {
    if (!(e instanceof PirlsError)) throw e;
    m.u = new Float64Array(m.q);
    try {
      yield* m.pirlsSteps(U_FALLBACK, null);
    } catch (e2) {
      if (!(e2 instanceof PirlsError)) throw e2;
      return Infinity;
    }
  }
  return rule ? m.agq(rule) : m.laplace();
}

/** lme4's initial step: PIRLS over (u, β) at the starting θ from the family's mustart; returns lp0. */
export async function initialLinPred(m: GlmmModel, ticker: Ticker): Promise<Float64Array> {
  m.setTheta(m.initialTheta());
  m.resetToStart();
  const lp = m.linPred();
  const progress = { stage: 'initial PIRLS', evaluations: 1 };
  try {
    await runStepsAsync(m.pirlsSteps(JOINT, lp), ticker, progress);
  } catch (e) {
    if (!(e instanceof PirlsError)) throw e;
    m.resetToStart();
    await runStepsAsync(m.pirlsSteps(JOINT_FALLBACK, null), ticker, progress);
  }
  return m.linPred();
}

/**
 * Stage 1: BOBYQA over θ. `rhoend` is lme4's 2e-7 when this stage is the fit (nAGQ = 0); when
 * stage 2 follows, stage 1 only supplies its start and lp0, and 1e-4 is enough: on the reference
 * fits the reported figures move by less than 3e-5 (relative) against 2e-7, for a third fewer
 * evaluations of the costly joint PIRLS.
 */
export async function runStage1(m: GlmmModel, lp0: Float64Array, ticker: Ticker, rhoend: number = S1.rhoendNAGQ0): Promise<StageResult> {
  const lower = m.thetaLower();
  const upper = new Float64Array(lower.length).fill(Infinity);
  const x0 = m.initialTheta();
  // each evaluation's PIRLS yields between slices, reported as the optimizer's progress
  const progress = { stage: 'optimizing θ (stage 1)', evaluations: 0 };
  const objective = (th: Float64Array): Promise<number> => {
    progress.evaluations++;
    return runStepsAsync(stage1DevianceSteps(m, th, lp0), ticker, progress);
  };
  const res = await minimize(objective, x0, lower, upper, {
    rhobeg: S1.rhobeg,
    rhoend,
    maxEval: S1.maxEval,
    ticker,
    stage: progress.stage,
  });
  const par = Float64Array.from(res.x);
  const fval = await objective(par);
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
  const progress = { stage: 'optimizing (θ, β) (stage 2)', evaluations: 0 };
  const objective = (x: Float64Array): Promise<number> => {
    progress.evaluations++;
    return runStepsAsync(stage2DevianceSteps(m, x, rule, lp0), ticker, progress);
  };
  const res = await minimize(objective, x0, lower, upper, {
    rhobeg: S2.rhobeg,
    rhoend: S2.rhoend,
    maxEval: S2.maxEval,
    ticker,
    stage: progress.stage,
  });
  const par = Float64Array.from(res.x);
  const fval = await objective(par);
  return { par, fval, evaluations: res.evaluations + 1, converged: res.converged };
}

/**
 * 2 RX'RX at the current state of the model (the joint factor refreshed at the current mode): the
 * β block of the stage-2 deviance's Hessian to within a few tenths of a percent (it leaves out how
 * the weights in log det L move with β). Null when the joint system is not positive definite.
 */
export function* betaCurvatureSteps(m: GlmmModel): Steps<Float64Array[] | null> {
  const p = m.p;
  try {
    yield* m.refreshJointFactorSteps();
    const U = m.unscaledVcovFromRX();
    const inv = invert(Array.from({ length: p }, (_, i) => Float64Array.from({ length: p }, (_, j) => U[i * p + j])));
    return inv ? inv.map((r) => Float64Array.from(r, (v) => 2 * v)) : null;
  } catch (e) {
    if (e instanceof PirlsError) return null;
    throw e;
  }
}

/**
 * Stage 2 by a quasi-Newton method on the (θ, β) deviance with central-difference gradients:
 * the starting Hessian from approxDerivs, then at each iterate a BFGS update whose β block is
 * replaced by 2 RX'RX at the new mode (it tracks how the weights change as β moves, which BFGS
 * alone learns slowly), with step halving.
 *
 * A θ bounded at 0 that the first stage left near 0 (below 1e-2: a variance, or the last diagonal
 * entry of a correlated term's factor, collapsing) is held at exactly 0 while the others move;
 * the boundary is then accepted only when moving off it (θ = 1e-3, 1e-2) does not lower the
 * deviance. Returns null when the method cannot be used (a free θ reaching its bound, a Hessian
 * that is not positive definite, no progress, a boundary that is not optimal); the caller then
 * falls back to BOBYQA.
 */
export async function newtonStage2(
  m: GlmmModel,
  theta0: Float64Array,
  beta0: Float64Array,
  rule: GHRule | null,
  lp0: Float64Array,
  ticker: Ticker,
  memo: Map<string, number> | null = null,
): Promise<StageResult | null> {
  const nth = m.nTheta;
  const dAll = nth + m.p;
  const lowerAll = m.thetaLower();
  const held: number[] = [];
  for (let i = 0; i < nth; i++) if (lowerAll[i] === 0 && theta0[i] < 1e-2) held.push(i);
  const free: number[] = [];
  for (let i = 0; i < dAll; i++) if (!held.includes(i)) free.push(i);
  const d = free.length;
  const nthFree = nth - held.length;
  const lower = Float64Array.from(free.slice(0, nthFree), (i) => lowerAll[i]);
  const start = new Float64Array(dAll);
  start.set(theta0);
  start.set(beta0, nth);
  for (const i of held) start[i] = 0;
  /** the full (θ, β) of reduced coordinates y (held entries at 0) */
  const embed = (y: Float64Array): Float64Array => {
    const x = start.slice();
    for (let k = 0; k < d; k++) x[free[k]] = y[k];
    return x;
  };
  let evals = 0;
  let atKey = ''; // the point whose mode the model holds
  const fFull = async (x: Float64Array): Promise<number> => {
    const key = Array.prototype.join.call(x, ',');
    const hit = memo?.get(key);
    if (hit !== undefined) return hit;
    evals++;
    const v = await runStepsAsync(stage2DevianceSteps(m, x, rule, lp0), ticker, { stage: 'optimizing (θ, β) (stage 2)', evaluations: evals });
    atKey = key;
    memo?.set(key, v);
    await ticker.tick({ stage: 'optimizing (θ, β) (stage 2)', evaluations: evals, objective: v });
    return v;
  };
  const f = (y: Float64Array): Promise<number> => fFull(embed(y));
  const curvatureAt = async (y: Float64Array): Promise<Float64Array[] | null> => {
    const x = embed(y);
    if (atKey !== Array.prototype.join.call(x, ',')) await runStepsAsync(stage2DevianceSteps(m, x, rule, lp0), ticker, { stage: 'optimizing (θ, β) (stage 2)', evaluations: evals });
    atKey = '';
    return runStepsAsync(betaCurvatureSteps(m), ticker, { stage: 'optimizing (θ, β) (stage 2)', evaluations: evals });
  };
  let x = Float64Array.from(free, (i) => start[i]);
  let fx = await f(x);
  if (!Number.isFinite(fx)) return null;
  const info0 = await curvatureAt(x);
  const { gradient, hessian } = info0 ? await approxDerivs(f, x, fx, nthFree, info0) : await centralDerivs(f, x, fx);
  const done = async (y: Float64Array, fy: number): Promise<StageResult | null> => {
    const par = embed(y);
    // the held θ at 0 must be a minimum along their own direction
    for (const i of held) {
      for (const t of [1e-3, 1e-2]) {
        const z = par.slice();
        z[i] = t;
        if ((await fFull(z)) < fy - 1e-9 * Math.abs(fy)) return null;
      }
    }
    return { par, fval: fy, evaluations: evals, converged: true };
  };
  let B = hessian.map((r) => Float64Array.from(r));
  let R = cholUpper(B);
  if (!R) return null;
  let g = gradient;
  for (let it = 0; it < S2.maxIter; it++) {
    const step = cholSolve(R, g);
    for (let i = 0; i < d; i++) step[i] = -step[i];
    // converged when the step is negligible or the predicted decrease of the deviance (half the
    // Newton decrement −gᵀs) is below 5e-8: the deviance is then at its minimum to ~1e-7 and each
    // estimate within ~3e-4 of its standard error of the optimum
    let small = true;
    let dec = 0;
    for (let i = 0; i < d; i++) {
      if (Math.abs(step[i]) > 1e-6 * Math.max(1, Math.abs(x[i]))) small = false;
      dec -= g[i] * step[i];
    }
    if (small || dec < 1e-7) return done(x, fx);
    const xOld = x;
    const gOld = g;
    let t = 1;
    let accepted = false;
    for (let h = 0; h < 12; h++) {
      const xn = new Float64Array(d);
      for (let i = 0; i < d; i++) xn[i] = x[i] + t * step[i];
      let ok = true;
      for (let i = 0; i < nthFree; i++) if (lower[i] === 0 && xn[i] < 1e-3) ok = false;
      if (!ok) return null;
      const fn = await f(xn);
      if (fn <= fx + 1e-9 * Math.abs(fx)) {
        x = xn;
        fx = fn;
        accepted = true;
        break;
      }
      t /= 2;
    }
    if (!accepted) return done(x, fx);
    const info = await curvatureAt(x);
    g = (await centralGradient(f, x)).gradient;
    // BFGS update of the Hessian approximation (kept when the curvature condition fails)
    const sv = new Float64Array(d);
    const yv = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      sv[i] = x[i] - xOld[i];
      yv[i] = g[i] - gOld[i];
    }
    let sy = 0;
    for (let i = 0; i < d; i++) sy += sv[i] * yv[i];
    const Bs = new Float64Array(d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) Bs[i] += B[i][j] * sv[j];
    let sBs = 0;
    for (let i = 0; i < d; i++) sBs += sv[i] * Bs[i];
    const bfgs = sy > 1e-12 && sBs > 0 ? B.map((r, i) => Float64Array.from(r, (v, j) => v - (Bs[i] * Bs[j]) / sBs + (yv[i] * yv[j]) / sy)) : B;
    let B2 = bfgs;
    if (info) {
      B2 = bfgs.map((r) => Float64Array.from(r));
      for (let i = 0; i < m.p; i++) for (let j = 0; j < m.p; j++) B2[nthFree + i][nthFree + j] = info[i][j];
    }
    let R2 = cholUpper(B2);
    if (!R2 && info) {
      // the refreshed β block does not fit the BFGS θ rows: BFGS alone
      B2 = bfgs;
      R2 = cholUpper(B2);
    }
    if (R2) {
      B = B2;
      R = R2;
    }
  }
  return null;
}

/**
 * The starting Hessian of the Newton stage: the β block from 2 RX'RX (betaCurvatureSteps), the θ rows
 * and the gradient by central differences (centralDerivs restricted to the θ rows). Costs
 * 2d + 2 nθ (d − (nθ + 1)/2) evaluations instead of d(d + 1).
 */
async function approxDerivs(
  f: (x: Float64Array) => Promise<number>,
  x: Float64Array,
  fx: number,
  nth: number,
  betaInfo: Float64Array[],
): Promise<{ gradient: Float64Array; hessian: Float64Array[] }> {
  const { gradient, hessian } = await centralDerivs(f, x, fx, FIT_SETTINGS.derivStep, nth);
  const p = x.length - nth;
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) hessian[nth + i][nth + j] = betaInfo[i][j];
  return { gradient, hessian };
}
