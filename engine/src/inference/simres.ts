/**
 * Scaled quantile residuals from parametric simulation, as DHARMa computes them
 * (simulateResiduals with its defaults: unconditional simulations — the random effects are drawn
 * anew in every simulation —, the PIT randomisation for integer responses), and DHARMa's tests:
 * uniformity (Kolmogorov-Smirnov against U(0, 1), as stats::ks.test), dispersion (sd of the
 * residuals observed − predicted against the same in the simulations, the prediction at the
 * population level as DHARMa's getFitted), zero inflation (count of
 * zeros) and outliers (residuals of exactly 0 or 1, against a bootstrap of the simulations).
 *
 * Responses are compared on the scale the model holds them: counts for binomial (successes,
 * the first column of cbind) and Poisson, the values for gaussian.
 */
import { CancelledError, MlmError } from '../diagnostics';
import type { ModelFrame } from '../frame/types';
import { Ticker, type FitHooks } from '../hooks';
import type { FitResult } from '../result';
import { simulateResponse } from './bootstrap';
import { fittedValues } from './predict';
import { Rng } from './rng';

export interface SimulatedResidualsOptions {
  /** Number of simulations (DHARMa's n; default 250). */
  nsim?: number;
  seed?: number;
  /** Bootstrap replicates of the outlier test (DHARMa's nBoot; default 100, at most nsim). */
  nBoot?: number;
}

export interface SimTest {
  /** Observed summary over the mean simulated one (DHARMa's ratioObsSim); for uniformity, the KS statistic D. */
  statistic: number;
  p: number;
}

export interface SimulatedResiduals {
  nsim: number;
  seed: number;
  integerResponse: boolean;
  /** Scaled residuals in (0, 1), one per observation (model rows, in order). */
  scaled: number[];
  /** The population-level predicted response (random effects at 0, as DHARMa), on the scale of the data. */
  predicted: number[];
  tests: {
    uniformity: SimTest & { method: string };
    dispersion: { ratio: number; p: number };
    /** null for a continuous response, where zeros carry no meaning. */
    zeroInflation: { ratio: number; p: number } | null;
    outliers: { count: number; frequency: number; expected: number; p: number };
  };
}

/** DHARMa's getP: a simulation p-value for a summary statistic, two-sided. */
export function simulationP(simulated: ArrayLike<number>, observed: number): number {
  let le = 0;
  let ge = 0;
  for (let i = 0; i < simulated.length; i++) {
    if (simulated[i] <= observed) le++;
    if (simulated[i] >= observed) ge++;
  }
  const n = simulated.length;
  return Math.min(2 * Math.min(le / n, ge / n), 1);
}

/** Scaled residual of one observation against its simulations (DHARMa's getQuantile, PIT method). */
function quantileOf(sims: ArrayLike<number>, obs: number, integer: boolean, rng: Rng): number {
  let lt = 0;
  let le = 0;
  for (let s = 0; s < sims.length; s++) {
    if (sims[s] < obs) lt++;
    if (sims[s] <= obs) le++;
  }
  const lo = lt / sims.length;
  const hi = le / sims.length;
  if (!integer || lo === hi) return hi;
  return lo + (hi - lo) * rng.uniform();
}

function sd(x: ArrayLike<number>, centre: ArrayLike<number>): number {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i] - centre[i];
  m /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - centre[i] - m;
    ss += d * d;
  }
  return Math.sqrt(ss / (n - 1));
}

/** Simulated residuals and DHARMa's tests for a fitted model. */
export async function simulatedResiduals(frame: ModelFrame, fit: FitResult, opts: SimulatedResidualsOptions = {}, hooks?: FitHooks): Promise<SimulatedResiduals> {
  const nsim = Math.floor(opts.nsim ?? 250);
  if (!(nsim >= 10)) throw new MlmError({ code: 'simres-nsim', message: 'Simulated residuals need at least 10 simulations.' });
  const seed = opts.seed ?? 1;
  const rng = new Rng(seed);
  const ticker = new Ticker(hooks);
  const n = frame.n;
  const binomial = fit.family === 'binomial';
  const integer = fit.family === 'binomial' || fit.family === 'poisson';
  const trials = (i: number) => (binomial ? (frame.weights ? Math.round(frame.weights[i]) : 1) : 1);
  const observed = new Float64Array(n);
  const predicted = new Float64Array(n);
  // population level (random effects at 0), as DHARMa's getFitted (re.form = ~0)
  const mu = fittedValues(frame, fit, 'response').population;
  for (let i = 0; i < n; i++) {
    observed[i] = binomial ? Math.round(frame.y[i] * trials(i)) : frame.y[i];
    predicted[i] = (mu[i] ?? NaN) * trials(i);
  }
  // sims[s * n + i]: simulation s of observation i
  const sims = new Float64Array(nsim * n);
  for (let s = 0; s < nsim; s++) {
    if (s % 10 === 0) {
      if (hooks?.isCancelled?.()) throw new CancelledError();
      await ticker.tick({ stage: 'simulate', evaluations: s, fraction: s / nsim });
    }
    const y = simulateResponse(frame, fit, rng);
    for (let i = 0; i < n; i++) sims[s * n + i] = binomial ? Math.round(y[i] * trials(i)) : y[i];
  }
  const column = new Float64Array(nsim);
  const scaled = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < nsim; s++) column[s] = sims[s * n + i];
    scaled[i] = quantileOf(column, observed[i], integer, rng);
  }

  // uniformity
  const ks = ksUniform(scaled);

  // dispersion: sd(x - fitted), observed against each simulation
  const simSpread = new Float64Array(nsim);
  for (let s = 0; s < nsim; s++) simSpread[s] = sd(sims.subarray(s * n, (s + 1) * n), predicted);
  const obsSpread = sd(observed, predicted);
  const dispersion = { ratio: obsSpread / mean(simSpread), p: simulationP(simSpread, obsSpread) };

  // zero inflation: number of zeros
  let zeroInflation: SimulatedResiduals['tests']['zeroInflation'] = null;
  if (integer) {
    const simZeros = new Float64Array(nsim);
    for (let s = 0; s < nsim; s++) {
      let z = 0;
      for (let i = 0; i < n; i++) if (sims[s * n + i] === 0) z++;
      simZeros[s] = z;
    }
    let obsZeros = 0;
    for (let i = 0; i < n; i++) if (observed[i] === 0) obsZeros++;
    const m = mean(simZeros);
    zeroInflation = { ratio: m > 0 ? obsZeros / m : obsZeros === 0 ? 1 : Infinity, p: simulationP(simZeros, obsZeros) };
  }

  // outliers: residuals of exactly 0 or 1, against a bootstrap of the simulations (DHARMa's default)
  const count = scaled.filter((r) => r === 0 || r === 1).length;
  const frequency = count / n;
  const nBoot = Math.min(nsim, Math.floor(opts.nBoot ?? 100));
  const boot = new Float64Array(nBoot);
  const resample = new Float64Array(nsim);
  for (let b = 0; b < nBoot; b++) {
    if (b % 10 === 0) {
      if (hooks?.isCancelled?.()) throw new CancelledError();
      await ticker.tick({ stage: 'simulate', evaluations: nsim + b, fraction: 1 });
    }
    // simulation b plays the data; nsim draws (with replacement) from the others are its simulations
    const pick = new Int32Array(nsim);
    for (let s = 0; s < nsim; s++) {
      let j = Math.floor(rng.uniform() * (nsim - 1));
      if (j >= b) j++;
      pick[s] = j;
    }
    let out = 0;
    for (let i = 0; i < n; i++) {
      for (let s = 0; s < nsim; s++) resample[s] = sims[pick[s] * n + i];
      const q = quantileOf(resample, sims[b * n + i], integer, rng);
      if (q === 0 || q === 1) out++;
    }
    boot[b] = out / n;
  }
  const outliers = { count, frequency, expected: mean(boot), p: simulationP(boot, frequency) };

  return {
    nsim,
    seed,
    integerResponse: integer,
    scaled,
    predicted: Array.from(predicted),
    tests: { uniformity: ks, dispersion, zeroInflation, outliers },
  };
}

function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

/**
 * One-sample two-sided Kolmogorov-Smirnov test against U(0, 1), as R's ks.test: the exact
 * distribution (Marsaglia, Tsang and Wang 2003) for fewer than 100 values without ties, the
 * asymptotic Kolmogorov distribution otherwise.
 */
export function ksUniform(values: readonly number[]): SimTest & { method: string } {
  const x = [...values].sort((a, b) => a - b);
  const n = x.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = Math.min(1, Math.max(0, x[i]));
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  let ties = false;
  for (let i = 1; i < n; i++) if (x[i] === x[i - 1]) ties = true;
  if (n < 100 && !ties) return { statistic: d, p: Math.min(1, Math.max(0, 1 - kolmogorovExact(n, d))), method: 'exact one-sample Kolmogorov-Smirnov test' };
  return { statistic: d, p: Math.min(1, Math.max(0, 1 - kolmogorovAsymptotic(Math.sqrt(n) * d))), method: 'asymptotic one-sample Kolmogorov-Smirnov test' };
}

/** P(D_n < d) by Marsaglia, Tsang and Wang's matrix method. */
export function kolmogorovExact(n: number, d: number): number {
  if (d <= 0) return 0;
  if (d >= 1) return 1;
  const k = Math.floor(n * d) + 1;
  const m = 2 * k - 1;
  const h = k - n * d;
  const H = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) H[i * m + j] = i - j + 1 < 0 ? 0 : 1;
  for (let i = 0; i < m; i++) {
    H[i * m] -= Math.pow(h, i + 1);
    H[(m - 1) * m + i] -= Math.pow(h, m - i);
  }
  H[(m - 1) * m] += 2 * h - 1 > 0 ? Math.pow(2 * h - 1, m) : 0;
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++)
      if (i - j + 1 > 0) for (let g = 1; g <= i - j + 1; g++) H[i * m + j] /= g;
  const { matrix: Q, exponent } = matrixPower(H, m, n);
  let s = Q[(k - 1) * m + (k - 1)];
  let e = exponent;
  for (let i = 1; i <= n; i++) {
    s = (s * i) / n;
    if (s < 1e-140) {
      s *= 1e140;
      e -= 140;
    }
  }
  return s * Math.pow(10, e);
}

function matMul(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const c = new Float64Array(m * m);
  for (let i = 0; i < m; i++)
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k];
      if (aik === 0) continue;
      for (let j = 0; j < m; j++) c[i * m + j] += aik * b[k * m + j];
    }
  return c;
}

/** A^p with a decimal exponent kept apart so that nothing overflows. */
function matrixPower(a: Float64Array, m: number, p: number): { matrix: Float64Array; exponent: number } {
  if (p === 1) return { matrix: a.slice(), exponent: 0 };
  const half = matrixPower(a, m, Math.floor(p / 2));
  let v = matMul(half.matrix, half.matrix, m);
  let e = 2 * half.exponent;
  if (p % 2 === 1) v = matMul(a, v, m);
  if (v[Math.floor(m / 2) * m + Math.floor(m / 2)] > 1e140) {
    for (let i = 0; i < m * m; i++) v[i] *= 1e-140;
    e += 140;
  }
  return { matrix: v, exponent: e };
}

/** P(K ≤ x) for the limiting Kolmogorov distribution (R's pkstwo). */
export function kolmogorovAsymptotic(x: number): number {
  if (x <= 0) return 0;
  if (x < 1) {
    const z = -(Math.PI / 2) * (Math.PI / 4) / (x * x);
    const w = Math.log(x);
    let s = 0;
    for (let k = 1; k < 200; k += 2) s += Math.exp(k * k * z - w);
    return s * Math.sqrt(2 * Math.PI);
  }
  const z = -2 * x * x;
  let sign = -1;
  let oldv = 0;
  let newv = 1;
  for (let k = 1; Math.abs(oldv - newv) > 1e-12 && k < 1000; k++) {
    oldv = newv;
    newv += 2 * sign * Math.exp(z * k * k);
    sign = -sign;
  }
  return newv;
}
