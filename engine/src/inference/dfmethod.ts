/**
 * The denominator degrees of freedom of the coefficient t tests, by the model's `df:` key:
 * satterthwaite (lmerTest; the default of models without residual structures), kenward-roger
 * (lmerTest + pbkrtest: adjusted SE and df), between-within (nlme's containment DF; the default of models
 * with `correlation:` or `variance:`), residual (n − p, as lm) and asymptotic (z tests).
 */
import { CancelledError, MlmError } from '../diagnostics';
import type { ModelFrame } from '../frame/types';
import type { FitHooks } from '../hooks';
import type { FitResult, TestRow } from '../result';
import { betweenWithinDf, nestedLevels } from './betweenwithin';
import { tTwoSided } from './distributions';
import { kenwardRoger, kenwardRogerParts, type KenwardRogerParts } from './kenwardroger';
import { contrastDf, tTests, withTests, zTests, type SatterthwaiteInternals, type VarParModel } from './satterthwaite';
import { DF_METHODS, isDfMethod, type DfMethod } from '../mlmfile/keys';

export { DF_METHODS, isDfMethod, type DfMethod };

/**
 * A copy of the fit with `tests` (and `dfMethod`) following the method. GLMMs always get z tests
 * (dfMethod 'asymptotic'). Numerical failure of a method gives tests without df and a warning;
 * user errors (e.g. Kenward-Roger on an ML fit, between-within on crossed factors) are MlmErrors.
 */
export async function withDfTests(result: FitResult, frame: ModelFrame, method: DfMethod, hooks?: FitHooks, lmm?: VarParModel): Promise<FitResult> {
  if (result.family !== 'gaussian') return { ...(await withTests(result, undefined, hooks)), dfMethod: 'asymptotic' };
  switch (method) {
    case 'satterthwaite':
      return { ...(await withTests(result, lmm, hooks)), dfMethod: method };
    case 'asymptotic':
      return { ...result, tests: zTests(result), dfMethod: method };
    case 'residual': {
      const d = result.nobs - result.coefnames.length;
      return { ...result, tests: tTests(result, Object.fromEntries(result.coefnames.map((c) => [c, d]))), dfMethod: method };
    }
    case 'between-within':
      return { ...result, tests: tTests(result, betweenWithinDf(frame)), dfMethod: method };
    case 'kenward-roger': {
      let parts;
      try {
        parts = kenwardRogerParts(result, frame);
      } catch (e) {
        if (e instanceof MlmError || e instanceof CancelledError) throw e;
        return { ...result, tests: tTests(result, {}), dfMethod: method, warnings: [...result.warnings, `Kenward-Roger degrees of freedom could not be computed: ${(e as Error).message}`] };
      }
      const p = result.coefnames.length;
      const tests: Record<string, TestRow> = {};
      result.coefnames.forEach((name, j) => {
        const L = [Array.from({ length: p }, (_, i) => (i === j ? 1 : 0))];
        const kr = kenwardRoger(parts, L);
        const estimate = result.fixef[name];
        const se = Math.sqrt(kr.vcov[0][0]);
        const t = estimate / se;
        const ok = Number.isFinite(kr.df) && kr.df > 0;
        tests[name] = { estimate, se, statistic: t, df: ok ? kr.df : null, p: ok ? tTwoSided(t, kr.df) : null };
      });
      return { ...result, tests, dfMethod: method };
    }
  }
}

/**
 * df for any linear function Lβ after a fit (marginal means, contrasts, estimates, F tests): one
 * object per fit and method, its ingredients computed once and reused for every contrast.
 * Satterthwaite reads lmerTest's ingredients; Kenward-Roger pbkrtest's adjusted covariance Φ_A and
 * its df; asymptotic gives z (df = ∞) with the fit's vcov.
 */
export interface ContrastDf {
  /** As emmeans and lmerTest name it: 'Satterthwaite', 'Kenward-Roger', 'asymptotic'. */
  name: string;
  /** The covariance of β used for SEs (Kenward-Roger's is adjusted). */
  vcov: number[][];
  /** df of the contrast c (Infinity for asymptotic). */
  df(c: number[]): number;
  /** The ingredients of Satterthwaite's method, when that is the method (for multi-df F tests). */
  satterthwaite?: SatterthwaiteInternals;
  /** The ingredients of Kenward-Roger's method, when that is the method (for multi-df F tests). */
  kenwardRoger?: KenwardRogerParts;
}

export function satterthwaiteContrastDf(parts: SatterthwaiteInternals): ContrastDf {
  return { name: 'Satterthwaite', vcov: parts.V, df: (c) => contrastDf(c, parts).df, satterthwaite: parts };
}

export function kenwardRogerContrastDf(parts: KenwardRogerParts, p: number): ContrastDf {
  return { name: 'Kenward-Roger', vcov: parts.PhiA, df: (c) => (c.length === p ? kenwardRoger(parts, [c]).df : NaN), kenwardRoger: parts };
}

/**
 * emmeans' "containment" df for nlme's lme (its default): a linear function gets the smallest
 * between/within df (nlme's fixDF$X) of the coefficients it involves, the intercept's being the number of
 * groups of the outermost grouping factor minus one. SEs from the fit's vcov. `betweenWithin` holds the
 * per-coefficient df for nlme's F tests (anova.lme).
 */
export function containmentContrastDf(result: FitResult, frame: ModelFrame): ContrastDf & { betweenWithin: Record<string, number> } {
  const bw = betweenWithinDf(frame);
  const dfx = result.coefnames.map((c) => bw[c]);
  if (result.coefnames[0] === '(Intercept)') dfx[0] = nestedLevels(frame.reTerms)[0].levels - 1;
  return {
    name: 'containment',
    vcov: result.vcov,
    df: (c) => {
      let m = Infinity;
      c.forEach((v, i) => {
        if (Math.abs(v) > 1e-4) m = Math.min(m, dfx[i]);
      });
      return Number.isFinite(m) ? m : NaN;
    },
    betweenWithin: bw,
  };
}

export function asymptoticContrastDf(result: FitResult): ContrastDf {
  return { name: 'asymptotic', vcov: result.vcov, df: () => Infinity };
}
