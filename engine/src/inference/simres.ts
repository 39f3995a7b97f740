/**
 * Scaled quantile residuals from parametric simulation, as DHARMa computes them
 * (simulateResiduals with its defaults: unconditional simulations — the random effects are drawn
 * anew in every simulation —, the PIT randomisation for integer responses), and DHARMa's tests:
 * uniformity (Kolmogorov-Smirnov against U(0, 1), as stats::ks.test), dispersion (sd of the
 * residuals observed − predicted against the same in the simulations, the prediction at the
 * population level as DHARMa's getFitted), zero inflation (count of
 * zeros) and outliers (residuals of exactly 0 or 1, against the exact expectation of DHARMa's
 * bootstrap for them).
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
import { quantile7 } from './distributions';
import { Rng } from './rng';

export interface SimulatedResidualsOptions {
  /** Number of simulations (DHARMa's n; default 250). */
  nsim?: number;
  seed?: number;
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
  const integer = fit.family === 'binomial' || fit.family === 'poisson' || fit.family === 'negbinomial';
  const trials = (i: number) => (binomial ? (frame.weights ? Math.round(frame.weights[i]) : 1) : 1);
  const observed = new Float64Array(n);
  const predicted = new Float64Array(n);
  // population level (random effects at 0), as DHARMa's getFitted (re.form = ~0)
  const mu = fittedValues(frame, fit, 'response').population;
  for (let i = 0; i < n; i++) {
    observed[i] = binomial ? Math.round(frame.y[i] * trials(i)) : frame.y[i];
    predicted[i] = (mu[i] ?? NaN) * trials(i);
  }
  // sims[i * nsim + s]: simulation s of observation i (observation-major: each observation's
  // simulations are contiguous, which the quantiles and the outlier bootstrap read)
  const sims = new Float64Array(nsim * n);
  for (let s = 0; s < nsim; s++) {
    if (s % 10 === 0) {
      if (hooks?.isCancelled?.()) throw new CancelledError();
      await ticker.tick({ stage: 'simulate', evaluations: s, fraction: s / nsim });
    }
    const y = simulateResponse(frame, fit, rng);
    for (let i = 0; i < n; i++) sims[i * nsim + s] = binomial ? Math.round(y[i] * trials(i)) : y[i];
  }
  const scaled = new Array<number>(n);
  for (let i = 0; i < n; i++) scaled[i] = quantileOf(sims.subarray(i * nsim, (i + 1) * nsim), observed[i], integer, rng);

  // uniformity
  const ks = ksUniform(scaled);

  // dispersion: sd(x - fitted), observed against each simulation
  const simSpread = new Float64Array(nsim);
  const one = new Float64Array(n);
  for (let s = 0; s < nsim; s++) {
    for (let i = 0; i < n; i++) one[i] = sims[i * nsim + s];
    simSpread[s] = sd(one, predicted);
  }
  const obsSpread = sd(observed, predicted);
  const dispersion = { ratio: obsSpread / mean(simSpread), p: simulationP(simSpread, obsSpread) };

  // zero inflation: number of zeros
  let zeroInflation: SimulatedResiduals['tests']['zeroInflation'] = null;
  if (integer) {
    const simZeros = new Float64Array(nsim);
    for (let s = 0; s < nsim; s++) {
      let z = 0;
      for (let i = 0; i < n; i++) if (sims[i * nsim + s] === 0) z++;
      simZeros[s] = z;
    }
    let obsZeros = 0;
    for (let i = 0; i < n; i++) if (observed[i] === 0) obsZeros++;
    const m = mean(simZeros);
    zeroInflation = { ratio: m > 0 ? obsZeros / m : obsZeros === 0 ? 1 : Infinity, p: simulationP(simZeros, obsZeros) };
  }

  // outliers: residuals of exactly 0 or 1. DHARMa's default test compares their frequency with a
  // bootstrap in which a simulated value plays the observation against nsim values resampled from the
  // simulations. The probability of that event is computed here exactly, observation by observation,
  // from the sorted simulations; the count is then a sum of independent Bernoulli variables
  // (Poisson-binomial), whose distribution gives the two-sided p-value.
  const count = scaled.filter((r) => r === 0 || r === 1).length;
  const probs = new Float64Array(n);
  const row = new Float64Array(nsim);
  for (let i = 0; i < n; i++) {
    row.set(sims.subarray(i * nsim, (i + 1) * nsim));
    row.sort();
    let pi = 0;
    for (let j = 0; j < nsim; ) {
      let k = j;
      while (k < nsim && row[k] === row[j]) k++;
      const below = j / nsim; // P(X < v)
      const above = (nsim - k) / nsim; // P(X > v)
      const atOrBelow = k / nsim; // P(X <= v)
      const mass = (k - j) / nsim;
      // integer responses: outside when every value is strictly below or above; continuous: mean(sim <= obs) is 0 or 1
      pi += mass * ((integer ? below ** nsim : atOrBelow ** nsim) + above ** nsim);
      j = k;
    }
    probs[i] = Math.min(1, pi);
  }
  const expected = probs.reduce((t, v) => t + v, 0);
  const outliers = { count, frequency: count / n, expected: expected / n, p: poissonBinomialTwoSided(probs, count) };
  return {
    nsim,
    seed,
    integerResponse: integer,
    scaled,
    predicted: Array.from(predicted),
    tests: { uniformity: ks, dispersion, zeroInflation, outliers },
  };
}

/**
 * Two-sided p-value of an observed count under a Poisson-binomial distribution (independent
 * Bernoulli(p_i)): 2·min(P(X ≤ x), P(X ≥ x)), capped at 1; the distribution by the usual recursion,
 * truncated where its upper tail is negligible.
 */
export function poissonBinomialTwoSided(p: ArrayLike<number>, x: number): number {
  let mu = 0;
  let v = 0;
  for (let i = 0; i < p.length; i++) {
    mu += p[i];
    v += p[i] * (1 - p[i]);
  }
  const cap = Math.min(p.length, Math.max(x, Math.ceil(mu + 12 * Math.sqrt(v) + 12)) + 1);
  let dist = new Float64Array(cap + 1);
  dist[0] = 1;
  for (let i = 0; i < p.length; i++) {
    const q = p[i];
    if (q === 0) continue;
    const next = new Float64Array(cap + 1);
    for (let k = 0; k <= cap; k++) {
      const d = dist[k];
      if (d === 0) continue;
      next[k] += d * (1 - q);
      if (k + 1 <= cap) next[k + 1] += d * q;
    }
    dist = next;
  }
  let le = 0;
  for (let k = 0; k <= Math.min(x, cap); k++) le += dist[k];
  let ge = 0;
  for (let k = Math.min(x, cap); k <= cap; k++) ge += dist[k];
  if (x > cap) ge = 0;
  return Math.min(1, 2 * Math.min(le, ge));
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

/** What the results panel draws of the simulated residuals: a uniform QQ plot and residuals against predicted rank. */
export interface SimulatedResidualsFigure {
  nsim: number;
  seed: number;
  /** Sorted scaled residuals against the uniform quantiles (i − 0.5)/n, thinned to at most 1000 points. */
  qq: { expected: number[]; observed: number[] };
  /** Residual against the rank of the predicted value scaled to [0, 1] (DHARMa's default x axis), thinned. */
  points: { x: number[]; y: number[] };
  /** Quantiles 0.25, 0.5, 0.75 of the residuals in bins of predicted rank (expected: flat lines at those values). */
  quantiles: { x: number[]; q25: number[]; q50: number[]; q75: number[] };
  tests: SimulatedResiduals['tests'];
}

const FIGURE_POINTS = 1000;

/** The panel's figure of a simulation (thinned evenly so that the drawing stays small). */
export function simulatedResidualsFigure(r: SimulatedResiduals): SimulatedResidualsFigure {
  const n = r.scaled.length;
  const step = Math.max(1, Math.ceil(n / FIGURE_POINTS));
  const sorted = Float64Array.from(r.scaled).sort();
  const qq = { expected: [] as number[], observed: [] as number[] };
  for (let i = 0; i < n; i += step) {
    qq.expected.push((i + 0.5) / n);
    qq.observed.push(sorted[i]);
  }
  // rank of the predicted value, ties averaged, scaled to [0, 1]
  const order = r.predicted.map((_, i) => i).sort((a, b) => r.predicted[a] - r.predicted[b]);
  const rank = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && r.predicted[order[j + 1]] === r.predicted[order[i]]) j++;
    const v = n > 1 ? (i + j) / 2 / (n - 1) : 0.5;
    for (let k = i; k <= j; k++) rank[order[k]] = v;
    i = j + 1;
  }
  const points = { x: [] as number[], y: [] as number[] };
  for (let i = 0; i < n; i += step) {
    points.x.push(rank[i]);
    points.y.push(r.scaled[i]);
  }
  const bins = Math.max(1, Math.min(10, Math.floor(n / 20)));
  const quantiles = { x: [] as number[], q25: [] as number[], q50: [] as number[], q75: [] as number[] };
  for (let b = 0; b < bins; b++) {
    const members = order.slice(Math.floor((b * n) / bins), Math.floor(((b + 1) * n) / bins));
    if (members.length === 0) continue;
    const ys = Float64Array.from(members, (i) => r.scaled[i]).sort();
    quantiles.x.push(members.reduce((s, i) => s + rank[i], 0) / members.length);
    quantiles.q25.push(quantile7(ys, 0.25));
    quantiles.q50.push(quantile7(ys, 0.5));
    quantiles.q75.push(quantile7(ys, 0.75));
  }
  return { nsim: r.nsim, seed: r.seed, qq, points, quantiles, tests: r.tests };
}

/** Most simulated values (observations × simulations) the panel's simulated residuals hold: 400 MB of doubles. */
export const SIMULATED_MAX_VALUES = 5e7;

/**
 * A copy of a GLMM's result whose plot figures carry its simulated residuals (250 simulations, seed 1),
 * for the results panel; gaussian fits and results without figures are returned as they are. Above
 * `maxValues` simulated values (observations × 250) they are not computed: `simulatedNote` says why.
 */
export async function withSimulatedResiduals(frame: ModelFrame, result: FitResult, hooks?: FitHooks, maxValues = SIMULATED_MAX_VALUES): Promise<FitResult> {
  if (result.family === 'gaussian' || !result.plotData?.figures) return result;
  const nsim = 250;
  if (frame.n * nsim > maxValues) {
    const simulatedNote = `The simulated (DHARMa) residuals are not computed for ${frame.n.toLocaleString('en-US')} observations (${nsim} simulations of each would hold ${(frame.n * nsim).toExponential(1)} values); the binned residuals check the fit.`;
    return { ...result, plotData: { ...result.plotData, figures: { ...result.plotData.figures, simulatedNote } } };
  }
  const sim = await simulatedResiduals(frame, result, { nsim, seed: 1 }, hooks);
  return { ...result, plotData: { ...result.plotData, figures: { ...result.plotData.figures, simulated: simulatedResidualsFigure(sim) } } };
}
