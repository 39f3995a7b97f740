/**
 * Per-group "no pooling" estimates next to the multilevel ones, for the shrinkage plot.
 * For each level of a grouping factor the no-pooling estimate fits that level's rows alone, with the
 * rest of the model's linear predictor (other fixed effects, other factors' random effects) held at
 * the fitted values, so it is comparable with fixed effect + conditional mode.
 * Gaussian: least squares on the partial residuals (intercept, and one slope when the factor has one).
 * Binomial/Poisson: intercept only, by Newton's method on the level's score equation with a 0.5
 * continuity correction (so all-zero or all-one groups stay finite).
 */
import type { FitResult, PlotData, RanefBlock } from '../result';
import { LINKS, type Link } from '../glmm/family';
import { ROWS_PER_STEP, runSteps, type Steps } from '../hooks';

function asArray<T>(x: T | T[] | null | undefined): T[] {
  if (x === null || x === undefined) return [];
  return Array.isArray(x) ? x : [x];
}

export interface GroupEstimate {
  level: string;
  n: number;
  /** No-pooling estimates per term (null when the level's data cannot identify them). */
  own: number[] | null;
  /** Fixed effect + conditional mode per term. */
  multilevel: number[];
}

export interface GroupEstimates {
  group: string;
  terms: string[];
  population: number[];
  rows: GroupEstimate[];
}

const IDENTITY: Link = LINKS.identity;

/** The link of a fit (glmm/family.ts), identity for gaussian fits and unknown names. */
export function linkOf(fit: FitResult): Link {
  if (fit.family === 'gaussian') return IDENTITY;
  return (LINKS as Record<string, Link>)[fit.link] ?? IDENTITY;
}

export function groupEstimates(fit: FitResult, block: RanefBlock, pd: Pick<PlotData, 'y' | 'weights' | 'groups' | 'covariates'> | undefined = fit.plotData): GroupEstimates | null {
  return runSteps(groupEstimatesSteps(fit, block, pd));
}

/** groupEstimates in slices of rows (hooks.ts Steps). */
export function* groupEstimatesSteps(fit: FitResult, block: RanefBlock, pd: Pick<PlotData, 'y' | 'weights' | 'groups' | 'covariates'> | undefined): Steps<GroupEstimates | null> {
  if (!pd) return null;
  const idx = pd.groups[block.group];
  if (!idx) return null;
  const levels = asArray(block.levels);
  const allTerms = asArray(block.terms);
  const gaussian = fit.family === 'gaussian';
  // Terms used: intercept, plus the first slope whose covariate is available (gaussian only).
  // Without a random intercept the own fits would not be comparable (no shrinkage plot).
  if (!allTerms.includes('(Intercept)')) return null;
  const terms: string[] = ['(Intercept)'];
  if (gaussian) {
    const slope = allTerms.find((t) => t !== '(Intercept)' && pd.covariates[t]);
    if (slope) terms.push(slope);
  }
  const k = terms.map((t) => allTerms.indexOf(t));
  const fitted = asArray(fit.fitted);
  const n = pd.y.length;
  if (fitted.length !== n || idx.length !== n) return null;
  const L = linkOf(fit);
  const beta = terms.map((t) => fit.fixef[t] ?? 0);
  const xOf = (t: string, i: number): number => (t === '(Intercept)' ? 1 : pd.covariates[t][i]);
  // Linear predictor without this factor's terms (for the terms we re-estimate).
  const other = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (i % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield;
    const j = idx[i];
    let part = 0;
    terms.forEach((t, a) => {
      part += (beta[a] + block.values[k[a]][j]) * xOf(t, i);
    });
    other[i] = L.linkfun(fitted[i]) - part;
  }
  const members: number[][] = levels.map(() => []);
  for (let i = 0; i < n; i++) {
    if (i % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield;
    if (idx[i] >= 0 && idx[i] < levels.length) members[idx[i]].push(i);
  }
  const rows: GroupEstimate[] = [];
  let sinceYield = 0;
  for (let j = 0; j < levels.length; j++) {
    const level = levels[j];
    const m = members[j];
    sinceYield += m.length;
    if (sinceYield >= ROWS_PER_STEP) {
      sinceYield = 0;
      yield;
    }
    const multilevel = terms.map((_, a) => beta[a] + block.values[k[a]][j]);
    let own: number[] | null = null;
    if (gaussian) own = ownGaussian(m, pd.y, other, terms.length === 2 ? pd.covariates[terms[1]] : null);
    else own = [ownIntercept(m, pd.y, pd.weights, other, L)];
    rows.push({ level, n: m.length, own, multilevel });
  }
  return { group: block.group, terms, population: beta, rows };
}

function ownGaussian(m: number[], y: number[], other: Float64Array, x: number[] | null): number[] | null {
  if (m.length === 0) return null;
  let sy = 0;
  for (const i of m) sy += y[i] - other[i];
  if (!x) return [sy / m.length];
  if (m.length < 2) return null;
  let sx = 0;
  for (const i of m) sx += x[i];
  const mx = sx / m.length;
  const my = sy / m.length;
  let sxx = 0;
  let sxy = 0;
  for (const i of m) {
    sxx += (x[i] - mx) ** 2;
    sxy += (x[i] - mx) * (y[i] - other[i] - my);
  }
  if (sxx <= 1e-12 * Math.max(1, mx * mx)) return null;
  const b = sxy / sxx;
  return [my - b * mx, b];
}

function ownIntercept(
  m: number[],
  y: number[],
  w: number[] | null,
  other: Float64Array,
  L: Link,
): number {
  let W = 0;
  let S = 0;
  for (const i of m) {
    const wi = w ? w[i] : 1;
    W += wi;
    S += wi * y[i];
  }
  if (W === 0) return NaN;
  const target = ((S + 0.5) * W) / (W + 1);
  // Start where the other part is at its mean.
  let meanOther = 0;
  for (const i of m) meanOther += other[i];
  meanOther /= m.length;
  let a = L.linkfun(target / W) - meanOther;
  if (!Number.isFinite(a)) a = 0;
  for (let it = 0; it < 50; it++) {
    let f = -target;
    let df = 0;
    for (const i of m) {
      const wi = w ? w[i] : 1;
      f += wi * L.linkinv(a + other[i]);
      df += wi * L.muEta(a + other[i]);
    }
    if (df <= 0) break;
    const step = Math.max(-5, Math.min(5, f / df));
    a -= step;
    if (Math.abs(step) < 1e-10) break;
  }
  return a;
}
