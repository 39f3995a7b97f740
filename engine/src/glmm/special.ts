/** The log probability mass of the binomial and Poisson distributions (the GLMM families' log-likelihoods). */

import { lgamma } from '../inference/distributions';

// The normal distribution and lgamma live in inference/distributions.ts (one home); re-exported for the GLMM code.
export { dnorm, lgamma, pnorm, qnorm } from '../inference/distributions';

/** log of the binomial coefficient C(n, k). */
export function lchoose(n: number, k: number): number {
  if (k === 0 || k === n) return 0;
  return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
}

/** log P(X = k) for X ~ Binomial(n, p); k and n integers. */
export function logDbinom(k: number, n: number, p: number): number {
  if (k < 0 || k > n) return -Infinity;
  if (p === 0) return k === 0 ? 0 : -Infinity;
  if (p === 1) return k === n ? 0 : -Infinity;
  const a = k === 0 ? 0 : k * Math.log(p);
  const b = n - k === 0 ? 0 : (n - k) * Math.log1p(-p);
  return lchoose(n, k) + a + b;
}

/**
 * log P(X = y) for X ~ Poisson(mu). For a non-integer y (R's dpois gives 0, so glmer's logLik is
 * -Inf and its optimizer cannot move) the continuous extension y log mu - mu - log Γ(y + 1) is used,
 * so such data still give the quasi-Poisson estimates; the caller warns.
 */
export function logDpois(y: number, mu: number): number {
  if (y < 0) return -Infinity;
  const k = Math.abs(y - Math.round(y)) <= 1e-7 * Math.max(1, Math.abs(y)) ? Math.round(y) : y;
  if (mu === 0) return k === 0 ? 0 : -Infinity;
  return (k === 0 ? 0 : k * Math.log(mu)) - mu - lgamma(k + 1);
}
