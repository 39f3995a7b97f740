/**
 * Variance partitioning: the intraclass correlation (ICC) of random-intercept models and
 * Nakagawa & Schielzeth's marginal and conditional R² (Nakagawa, Johnson & Schielzeth 2017 for
 * random slopes and GLMMs).
 *
 * Level-1 (residual) variance on the latent scale, by family and link:
 *  - gaussian: sigma²
 *  - binomial, logit link: π²/3 (distribution-specific variance of the logistic distribution)
 *  - binomial, probit link: 1;  cloglog: π²/6
 *  - poisson, log link: log(1 + 1/λ), the lognormal approximation, with λ the mean count
 *    estimated as exp(mean(Xβ + offset) + σ²_random / 2) (the population-level mean on the response scale)
 *
 * Random-effect variance σ²_random: for random intercepts the sum of their variances; with random
 * slopes, the mean over observations of z_i' Σ z_i for each term (Johnson 2014), which needs the
 * model frame. Fixed-effect variance σ²_f: the variance (n - 1 denominator, as R's var) of Xβ.
 */
import { fixedPredictorMoments, termSumZZ } from '../lmm/blocks';
import type { ModelFrame } from '../frame/types';
import type { FitResult, VarCorrRow } from '../result';

export type ResidualKind = 'gaussian' | 'logit' | 'probit' | 'cloglog' | 'poisson-lognormal' | 'unsupported';

export interface LevelOneVariance {
  value: number;
  kind: ResidualKind;
  description: string;
}

export interface IccGroup {
  group: string;
  variance: number;
  /** This grouping factor's share of the total variance. */
  icc: number;
}

export interface IccResult {
  /** False when the model has random slopes or an unsupported family (then icc is null). */
  applicable: boolean;
  reason?: string;
  /** Sum of the random-intercept variances over the total variance. */
  icc: number | null;
  groups: IccGroup[];
  residual: LevelOneVariance;
  totalVariance: number;
}

export interface R2Result {
  marginal: number;
  conditional: number;
  varFixed: number;
  varRandom: number;
  residual: LevelOneVariance;
  note: string;
}

/** Variance rows (not correlations) of the random effects, without the residual row. */
function varianceRows(result: FitResult): VarCorrRow[] {
  return result.varcorr.filter((r) => r.grp !== 'Residual' && r.var2 === null);
}

/** Splits a '||' group name 'Subject.1' back to 'Subject' when 'Subject' is a grouping factor of the fit. */
export function baseGroup(grp: string, result: FitResult): string {
  if (grp in result.ngrps) return grp;
  const m = /^(.*)\.\d+$/.exec(grp);
  if (m && m[1] in result.ngrps) return m[1];
  return grp;
}

function linearPredictorMean(result: FitResult, frame: ModelFrame): { mean: number; variance: number } {
  if (frame.blocks) return fixedPredictorMoments(frame.blocks, frame.coefnames.map((name) => result.fixef[name] ?? 0));
  const n = frame.n;
  const eta = new Float64Array(n);
  frame.coefnames.forEach((name, j) => {
    const b = result.fixef[name] ?? 0;
    for (let i = 0; i < n; i++) eta[i] += frame.X[j * n + i] * b;
  });
  let mean = 0;
  for (let i = 0; i < n; i++) mean += eta[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (eta[i] - mean) ** 2;
  let off = 0;
  if (frame.offset) {
    for (let i = 0; i < n; i++) off += frame.offset[i];
    off /= n;
  }
  return { mean: mean + off, variance: n > 1 ? ss / (n - 1) : 0 };
}

/** Level-1 variance on the latent scale (see the file comment for the choice per family). */
export function levelOneVariance(result: FitResult, varRandom: number, frame?: ModelFrame): LevelOneVariance {
  if (result.family === 'gaussian') return { value: result.sigma ** 2, kind: 'gaussian', description: 'residual variance σ²' };
  if (result.family === 'binomial') {
    if (result.link === 'logit') return { value: Math.PI ** 2 / 3, kind: 'logit', description: 'distribution-specific variance of the logistic distribution, π²/3' };
    if (result.link === 'probit') return { value: 1, kind: 'probit', description: 'distribution-specific variance of the standard normal, 1' };
    if (result.link === 'cloglog') return { value: Math.PI ** 2 / 6, kind: 'cloglog', description: 'distribution-specific variance for the cloglog link, π²/6' };
  }
  if (result.family === 'poisson' && result.link === 'log') {
    let eta0: number;
    if (frame) eta0 = linearPredictorMean(result, frame).mean;
    else eta0 = result.fixef['(Intercept)'] ?? 0;
    const lambda = Math.exp(eta0 + varRandom / 2);
    return {
      value: Math.log1p(1 / lambda),
      kind: 'poisson-lognormal',
      description: `lognormal approximation log(1 + 1/λ) with λ = ${lambda.toPrecision(4)} (mean count from the fixed effects)`,
    };
  }
  return { value: NaN, kind: 'unsupported', description: `no level-1 variance for family ${result.family} with link ${result.link}` };
}

/** Intraclass correlation(s) of a random-intercept model. */
export function icc(result: FitResult, frame?: ModelFrame): IccResult {
  const rows = varianceRows(result);
  const slopes = rows.filter((r) => r.var1 !== '(Intercept)');
  const intercepts = rows.filter((r) => r.var1 === '(Intercept)');
  const varRandom = intercepts.reduce((s, r) => s + r.vcov, 0);
  const residual = levelOneVariance(result, varRandom, frame);
  const total = varRandom + residual.value;
  const groups = intercepts.map((r) => ({ group: baseGroup(r.grp, result), variance: r.vcov, icc: r.vcov / total }));
  if (slopes.length > 0) {
    return {
      applicable: false,
      reason: 'The model has random slopes, so the share of variance between groups depends on the covariates; the ICC is reported for random-intercept models only.',
      icc: null,
      groups: [],
      residual,
      totalVariance: NaN,
    };
  }
  if (residual.kind === 'unsupported' || intercepts.length === 0) {
    return { applicable: false, reason: intercepts.length === 0 ? 'The model has no random intercept.' : residual.description, icc: null, groups: [], residual, totalVariance: NaN };
  }
  return { applicable: true, icc: varRandom / total, groups, residual, totalVariance: total };
}

/** Mean over observations of z_i' Σ z_i for every random-effects term (needs the model frame's Z). */
export function randomEffectVariance(result: FitResult, frame: ModelFrame): number {
  let total = 0;
  let covIndex = 0;
  // Σ of each term from varcorr, matched by term order: rows of a term are its variances then correlations.
  const vc = result.varcorr.filter((r) => r.grp !== 'Residual');
  for (const term of frame.reTerms) {
    const k = term.k;
    const nCov = (k * (k + 1)) / 2;
    const block = vc.slice(covIndex, covIndex + nCov);
    covIndex += nCov;
    const S = new Float64Array(k * k);
    for (let a = 0; a < k; a++) S[a * k + a] = block[a]?.vcov ?? 0;
    for (const r of block.slice(k)) {
      const a = term.termNames.indexOf(r.var1 ?? '');
      const b = term.termNames.indexOf(r.var2 ?? '');
      if (a >= 0 && b >= 0) {
        S[a * k + b] = r.vcov;
        S[b * k + a] = r.vcov;
      }
    }
    const n = frame.n;
    let sum = 0;
    if (frame.blocks) {
      // Σ_i z_i'Σz_i = trace(Σ Σ_i z_i z_i')
      const zz = termSumZZ(frame.blocks, frame.reTerms.indexOf(term));
      for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) sum += S[a * k + b] * zz[b + a * k];
      total += sum / n;
      continue;
    }
    for (let i = 0; i < n; i++) {
      let q = 0;
      for (let a = 0; a < k; a++) {
        const za = term.Z[a * n + i];
        if (za === 0) continue;
        for (let b = 0; b < k; b++) q += za * S[a * k + b] * term.Z[b * n + i];
      }
      sum += q;
    }
    total += sum / n;
  }
  return total;
}

/** Nakagawa & Schielzeth's marginal and conditional R². */
export function r2Nakagawa(result: FitResult, frame: ModelFrame): R2Result {
  const varFixed = linearPredictorMean(result, frame).variance;
  const varRandom = randomEffectVariance(result, frame);
  const residual = levelOneVariance(result, varRandom, frame);
  const total = varFixed + varRandom + residual.value;
  return {
    marginal: varFixed / total,
    conditional: (varFixed + varRandom) / total,
    varFixed,
    varRandom,
    residual,
    note: `Marginal R² is the share of variance explained by the fixed effects, conditional R² by fixed and random effects (Nakagawa & Schielzeth); level-1 variance: ${residual.description}.`,
  };
}
