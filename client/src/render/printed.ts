/**
 * The figures of the results tables as R's print(summary(lmer/glmer)) shows them, from the engine's
 * summary formatters (engine/src/summary): the AIC table and REML criterion, formatVC's variances,
 * standard deviations and correlations, and printCoefmat's fixed-effects columns. Cells are trimmed
 * (R pads them to a common width); the exact values stay with the renderer.
 */
import {
  type FitResult,
  aicTable,
  remlCriterionText,
  varCorrCells,
  formatCoefmat,
  lmerCoefTable,
  glmerCoefTable,
} from '../../../engine/src/index';
import { asArray, isGaussian, type VarianceRow } from '../shared/fitView';
import { fmt } from '../shared/format';

/** lme4's default digits for summary (max(3, getOption("digits") - 3)). */
const DIGITS = 4;

export interface PrintedFitStats {
  AIC: string;
  BIC: string;
  logLik: string;
  /** -2 logLik, as summary's AIC table prints the deviance. */
  deviance: string;
  dfResid: string;
  /** The REML criterion at convergence, when the fit has one. */
  REMLcrit: string | null;
}

/** AIC, BIC, logLik, deviance and df.resid as the AIC table of summary() prints them (the REML criterion as its line does). */
export function printedFitStats(fit: FitResult): PrintedFitStats {
  const [AIC, BIC, logLik, deviance, dfResid] = aicTable(fit);
  const crit = fit.REMLcrit;
  return { AIC, BIC, logLik, deviance, dfResid, REMLcrit: crit === null || crit === undefined || !Number.isFinite(crit) ? null : remlCriterionText(crit) };
}

export interface PrintedVarianceRow {
  variance: string;
  sd: string;
  corr: string[];
}

/**
 * The Variance, Std.Dev. and Corr cells of formatVC for the panel's rows (shared/fitView varianceRows),
 * matched by group and term. A row summary() does not print (a residual of a GLMM) gets 4 significant digits.
 */
export function printedVarianceRows(fit: FitResult, rows: VarianceRow[]): PrintedVarianceRow[] {
  const { cells, groups } = varCorrCells(asArray(fit.varcorr), isGaussian(fit), DIGITS);
  const used = new Set<number>();
  return rows.map((r) => {
    const resid = r.grp === 'Residual' && r.name === '';
    const k = cells.findIndex((c, i) => !used.has(i) && groups[i] === r.grp && (resid ? c[1] === '' : c[1] === r.name));
    if (k < 0) return { variance: fmt(r.variance), sd: fmt(r.sd), corr: r.corr.map((c) => (c === null ? '' : fmt(c, 2))) };
    used.add(k);
    const c = cells[k];
    return { variance: c[2].trim(), sd: c[3].trim(), corr: c.slice(4).map((s) => s.trim()) };
  });
}

export interface PrintedCoefRow {
  estimate: string;
  se: string;
  /** Satterthwaite df ('' when the table has none). */
  df: string;
  statistic: string;
  p: string;
}

/** The fixed-effects columns as printCoefmat formats them for lme4's (lmerTest's, with df) or glmer's summary. */
export function printedCoefRows(fit: FitResult): PrintedCoefRow[] {
  const f = { ...fit, coefnames: asArray(fit.coefnames) };
  const table = isGaussian(f) ? lmerCoefTable(f) : glmerCoefTable(f);
  const { colNames, cells } = formatCoefmat(table, { digits: DIGITS, signifStars: false });
  const col = (name: string) => colNames.indexOf(name);
  const at = (row: string[], j: number) => (j < 0 ? '' : row[j].trim());
  const stat = col(isGaussian(fit) ? 't value' : 'z value');
  const p = colNames.findIndex((n) => n.startsWith('Pr('));
  return table.rowNames.map((_, i) => ({
    estimate: at(cells[i], col('Estimate')),
    se: at(cells[i], col('Std. Error')),
    df: at(cells[i], col('df')),
    statistic: at(cells[i], stat),
    p: at(cells[i], p),
  }));
}
