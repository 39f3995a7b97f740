/**
 * Degrees of freedom for linear functions Lβ of the fixed effects after a fit: Satterthwaite (from
 * lmerTest's ingredients, computed once per fit and reused for every contrast), asymptotic (z) for
 * GLMMs or on request; Kenward-Roger plugs in with its adjusted covariance. Marginal means, contrasts,
 * estimates and F tests all take one DfMethod, so a mean, its contrasts and the coefficient tests
 * share a method.
 */
import type { FitResult } from '../result';
import { contrastDf, type SatterthwaiteInternals } from './satterthwaite';

export interface DfMethod {
  /** As emmeans and lmerTest name it: 'Satterthwaite', 'Kenward-Roger', 'asymptotic'. */
  name: string;
  /** The covariance of β used for SEs (Kenward-Roger's is adjusted). */
  vcov: number[][];
  /** df of the contrast c (Infinity for asymptotic). */
  df(c: number[]): number;
  /** The ingredients of Satterthwaite's method, when that is the method (for multi-df F tests). */
  satterthwaite?: SatterthwaiteInternals;
}

export function satterthwaiteDf(parts: SatterthwaiteInternals): DfMethod {
  return { name: 'Satterthwaite', vcov: parts.V, df: (c) => contrastDf(c, parts).df, satterthwaite: parts };
}

export function asymptoticDf(result: FitResult): DfMethod {
  return { name: 'asymptotic', vcov: result.vcov, df: () => Infinity };
}
