/**
 * Read-only access to what the engine put on a FitResult, for the renderers: the coefficient table
 * with its intervals, variance components grouped by factor, ICC, R² and the engine's sentences.
 * Nothing here computes a statistic. Tolerates the reference fits' R-style scalars (a 1-element
 * vector written as a scalar).
 */
import type { CoefficientRow, FitResult, IccGroupRow } from '../../../engine/src/index';

export function asArray<T>(x: T | T[] | null | undefined): T[] {
  if (x === null || x === undefined) return [];
  return Array.isArray(x) ? x : [x];
}

export function isGaussian(fit: FitResult): boolean {
  return fit.family === 'gaussian';
}

export interface CoefRow extends CoefficientRow {
  statName: 't' | 'z';
}

/** Coefficient table rows as the engine computed them (FitResult.coefficients); without them, estimates and SEs only. */
export function coefRows(fit: FitResult): CoefRow[] {
  const statName = isGaussian(fit) ? 't' : 'z';
  const given = asArray(fit.coefficients);
  if (given.length) return given.map((r) => ({ ...r, statName }));
  return asArray(fit.coefnames).map((name) => {
    const t = fit.tests?.[name];
    return {
      name,
      estimate: fit.fixef[name],
      se: fit.se[name],
      statistic: t?.statistic ?? NaN,
      df: t?.df ?? null,
      p: t?.p ?? null,
      lower: NaN,
      upper: NaN,
      statName,
    };
  });
}

/** The interval's method as the engine names it ('95% CI (t, Satterthwaite df)', '95% Wald CI (z)'). */
export function intervalName(fit: FitResult): string {
  return fit.intervalMethod ?? '95% CI';
}

/** A column header for the interval that stays short in a narrow panel: '95% CI (t)', '95% Wald CI'. */
export function intervalHeader(fit: FitResult): string {
  // the df method stays in the caption and the title: '95% CI (t, between/within df)' -> '95% CI (t)'
  return intervalName(fit).replace(/, [^,)]*df\)/, ')').replace(' (z)', '');
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

/** The engine's ICC per grouping factor (FitResult.iccGroups). */
export function iccRows(fit: FitResult): IccGroupRow[] {
  return asArray(fit.iccGroups);
}

/** The engine's one-sentence reading of the ICC, or null when it is not defined. */
export function iccSentence(fit: FitResult): string | null {
  return fit.interpretation?.icc ?? null;
}

/** The engine's sentence for a variance or correlation row of VarCorr (FitResult.interpretation.varcorr, in varcorr order). */
export function varCorrSentence(fit: FitResult, grp: string, var1: string | null, var2: string | null): string | null {
  const vc = asArray(fit.varcorr);
  const k = vc.findIndex((r) => r.grp === grp && r.var1 === var1 && (r.var2 ?? null) === var2);
  return k >= 0 ? (fit.interpretation?.varcorr?.[k] ?? null) : null;
}

/** The engine's plain-words reading of a fixed effect (FitResult.interpretation.fixef), or null. */
export function explainCoef(fit: FitResult, name: string): string | null {
  return fit.interpretation?.fixef?.[name] ?? null;
}

/** Nakagawa's R² as the engine computed it, or null. */
export function r2Of(fit: FitResult): { marginal: number; conditional: number; sentence: string | null } | null {
  const r2 = fit.r2;
  if (!r2 || typeof r2.marginal !== 'number' || typeof r2.conditional !== 'number') return null;
  return { marginal: r2.marginal, conditional: r2.conditional, sentence: fit.interpretation?.r2 ?? null };
}
