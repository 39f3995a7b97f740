/**
 * Parametric bootstrap (lme4's bootMer with use.u = FALSE, type "parametric"): simulate new
 * responses from the fitted model — new random effects b* = σ Λ(θ̂) z, z ~ N(0, I), then
 * y* ~ N(Xβ̂ + Zb*, σ²/w) (LMM), Binomial(trials, μ*) / trials or Poisson(μ*) (GLMM) — refit, and
 * collect (sd, cor, σ, β). Percentile intervals use R's default quantile (type 7).
 * Deterministic for a given seed (our own xoshiro128** generator, see ./rng).
 */
import { CancelledError, MlmError } from '../diagnostics';
import type { ModelFrame } from '../frame/types';
import { Ticker, type FitHooks } from '../hooks';
import type { FitResult } from '../result';
import type { MixedModel } from '../fit';
import { fitGlmm, makeFamily } from '../glmm';
import { Rng } from './rng';
import { quantile7 } from './distributions';
import { fixedLinearPredictor } from './predict';
import { minimize } from '../optim/bobyqa';
import { thetaToSdCor, varParSpecs, type ConfintTable } from './profile';

export interface BootstrapOptions {
  /** Number of replicates (lme4's nsim). */
  nsim: number;
  seed: number;
  level?: number;
}

export interface BootstrapResult extends ConfintTable {
  nsim: number;
  seed: number;
  /** Replicates that failed to fit (left out of the intervals). */
  failures: number;
  /** replicates[r][i]: parameter i (in `names` order) of replicate r. */
  replicates: number[][];
}

/** R's quantile(type = 7) of sorted values. */
export const quantileSorted = (sorted: number[], q: number): number => quantile7(sorted, q);

/** One simulated response vector from the fitted model (no mutation of the frame). */
export function simulateResponse(frame: ModelFrame, result: FitResult, rng: Rng): Float64Array {
  const n = frame.n;
  const eta = fixedLinearPredictor(frame.X, n, frame.coefnames, result.fixef, frame.offset);
  const scale = result.family === 'gaussian' ? result.sigma : 1;
  let ti = 0;
  for (const term of frame.reTerms) {
    const k = term.k;
    const L = new Float64Array(k * k);
    for (let c = 0; c < k; c++) for (let r = c; r < k; r++) L[r + c * k] = result.theta[ti++];
    const nl = term.levels.length;
    const b = new Float64Array(nl * k);
    const z = new Float64Array(k);
    for (let l = 0; l < nl; l++) {
      for (let a = 0; a < k; a++) z[a] = rng.normal();
      for (let r = 0; r < k; r++) {
        let s = 0;
        for (let c = 0; c <= r; c++) s += L[r + c * k] * z[c];
        b[l * k + r] = scale * s;
      }
    }
    for (let i = 0; i < n; i++) {
      const l = term.refs[i];
      for (let a = 0; a < k; a++) eta[i] += term.Z[a * n + i] * b[l * k + a];
    }
  }
  const y = new Float64Array(n);
  if (result.family === 'gaussian') {
    for (let i = 0; i < n; i++) {
      const w = frame.weights ? frame.weights[i] : 1;
      y[i] = eta[i] + (result.sigma / Math.sqrt(w)) * rng.normal();
    }
    return y;
  }
  const fam = makeFamily(frame.family, frame.link);
  // the dispersion of Gamma and inverse Gaussian fits (sigma) and of the negative binomial (θ)
  const s = result.dispersion?.value ?? NaN;
  for (let i = 0; i < n; i++) {
    const mu = fam.link.linkinv(eta[i]);
    if (frame.family === 'binomial') {
      const trials = frame.weights ? Math.round(frame.weights[i]) : 1;
      y[i] = trials > 0 ? rng.binomial(trials, mu) / trials : 0;
    } else if (frame.family === 'Gamma') {
      y[i] = rng.gamma(1 / (s * s), mu * s * s);
    } else if (frame.family === 'inverse.gaussian') {
      y[i] = rng.inverseGaussian(mu, s * s);
    } else if (frame.family === 'negbinomial') {
      y[i] = rng.poisson(rng.gamma(s, mu / s));
    } else {
      y[i] = rng.poisson(mu);
    }
  }
  return y;
}

function parameters(frame: ModelFrame, fit: { theta: ArrayLike<number>; sigma: number; fixef: Record<string, number> }, gaussian: boolean): number[] {
  const ks = frame.reTerms.map((t) => t.k);
  const sd = thetaToSdCor(ks, fit.theta, gaussian ? fit.sigma : 1);
  if (!gaussian) sd.pop();
  return [...sd, ...frame.coefnames.map((c) => fit.fixef[c])];
}

/** Parametric bootstrap percentile intervals for (sd, cor, σ, β). */
export async function bootstrapConfint(model: MixedModel, result: FitResult, opts: BootstrapOptions, hooks?: FitHooks): Promise<BootstrapResult> {
  const frame = model.frame;
  const nsim = Math.floor(opts.nsim);
  if (!(nsim >= 1)) throw new MlmError({ code: 'bootstrap-nsim', message: 'The number of bootstrap replicates must be at least 1.' });
  const level = opts.level ?? 0.95;
  const gaussian = result.family === 'gaussian';
  const rng = new Rng(opts.seed);
  const ticker = new Ticker(hooks);
  const inner: FitHooks = { isCancelled: hooks?.isCancelled, yieldEveryMs: hooks?.yieldEveryMs };
  const innerTicker = new Ticker(inner);
  const specs = varParSpecs(frame).filter((s) => gaussian || s.kind !== 'sigma');
  const names = [...specs.map((s, i) => (s.kind === 'sigma' ? '.sigma' : `.sig${String(i + 1).padStart(2, '0')}`)), ...frame.coefnames];
  const labels = [...specs.map((s) => s.label), ...frame.coefnames];
  const estimates = parameters(frame, result, gaussian);
  const replicates: number[][] = [];
  let failures = 0;
  for (let r = 0; r < nsim; r++) {
    await ticker.tick({ stage: 'bootstrap', evaluations: r, fraction: r / nsim });
    hooks?.onProgress?.({ stage: 'bootstrap', evaluations: r, fraction: r / nsim });
    const ystar = simulateResponse(frame, result, rng);
    try {
      if (model.kind === 'lmm') {
        // refit from the original θ̂ (as lme4's refit() does); only θ, σ and β are needed
        const m = model.withResponse(ystar);
        const opt = await minimize((th) => m.objective(th), result.theta, m.lower, m.lower.map(() => Infinity), { ticker: innerTicker, rhobeg: 0.1, rhoend: 1e-7, stage: 'bootstrap' });
        m.objective(opt.x);
        const beta = m.beta();
        const fixef: Record<string, number> = {};
        frame.coefnames.forEach((c, j) => (fixef[c] = beta[j]));
        replicates.push(parameters(frame, { theta: opt.x, sigma: m.sigma(), fixef }, true));
      } else {
        const fit = await fitGlmm({ ...frame, y: ystar }, { nAGQ: result.nAGQ, id: result.id }, inner);
        replicates.push(parameters(frame, fit, false));
      }
      if (!replicates[replicates.length - 1].every(Number.isFinite)) {
        replicates.pop();
        failures++;
      }
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      failures++;
    }
  }
  hooks?.onProgress?.({ stage: 'bootstrap', evaluations: nsim, fraction: 1 });
  const a = (1 - level) / 2;
  const lower: (number | null)[] = [];
  const upper: (number | null)[] = [];
  names.forEach((_, i) => {
    const col = replicates.map((rep) => rep[i]).sort((x, y) => x - y);
    lower.push(col.length ? quantileSorted(col, a) : null);
    upper.push(col.length ? quantileSorted(col, 1 - a) : null);
  });
  const notes = [`Parametric bootstrap, ${replicates.length} replicates (seed ${opts.seed}); percentile intervals.`];
  if (failures) notes.push(`${failures} replicate(s) failed to fit and were left out.`);
  return { method: 'bootstrap', level, names, labels, estimates, lower, upper, notes, nsim, seed: opts.seed, failures, replicates };
}
