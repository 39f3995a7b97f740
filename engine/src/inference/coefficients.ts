/**
 * The fixed-effects table as the results panel and exports show it: each coefficient's test (the
 * fit's Satterthwaite t or Wald z test) with a 95% confidence interval of the same kind (t quantile
 * with the test's df for LMMs, as lmerTest's contest1D(confint = TRUE); z quantile for GLMMs, as
 * confint(method = "Wald")), and for logit / log links the odds, rate or other ratio exp(estimate) with its
 * interval. Also the ICC of each grouping factor with a sentence. Pure functions of a FitResult;
 * inference/enrich.ts stores their output on the result.
 */
import type { CoefficientRow, FitResult, IccGroupRow } from '../result';
import { normalUpper, qnorm, qt, tTwoSided } from './distributions';
import { icc as iccOf, type IccResult } from './variance';

export const COEF_LEVEL = 0.95;

/** Name of the interval a coefficient row carries, e.g. "95% CI (t, Satterthwaite df)". */
export function intervalMethod(fit: FitResult): string {
  if (fit.family !== 'gaussian') return '95% Wald CI (z)';
  const hasDf = fit.satterthwaite || Object.values(fit.tests ?? {}).some((t) => t.df !== null);
  if (!hasDf || fit.dfMethod === 'asymptotic') return '95% Wald CI (z)';
  // the df of the model's tests (the df: key)
  const names: Record<string, string> = { 'kenward-roger': 'Kenward-Roger df', 'between-within': 'between/within df', residual: 'residual df' };
  return `95% CI (t, ${names[fit.dfMethod ?? ''] ?? 'Satterthwaite df'})`;
}

/** What exp(estimate) of a GLMM's coefficient is: an odds ratio (logit), a rate ratio (Poisson, log), a ratio (other log links). */
export type RatioKind = 'odds ratio' | 'rate ratio' | 'ratio';

/**
 * The ratio shown beside a GLMM's coefficients (exp of the estimate), or null for links without one.
 * emmeans names the back-transformed contrasts `odds.ratio` for a logit link and `ratio` for every log
 * link; a Poisson mean is a rate, so its ratio is a rate ratio; a log link on a Gamma, inverse
 * Gaussian or negative binomial mean, or on a binomial probability, gives a ratio of means
 * (probabilities).
 */
export function ratioKind(fit: Pick<FitResult, 'family' | 'link'>): RatioKind | null {
  if (fit.family === 'binomial' && fit.link === 'logit') return 'odds ratio';
  if (fit.link === 'log') return fit.family === 'poisson' ? 'rate ratio' : 'ratio';
  return null;
}

/** What a ratio multiplies: 'odds', 'rate', 'probability' (binomial, log link) or 'mean'; null without a ratio. */
export function ratioScale(fit: Pick<FitResult, 'family' | 'link'>): 'odds' | 'rate' | 'probability' | 'mean' | null {
  const kind = ratioKind(fit);
  if (kind === null) return null;
  if (kind === 'odds ratio') return 'odds';
  if (kind === 'rate ratio') return 'rate';
  return fit.family === 'binomial' ? 'probability' : 'mean';
}

export function coefficientRows(fit: FitResult): CoefficientRow[] {
  const gaussian = fit.family === 'gaussian';
  const ratio = ratioKind(fit);
  return fit.coefnames.map((name) => {
    const estimate = fit.fixef[name];
    const se = fit.se[name];
    const given = fit.tests?.[name];
    const statistic = given?.statistic ?? estimate / se;
    let df: number | null = given ? given.df : gaussian ? (fit.satterthwaite?.df?.[name] ?? null) : null;
    if (df !== null && !(Number.isFinite(df) && df > 0)) df = null;
    let p: number | null = given ? given.p : null;
    if (p === null || p === undefined) p = df !== null ? tTwoSided(statistic, df) : gaussian ? null : 2 * normalUpper(Math.abs(statistic));
    const q = df !== null ? qt(0.5 + COEF_LEVEL / 2, df) : qnorm(0.5 + COEF_LEVEL / 2);
    // the test's standard error (Kenward-Roger adjusts it; the others use the model's)
    const w = given?.se ?? se;
    const lower = estimate - q * w;
    const upper = estimate + q * w;
    const row: CoefficientRow = { name, estimate, se, statistic, df, p, lower, upper };
    if (ratio && name !== '(Intercept)') row.ratio = { estimate: Math.exp(estimate), lower: Math.exp(lower), upper: Math.exp(upper) };
    return row;
  });
}

/** The ICC of each grouping factor (random-intercept models), with its sentence. Empty when not defined. */
export function iccGroupRows(fit: FitResult, res: IccResult = iccOf(fit)): IccGroupRow[] {
  if (!res.applicable) return [];
  const latent = fit.family === 'gaussian' ? '' : ' on the latent scale';
  return res.groups.map((g) => ({
    group: g.group,
    icc: g.icc,
    explanation:
      `${(100 * g.icc).toPrecision(3)}% of the total variance${latent} lies between levels of ${g.group} ` +
      `(level-1 variance: ${res.residual.description}); it is also the expected correlation of two observations in the same ${g.group}.`,
  }));
}
