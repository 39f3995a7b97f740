/**
 * The baselines set beside a multilevel model: the pooled regression (R's lm for gaussian, glm for
 * binomial and Poisson fits: the fixed part without the grouping terms), per-group regressions
 * (nlme's lmList: the same fixed part within each level of a grouping factor) and the
 * likelihood-ratio test of the random effects against the pooled fit.
 *
 * Least squares is a Householder QR of the same model matrix, with R's rule for rank deficiency
 * (dqrdc2, tol 1e-7: a column whose remaining norm is below tol × its original norm is aliased and
 * gets NA, as lm and lmList report group-level predictors within one group). glm is IRLS from R's
 * starting values to R's convergence rule (|dev − devold| / (|dev| + 0.1) < 1e-8).
 * The LRT compares maximum likelihoods (a REML fit is refitted with ML first, as anova() does): the
 * variances sit on the boundary of their space under the null, so besides χ²(df) the p of the
 * 50:50 mixture of χ²(df−1) and χ²(df) is given (for one variance: the p-value halved).
 */
import { MlmError } from '../diagnostics';
import type { FitHooks } from '../hooks';
import type { ModelFrame } from '../frame/types';
import type { FitResult } from '../result';
import { makeFamily } from '../glmm';
import { chisqUpper, normalUpper, tTwoSided } from './distributions';
import { refitMl } from './anova';

export interface RegressionFit {
  coefnames: string[];
  /** null for an aliased (linearly dependent) column: R's NA. */
  coef: (number | null)[];
  se: (number | null)[];
  /** t (lm) or z (glm) statistics and their two-sided p. */
  statistic: (number | null)[];
  p: (number | null)[];
  /** Residual df n − rank. */
  dfResidual: number;
  /** lm: residual standard error; glm: null. */
  sigma: number | null;
  logLik: number;
  /** Number of estimated parameters (rank, + σ for lm) as logLik's df. */
  df: number;
  n: number;
  rank: number;
}

interface LsResult {
  coef: (number | null)[];
  /** (R'R)⁻¹ over the kept columns, full p×p with NaN on aliased rows. */
  unscaled: number[][];
  rank: number;
  rss: number;
}

/** Weighted least squares by Householder QR with R's limited pivoting (aliased columns → null). */
export function leastSquares(X: ArrayLike<number>, n: number, p: number, y: ArrayLike<number>, w?: ArrayLike<number> | null, rows?: ArrayLike<number>): LsResult {
  const idx = rows ?? Array.from({ length: n }, (_, i) => i);
  const m = idx.length;
  const A = Array.from({ length: p }, (_, j) => Float64Array.from(idx, (r) => X[j * n + r] * Math.sqrt(w ? w[r] : 1)));
  const b = Float64Array.from(idx, (r) => y[r] * Math.sqrt(w ? w[r] : 1));
  const norms0 = A.map((col) => Math.hypot(...col));
  const kept: number[] = [];
  const Rcols: Float64Array[] = [];
  const tol = 1e-7;
  for (let j = 0; j < p; j++) {
    const col = A[j];
    const k = kept.length;
    let s = 0;
    for (let i = k; i < m; i++) s += col[i] * col[i];
    const nrm = Math.sqrt(s);
    if (k >= m || norms0[j] === 0 || nrm < tol * norms0[j]) continue;
    // Householder reflection of rows k.. that zeroes col[k+1..]
    const alpha = col[k] > 0 ? -nrm : nrm;
    const v = new Float64Array(m);
    v[k] = col[k] - alpha;
    for (let i = k + 1; i < m; i++) v[i] = col[i];
    const vv = v.reduce((acc, x) => acc + x * x, 0);
    const reflect = (c: Float64Array) => {
      if (vv === 0) return;
      let d = 0;
      for (let i = k; i < m; i++) d += v[i] * c[i];
      const f = (2 * d) / vv;
      for (let i = k; i < m; i++) c[i] -= f * v[i];
    };
    for (let jj = j; jj < p; jj++) reflect(A[jj]);
    reflect(b);
    kept.push(j);
    Rcols.push(Float64Array.from({ length: k + 1 }, (_, i) => A[j][i]));
  }
  const r = kept.length;
  // back-substitution R β = Qᵀb (first r rows)
  const beta = new Float64Array(r);
  for (let i = r - 1; i >= 0; i--) {
    let s = b[i];
    for (let jj = i + 1; jj < r; jj++) s -= Rcols[jj][i] * beta[jj];
    beta[i] = s / Rcols[i][i];
  }
  let rss = 0;
  for (let i = r; i < m; i++) rss += b[i] * b[i];
  // (R'R)⁻¹ = R⁻¹ R⁻ᵀ
  const Rinv = Array.from({ length: r }, () => new Float64Array(r));
  for (let c = 0; c < r; c++) {
    Rinv[c][c] = 1 / Rcols[c][c];
    for (let i = c - 1; i >= 0; i--) {
      let s = 0;
      for (let jj = i + 1; jj <= c; jj++) s += Rcols[jj][i] * Rinv[jj][c];
      Rinv[i][c] = -s / Rcols[i][i];
    }
  }
  const unscaled = Array.from({ length: p }, () => new Array<number>(p).fill(NaN));
  for (let a = 0; a < r; a++)
    for (let c = 0; c < r; c++) {
      let s = 0;
      for (let k = Math.max(a, c); k < r; k++) s += Rinv[a][k] * Rinv[c][k];
      unscaled[kept[a]][kept[c]] = s;
    }
  const coef: (number | null)[] = new Array(p).fill(null);
  kept.forEach((j, i) => (coef[j] = beta[i]));
  return { coef, unscaled, rank: r, rss };
}

/** R's lm on the frame's fixed part (rows: a subset, for lmList). */
export function linearModel(frame: ModelFrame, rows?: ArrayLike<number>): RegressionFit {
  const n = frame.n;
  const p = frame.coefnames.length;
  const w = frame.weights;
  const ls = leastSquares(frame.X, n, p, frame.y, w, rows);
  const m = rows ? rows.length : n;
  const dfResidual = m - ls.rank;
  const s2 = dfResidual > 0 ? ls.rss / dfResidual : NaN;
  const se = ls.coef.map((c, j) => (c === null ? null : Math.sqrt(s2 * ls.unscaled[j][j])));
  const statistic = ls.coef.map((c, j) => (c === null || !se[j] ? null : c / se[j]!));
  const p2 = statistic.map((t) => (t === null || !(dfResidual > 0) ? null : tTwoSided(t, dfResidual)));
  // R's logLik.lm: 0.5 Σ log w − m/2 (log 2π + 1 − log m + log Σ w r²)
  let sumLogW = 0;
  const idx = rows ?? Array.from({ length: n }, (_, i) => i);
  if (w) for (const r of Array.from(idx)) sumLogW += Math.log(w[r]);
  const logLik = 0.5 * sumLogW - (m / 2) * (Math.log(2 * Math.PI) + 1 - Math.log(m) + Math.log(ls.rss));
  return { coefnames: frame.coefnames.slice(), coef: ls.coef, se, statistic, p: p2, dfResidual, sigma: Number.isFinite(s2) ? Math.sqrt(s2) : null, logLik, df: ls.rank + 1, n: m, rank: ls.rank };
}

/** R's glm (binomial or Poisson, the frame's link) by IRLS. */
export function generalizedLinearModel(frame: ModelFrame): RegressionFit {
  if (frame.family !== 'binomial' && frame.family !== 'poisson') {
    throw new MlmError({ code: 'baseline-family', message: `the pooled baseline fits gaussian (lm), binomial and poisson (glm) models, not the ${frame.family} family` });
  }
  const fam = makeFamily(frame.family, frame.link);
  const n = frame.n;
  const p = frame.coefnames.length;
  const wt = frame.weights ?? new Float64Array(n).fill(1);
  const off = frame.offset ?? new Float64Array(n);
  const mu = Float64Array.from(frame.y, (y, i) => fam.mustart(y, wt[i]));
  const eta = Float64Array.from(mu, (m) => fam.link.linkfun(m));
  let devOld = Infinity;
  let ls: LsResult | null = null;
  const z = new Float64Array(n);
  const W = new Float64Array(n);
  for (let it = 0; it < 25; it++) {
    for (let i = 0; i < n; i++) {
      const me = fam.link.muEta(eta[i]);
      z[i] = eta[i] - off[i] + (frame.y[i] - mu[i]) / me;
      W[i] = (wt[i] * me * me) / fam.variance(mu[i]);
    }
    ls = leastSquares(frame.X, n, p, z, W);
    for (let i = 0; i < n; i++) {
      let e = off[i];
      for (let j = 0; j < p; j++) if (ls.coef[j] !== null) e += frame.X[j * n + i] * (ls.coef[j] as number);
      eta[i] = e;
      mu[i] = fam.link.linkinv(e);
    }
    let dev = 0;
    for (let i = 0; i < n; i++) dev += fam.devResid(frame.y[i], mu[i], wt[i]);
    if (Math.abs(dev - devOld) / (Math.abs(dev) + 0.1) < 1e-8) break;
    devOld = dev;
  }
  const fit = ls as LsResult;
  const se = fit.coef.map((c, j) => (c === null ? null : Math.sqrt(fit.unscaled[j][j])));
  const statistic = fit.coef.map((c, j) => (c === null ? null : c / se[j]!));
  const nTrials = fam.name === 'binomial' ? wt : new Float64Array(n).fill(1);
  const logLik = -fam.aic(frame.y, nTrials, mu, wt) / 2;
  return {
    coefnames: frame.coefnames.slice(),
    coef: fit.coef,
    se,
    statistic,
    p: statistic.map((s) => (s === null ? null : 2 * normalUpper(Math.abs(s)))),
    dfResidual: n - fit.rank,
    sigma: null,
    logLik,
    df: fit.rank,
    n,
    rank: fit.rank,
  };
}

export interface GroupFits {
  group: string;
  levels: string[];
  fits: RegressionFit[];
  /** Per coefficient: number of groups with an estimate, their mean, SD, min, median, max. */
  summary: { coef: string; groups: number; mean: number | null; sd: number | null; min: number | null; median: number | null; max: number | null }[];
}

/** nlme's lmList: the fixed part fitted by lm within each level of a grouping factor (gaussian only). */
export function perGroupFits(frame: ModelFrame, group?: string): GroupFits {
  if (frame.family !== 'gaussian') throw new MlmError({ code: 'baseline-family', message: `per-group regressions (lmList) are fitted for gaussian models; this model is ${frame.family}` });
  const t = group ? frame.reTerms.find((x) => x.group === group) : frame.reTerms[0];
  if (!t) throw new MlmError({ code: 'baseline-group', message: `no grouping factor '${group}' in the model` });
  const byLevel: number[][] = t.levels.map(() => []);
  for (let i = 0; i < frame.n; i++) byLevel[t.refs[i]].push(i);
  const fits = byLevel.map((rows) => linearModel(frame, rows));
  const summary = frame.coefnames.map((c, j) => {
    const v = fits.map((f) => f.coef[j]).filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
    if (v.length === 0) return { coef: c, groups: 0, mean: null, sd: null, min: null, median: null, max: null };
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const sd = v.length > 1 ? Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (v.length - 1)) : null;
    const median = v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    return { coef: c, groups: v.length, mean, sd, min: v[0], median, max: v[v.length - 1] };
  });
  return { group: t.group, levels: t.levels.slice(), fits, summary };
}

export interface RandomEffectsLrt {
  /** Log-likelihoods compared (the mixed model's by ML). */
  logLikMixed: number;
  logLikPooled: number;
  statistic: number;
  df: number;
  /** χ²(df) p-value, and the boundary-corrected p of the 50:50 mixture of χ²(df−1) and χ²(df). */
  pNaive: number;
  pMixture: number;
  refitted: boolean;
  note: string;
}

export interface Baselines {
  pooled: RegressionFit;
  kind: 'lm' | 'glm';
  groups: GroupFits | null;
  /** null when the likelihoods cannot be compared (see lrtNote). */
  lrt: RandomEffectsLrt | null;
  lrtNote?: string;
}

/** All three baselines of a fitted mixed model; refits only a REML fit by ML (for the LRT). */
export async function baselines(frame: ModelFrame, result: FitResult, hooks?: FitHooks): Promise<Baselines> {
  const gaussian = result.family === 'gaussian';
  if (!gaussian && result.family !== 'binomial' && result.family !== 'poisson') {
    throw new MlmError({ code: 'baseline-family', message: `baselines are fitted for gaussian, binomial and poisson models, not ${result.family}` });
  }
  const pooled = gaussian ? linearModel(frame) : generalizedLinearModel(frame);
  const groups = gaussian ? perGroupFits(frame) : null;
  if (!gaussian && result.nAGQ > 1) {
    const lrtNote = `No likelihood-ratio test: with nAGQ = ${result.nAGQ} lme4's adaptive Gauss-Hermite log-likelihood leaves out the ${result.family} density's constant terms, so it cannot be set against the glm's; fit the model with the Laplace approximation (nAGQ: 1) for this test.`;
    return { pooled, kind: 'glm', groups, lrt: null, lrtNote };
  }
  if (result.fitter === 'nlme') {
    // the pooled lm has neither the random effects nor the residual structure, and lme4's ML refit would drop the structure
    const lrtNote =
      "No likelihood-ratio test: the model has nlme's residual structure (correlation:/variance:), which the pooled regression lacks, so the difference of their log-likelihoods is not a test of the random effects alone; compare models with the same structure (compare:) instead.";
    return { pooled, kind: 'lm', groups, lrt: null, lrtNote };
  }
  let ml = result;
  let refitted = false;
  if (gaussian && result.REML) {
    ml = await refitMl(frame, result, hooks);
    refitted = true;
  }
  const statistic = Math.max(0, 2 * (ml.logLik - pooled.logLik));
  const df = ml.df - pooled.df;
  const pNaive = chisqUpper(statistic, df);
  const pMixture = 0.5 * (df > 1 ? chisqUpper(statistic, df - 1) : statistic > 0 ? 0 : 1) + 0.5 * pNaive;
  const note =
    `The variances are 0 under the null hypothesis, on the boundary of their range, so the χ²(${df}) p-value is conservative; ` +
    (df === 1 ? 'with one variance the null distribution is a 50:50 mixture of χ²(0) and χ²(1): the p-value halved.' : `the 50:50 mixture of χ²(${df - 1}) and χ²(${df}) is given as well.`) +
    (refitted ? ' The REML fit was refitted with ML for the comparison.' : '');
  return { pooled, kind: gaussian ? 'lm' : 'glm', groups, lrt: { logLikMixed: ml.logLik, logLikPooled: pooled.logLik, statistic, df, pNaive, pMixture, refitted, note } };
}
