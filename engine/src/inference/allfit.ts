/**
 * A convergence verdict in the manner of lme4's allFit(): the model's objective is minimised again
 * by several optimizers — BOBYQA (the fit's own), Nelder-Mead, a quasi-Newton method with bounds,
 * and BOBYQA restarted from the reported optimum — and their deviances, fixed effects and random-
 * effect standard deviations / correlations are set side by side. When they agree, a convergence
 * warning was a false alarm; when they do not, the estimates are not to be trusted as they stand.
 *
 * LMMs: the profiled deviance / REML criterion of θ (lme4's devfun). GLMMs: the Laplace (or AGQ)
 * deviance of (θ, β), as glmer's second stage.
 */
import { CancelledError, MlmError } from '../diagnostics';
import type { ModelFrame } from '../frame/types';
import { Ticker, type FitHooks } from '../hooks';
import type { FitResult } from '../result';
import type { FittedMixedModel } from '../fit';
import type { LinearMixedModel } from '../lmm/model';
import type { GlmmDeviance } from '../glmm/fit';
import type { DispersionDeviance } from '../glmm/dispersion';
import { minimize, type MinimizeResult } from '../optim/bobyqa';
import { nelderMead } from '../optim/neldermead';
import { quasiNewtonBounds } from '../optim/qnbounds';
import { thetaToSdCor, varParSpecs } from './profile';

export type OptimizerName = 'bobyqa' | 'Nelder_Mead' | 'quasi-Newton (bounds)' | 'bobyqa (restart at optimum)';

export interface OptimizerRun {
  optimizer: OptimizerName;
  /** −2 log-likelihood (ML, GLMM) or REML criterion; null when the run failed. */
  deviance: number | null;
  fixef: Record<string, number>;
  /** Random-effect standard deviations and correlations (and σ for LMMs), labelled as VarCorr prints them. */
  sdcor: Record<string, number>;
  evaluations: number;
  seconds: number;
  /** Why a run failed (it is reported in its row; the check goes on). */
  error?: string;
}

export interface ConvergenceCheck {
  runs: OptimizerRun[];
  /** Largest relative difference between runs over the deviance, fixed effects and sdcor. */
  maxRelativeSpread: number;
  /** The parameter behind maxRelativeSpread. */
  worst: string | null;
  /** Tolerance for 'agree' (1e-4). */
  tolerance: number;
  safe: boolean;
  verdict: string;
}

interface Problem {
  f: (x: Float64Array) => number;
  start: number[];
  optimum: number[];
  lower: number[];
  upper: number[];
  estimates: (x: number[]) => { fixef: Record<string, number>; sdcor: Record<string, number> };
  /** Leaves the model object at the fit's optimum again (other inference evaluates it there). */
  restore: () => void;
}

function lmmProblem(frame: ModelFrame, result: FitResult, m: LinearMixedModel): Problem {
  const labels = varParSpecs(frame).map((s) => s.label);
  const ks = frame.reTerms.map((t) => t.k);
  return {
    f: (x) => m.objective(x),
    start: m.start(),
    optimum: [...result.theta],
    lower: [...m.lower],
    upper: m.lower.map(() => Infinity),
    estimates: (x) => {
      m.objective(x);
      const beta = m.beta();
      const fixef: Record<string, number> = {};
      frame.coefnames.forEach((c, j) => (fixef[c] = beta[j]));
      const sd = thetaToSdCor(ks, x, m.sigma());
      const sdcor: Record<string, number> = {};
      labels.forEach((l, i) => (sdcor[l] = sd[i]));
      return { fixef, sdcor };
    },
    restore: () => void m.objective(result.theta),
  };
}

/**
 * A GLMM's deviance of (θ, β) as glmer's second stage, or of (θ, β, log s) for the families with a
 * dispersion parameter s (sigma or NB's θ; the exact Laplace of glmm/dispersion.ts).
 */
function glmmProblem(frame: ModelFrame, result: FitResult, dev: GlmmDeviance | DispersionDeviance): Problem {
  const nt = dev.nTheta;
  const labels = varParSpecs(frame)
    .filter((s) => s.kind !== 'sigma')
    .map((s) => s.label);
  const ks = frame.reTerms.map((t) => t.k);
  const glmm = dev.kind === 'glmm' ? dev.model : dev.objective.model;
  const lowerTheta = Array.from(glmm.thetaLower());
  const disp = dev.kind === 'glmm-dispersion' ? result.dispersion! : null;
  const extra = disp ? [Math.log(disp.value)] : [];
  // the fit's fixed effects (and dispersion) as the start (lme4's second stage starts from the first stage's β)
  const beta0 = frame.coefnames.map((c) => result.fixef[c]);
  const optimum = [...result.theta, ...beta0, ...extra];
  const p = beta0.length;
  return {
    f: (x) => dev.deviance(x),
    start: [...Array.from(glmm.initialTheta()), ...beta0, ...extra],
    optimum,
    lower: [...lowerTheta, ...frame.coefnames.map(() => -Infinity), ...extra.map(() => -Infinity)],
    upper: [...lowerTheta.map(() => Infinity), ...frame.coefnames.map(() => Infinity), ...extra.map(() => Infinity)],
    estimates: (x) => {
      const fixef: Record<string, number> = {};
      frame.coefnames.forEach((c, j) => (fixef[c] = x[nt + j]));
      const sd = thetaToSdCor(ks, x.slice(0, nt), 1);
      const sdcor: Record<string, number> = {};
      labels.forEach((l, i) => (sdcor[l] = sd[i]));
      if (disp) sdcor[disp.name] = Math.exp(x[nt + p]);
      return { fixef, sdcor };
    },
    restore: () => void dev.deviance(optimum),
  };
}

const TOL = 1e-4;

/** Refits with every optimizer (on the fit's own model object) and judges whether they agree. */
export async function checkConvergenceByRefits(fitted: FittedMixedModel, hooks?: FitHooks): Promise<ConvergenceCheck> {
  const { frame, result, model } = fitted;
  if (model.kind === 'nlme')
    throw new MlmError({ code: 'check-nlme', message: "the optimizer comparison is not available for models with correlation: or variance: (fitted by nlme's likelihood)" });
  const p = model.kind === 'lmm' ? lmmProblem(frame, result, model) : glmmProblem(frame, result, model);
  const ticker = new Ticker(hooks);
  const plans: { optimizer: OptimizerName; run: () => Promise<MinimizeResult> }[] = [
    { optimizer: 'bobyqa', run: () => minimize(p.f, p.start, p.lower, p.upper, { ticker, rhoend: 1e-8, stage: 'check: bobyqa' }) },
    { optimizer: 'Nelder_Mead', run: () => nelderMead(p.f, p.start, p.lower, p.upper, { ticker, stage: 'check: Nelder-Mead' }) },
    { optimizer: 'quasi-Newton (bounds)', run: () => quasiNewtonBounds(p.f, p.start, p.lower, p.upper, { ticker, stage: 'check: quasi-Newton' }) },
    { optimizer: 'bobyqa (restart at optimum)', run: () => minimize(p.f, p.optimum, p.lower, p.upper, { ticker, rhobeg: 0.01, rhoend: 1e-8, stage: 'check: restart' }) },
  ];
  const runs: OptimizerRun[] = [];
  for (const plan of plans) {
    const t0 = Date.now();
    try {
      const r = await plan.run();
      const est = p.estimates(r.x);
      const ok = Number.isFinite(r.fval) && Object.values(est.fixef).every(Number.isFinite);
      runs.push({ optimizer: plan.optimizer, deviance: ok ? r.fval : null, ...est, evaluations: r.evaluations, seconds: (Date.now() - t0) / 1000, ...(ok ? {} : { error: 'the objective was not finite at the end of the run' }) });
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      runs.push({ optimizer: plan.optimizer, deviance: null, fixef: {}, sdcor: {}, evaluations: 0, seconds: (Date.now() - t0) / 1000, error: e instanceof Error ? e.message : String(e) });
    }
  }
  p.restore();
  const warned = (result.warnings ?? []).some((w) => /converge/i.test(w));
  return judge(runs, frame, warned);
}

/** Largest relative spread across the successful runs, and the verdict in words. */
export function judge(runs: OptimizerRun[], frame?: ModelFrame, fitWarned = false): ConvergenceCheck {
  const ok = runs.filter((r) => r.deviance !== null);
  let max = 0;
  let worst: string | null = null;
  const consider = (name: string, values: number[]) => {
    if (values.length < 2) return;
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    // correlations live in [-1, 1]: their differences count on that scale, not relative to a value near 0
    const scale = name.startsWith('cor_') ? 1 : Math.max(Math.abs(lo), Math.abs(hi), 1e-3);
    const rel = (hi - lo) / scale;
    if (rel > max) {
      max = rel;
      worst = name;
    }
  };
  consider('deviance', ok.map((r) => r.deviance as number));
  const names = ok.length ? Object.keys(ok[0].fixef) : [];
  for (const c of names) consider(c, ok.map((r) => r.fixef[c]));
  const sds = ok.length ? Object.keys(ok[0].sdcor) : [];
  for (const s of sds) consider(s, ok.map((r) => r.sdcor[s]));
  const failed = runs.filter((r) => r.deviance === null).map((r) => r.optimizer);
  const safe = ok.length >= 2 && max <= TOL;
  let verdict: string;
  if (ok.length < 2) verdict = `cannot judge: only ${ok.length} optimizer run(s) succeeded${failed.length ? ` (failed: ${failed.join(', ')})` : ''}`;
  else if (safe)
    verdict = `safe: all ${ok.length} optimizers agree to 1e-4${fitWarned ? " (the fit's convergence warning is a false alarm)" : ''}${failed.length ? `; failed: ${failed.join(', ')}` : ''}`;
  else {
    const advice = adviceFor(frame);
    verdict = `not safe: estimates differ by ${(max * 100).toPrecision(2)}% (${worst}) between optimizers; ${advice}`;
  }
  return { runs, maxRelativeSpread: max, worst, tolerance: TOL, safe, verdict };
}

/** Advice naming the predictor on the largest scale, the usual cause of a hard optimisation. */
function adviceFor(frame?: ModelFrame): string {
  if (!frame) return 'rescale predictors or simplify the random effects';
  let worst: { name: string; sd: number } | null = null;
  const n = frame.n;
  frame.coefnames.forEach((c, j) => {
    if (c === '(Intercept)') return;
    let s = 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const v = frame.X[j * n + i];
      s += v;
      ss += v * v;
    }
    const sd = Math.sqrt(Math.max(0, ss / n - (s / n) ** 2));
    if (!worst || sd > worst.sd) worst = { name: c, sd };
  });
  const w = worst as { name: string; sd: number } | null;
  if (w && (w.sd > 100 || w.sd < 0.01)) return `rescale ${w.name} (sd ${w.sd.toPrecision(3)}) or simplify the random-effects terms`;
  return 'simplify the random-effects terms (drop a correlation with ||, or a slope) and refit';
}
