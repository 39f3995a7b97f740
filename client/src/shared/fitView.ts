/**
 * Derived, read-only views of a FitResult for the renderers: coefficient tests with intervals,
 * variance components grouped by factor, ICC, and plain-words explanations. Tolerates the
 * reference fits' R-style scalars (a 1-element vector written as a scalar).
 */
import {
  type FitResult,
  type TestRow,
  icc,
  interpretFixedEffect,
  interpretIcc,
  interpretVarCorr,
} from '../../../engine/src/index';
import { fmt, fmtP } from './format';
import { pnormUpper } from './normal';

export function asArray<T>(x: T | T[] | null | undefined): T[] {
  if (x === null || x === undefined) return [];
  return Array.isArray(x) ? x : [x];
}

export function isGaussian(fit: FitResult): boolean {
  return fit.family === 'gaussian';
}

export interface CoefRow extends TestRow {
  name: string;
  statName: 't' | 'z';
  lower: number;
  upper: number;
  intervalKind: string;
}

const Z975 = 1.959963984540054;

/** Coefficient table rows: the fit's tests when present, else Satterthwaite (LMM) or Wald z (GLMM). */
export function coefRows(fit: FitResult): CoefRow[] {
  const names = asArray(fit.coefnames);
  const gaussian = isGaussian(fit);
  return names.map((name) => {
    const estimate = fit.fixef[name];
    const se = fit.se[name];
    const given = fit.tests?.[name];
    const statistic = given?.statistic ?? estimate / se;
    let df: number | null = given ? given.df : null;
    let p: number | null = given ? given.p : null;
    if (!given) {
      if (gaussian) {
        df = fit.satterthwaite?.df?.[name] ?? null;
        p = fit.satterthwaite?.p?.[name] ?? null;
      } else {
        p = 2 * pnormUpper(Math.abs(statistic));
      }
    }
    return {
      name,
      estimate,
      se,
      statistic,
      df,
      p,
      statName: gaussian ? 't' : 'z',
      lower: estimate - Z975 * se,
      upper: estimate + Z975 * se,
      intervalKind: '95% Wald interval (estimate ± 1.96 standard errors)',
    };
  });
}

export interface VarianceRow {
  grp: string;
  name: string; // term name, or '' for the residual
  variance: number;
  sd: number;
  /** Correlations with the earlier terms of the same group, in order. */
  corr: (number | null)[];
}

/** lme4's "Random effects" block: one row per variance with its correlations. */
export function varianceRows(fit: FitResult): VarianceRow[] {
  const vc = asArray(fit.varcorr);
  const rows: VarianceRow[] = [];
  for (const r of vc) {
    if (r.var2 !== null && r.var2 !== undefined) continue;
    rows.push({ grp: r.grp, name: r.var1 ?? '', variance: r.vcov, sd: r.sdcor, corr: [] });
  }
  for (const row of rows) {
    const earlier = rows.filter((o) => o.grp === row.grp && o !== row && rows.indexOf(o) < rows.indexOf(row));
    row.corr = earlier.map((o) => {
      const c = vc.find(
        (r) => r.grp === row.grp && r.var2 !== null && ((r.var1 === o.name && r.var2 === row.name) || (r.var1 === row.name && r.var2 === o.name)),
      );
      return c ? c.sdcor : null;
    });
  }
  return rows;
}

export interface IccRow {
  group: string;
  value: number;
  explanation: string;
}

/**
 * Intraclass correlations (engine/src/inference/variance.ts: random-intercept models only; level-1
 * variance sigma² for gaussian, π²/3 for logit, a lognormal approximation for Poisson): the share of
 * the total variance that lies between the levels of each grouping factor. Empty when undefined.
 */
export function iccRows(fit: FitResult): IccRow[] {
  const res = icc(fit);
  if (!res.applicable) return [];
  const latent = isGaussian(fit) ? '' : ' on the latent scale';
  return res.groups.map((g) => ({
    group: g.group,
    value: g.icc,
    explanation:
      `${fmt(100 * g.icc, 3)}% of the total variance${latent} lies between levels of ${g.group} ` +
      `(level-1 variance: ${res.residual.description}); it is also the expected correlation of two observations in the same ${g.group}.`,
  }));
}

/** The engine's one-sentence reading of the ICC, or null when it is not defined. */
export function iccSentence(fit: FitResult): string | null {
  const res = icc(fit);
  return res.applicable ? interpretIcc(fit, res) : null;
}

/** The engine's sentence for a variance or correlation row of VarCorr. */
export function varCorrSentence(fit: FitResult, grp: string, var1: string | null, var2: string | null): string | null {
  const row = asArray(fit.varcorr).find((r) => r.grp === grp && r.var1 === var1 && (r.var2 ?? null) === var2);
  return row ? interpretVarCorr(fit, { ...row, var2: row.var2 ?? null }) : null;
}

/** A plain-words reading of a fixed effect. */
export function explainCoef(fit: FitResult, row: CoefRow): string {
  try {
    return interpretFixedEffect(fit, row.name);
  } catch {
    return fallbackExplainCoef(fit, row);
  }
}

function fallbackExplainCoef(fit: FitResult, row: CoefRow): string {
  const y = fit.responseName || 'the response';
  const scale =
    fit.family === 'binomial' && fit.link === 'logit'
      ? ' on the log-odds scale'
      : fit.link === 'log'
        ? ' on the log scale'
        : fit.link === 'probit'
          ? ' on the probit scale'
          : '';
  let s: string;
  if (row.name === '(Intercept)') {
    s = `Estimated ${y}${scale} when every predictor is zero (factors at their reference level): ${fmt(row.estimate)}.`;
  } else if (row.name.includes(':')) {
    s = `Interaction ${row.name}: how much the effect of one of its terms changes per unit of the other${scale}: ${fmt(row.estimate)}.`;
  } else {
    s = `Estimated change in ${y}${scale} for a one-unit increase in ${row.name} (or this level against the reference level), other predictors held fixed: ${fmt(row.estimate)}.`;
  }
  if (fit.family === 'binomial' && fit.link === 'logit' && row.name !== '(Intercept)') s += ` Odds ratio exp(estimate) = ${fmt(Math.exp(row.estimate))}.`;
  if (fit.link === 'log' && row.name !== '(Intercept)') s += ` Rate ratio exp(estimate) = ${fmt(Math.exp(row.estimate))}.`;
  if (row.p !== null) {
    s += ` p = ${fmtP(row.p)}: ${row.p < 0.05 ? 'unlikely' : 'not unlikely'} under the hypothesis that the true value is zero.`;
  }
  return s;
}

/** Optional richer content that inference modules may attach to a result (read defensively). */
export interface ResultExtras {
  interpretation?: Record<string, string>;
  r2?: { marginal: number; conditional: number } | null;
  icc?: IccRow[];
}

/** Reads extras that other parts of the engine may have added to the result object. */
export function extrasOf(fit: FitResult): ResultExtras {
  const any = fit as unknown as Record<string, unknown>;
  const out: ResultExtras = {};
  const interp = any.interpretation;
  if (interp && typeof interp === 'object' && !Array.isArray(interp)) {
    const m: Record<string, string> = {};
    for (const [k, v] of Object.entries(interp as Record<string, unknown>)) if (typeof v === 'string') m[k] = v;
    out.interpretation = m;
  }
  const r2 = (fit.r2 ?? any.r2) as Record<string, unknown> | undefined | null;
  if (r2 && typeof r2.marginal === 'number' && typeof r2.conditional === 'number') out.r2 = { marginal: r2.marginal, conditional: r2.conditional };
  return out;
}
