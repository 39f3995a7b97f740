/**
 * The sections of lme4's print(summary(m)), each returned as lines, shared by the lmer and
 * glmer summaries.
 */
import type { FitResult } from '../result';
import { abbreviate } from './abbreviate';
import { printCoefmat, type CoefTable } from './coefmat';
import { catFill, printCharMatrix, printNamedVector, strwrap } from './rprint';
import { catNumber, formatR, quantiles5, R_WIDTH, roundR, zapsmall } from './rformat';
import { SINGULAR_MESSAGE } from '../optim/convergence';
import { formatVarCorr } from './varcorr';

export interface SummaryOptions {
  /** What lme4 prints after "Data:" (the data argument); the CLI passes the CSV path. Omitted when absent. */
  data?: string;
  /** Significant digits (lme4's default: max(3, getOption("digits") - 3) = 4). */
  digits?: number;
  /** Show the correlation of fixed effects: default when 1 < p <= 12, as lme4. */
  correlation?: boolean;
  /** Layout: lme4's summary or nlme's (default: nlme's for fits by nlme's likelihood, gaussian only). */
  style?: 'lme4' | 'nlme';
  /** Significance stars (default true). */
  signifStars?: boolean;
}

/** lme4's .prt.methTit: "TITLE ['class']", wrapped as R wraps it when longer than the line. */
export function titleLines(methTitle: string, cls: string): string[] {
  if (methTitle.length + 5 + cls.length > R_WIDTH) {
    const wrapped = strwrap(methTitle, R_WIDTH - 2, 2);
    return catFill([...wrapped, ' [', cls, ']'], '');
  }
  return [`${methTitle} ['${cls}']`];
}

export function callLines(r: FitResult, opts: SummaryOptions): string[] {
  const lines = catFill(['Formula:', r.formula]);
  if (opts.data) lines.push(...catFill(['   Data:', opts.data]));
  return lines;
}

/** "REML criterion at convergence: 1743.6" or the AIC/BIC/logLik/deviance/df.resid table. */
export function aicLines(r: FitResult): string[] {
  if (r.REML && r.REMLcrit !== null && r.REMLcrit !== undefined) {
    return catFill(['REML criterion at convergence:', remlCriterionText(r.REMLcrit)]);
  }
  return printNamedVector(['AIC', 'BIC', 'logLik', 'deviance', 'df.resid'], aicTable(r));
}

/** The figures of lme4's AIC table as summary prints them: AIC, BIC, logLik, deviance (-2 logLik), df.resid. */
export function aicTable(r: FitResult): string[] {
  const deviance = -2 * r.logLik;
  const dfResid = r.nobs - r.df;
  const vals = [r.AIC, r.BIC, r.logLik, deviance, dfResid].map((v) => roundR(v, 1));
  const f = formatR(vals).map((s) => s.trim());
  f[4] = formatR([vals[4]])[0].trim();
  return f;
}

/** "REML criterion at convergence:" as summary prints the value (rounded to 1 decimal). */
export function remlCriterionText(remlCrit: number): string {
  return catNumber(roundR(remlCrit, 1));
}

/** Scaled residual quantiles: from the result's figures, or from residuals / sigma. Null when unknown. */
export function scaledResidualQuantiles(r: FitResult): number[] | null {
  if (r.scaledResidualQuantiles && r.scaledResidualQuantiles.length === 5) return r.scaledResidualQuantiles;
  if (r.family === 'gaussian' && Array.isArray(r.residuals) && r.residuals.length > 0 && r.sigma > 0) {
    return quantiles5(r.residuals.map((e) => e / r.sigma));
  }
  return null;
}

export function residualLines(r: FitResult, digits: number): string[] {
  const q = scaledResidualQuantiles(r);
  if (!q) return [];
  const vals = formatR(zapsmall(q, digits + 1), digits).map((s) => s.trim());
  // a fit from SQL blocks: say when the quantiles come from a sample of the rows
  const rs = r.residualSummary;
  const head = rs && rs.source === 'sample' ? `Scaled residuals (a random sample of ${rs.rows} of ${rs.of} rows): ` : 'Scaled residuals: ';
  return [head, ...printNamedVector(['Min', '1Q', 'Median', '3Q', 'Max'], vals), ''];
}

export function randomEffectLines(r: FitResult, digits: number): string[] {
  const useScale = r.family === 'gaussian';
  return ['Random effects:', ...formatVarCorr(r.varcorr, useScale, digits)];
}

/** "Number of obs: 180, groups:  Subject, 18" */
export function groupsLines(r: FitResult): string[] {
  const grps = Object.entries(r.ngrps)
    .map(([g, n]) => `${g}, ${n}`)
    .join('; ');
  return catFill([`Number of obs: ${r.nobs}, groups: `, grps]);
}

export function fixedEffectLines(table: CoefTable, digits: number, opts: SummaryOptions): string[] {
  if (table.rowNames.length === 0) return [];
  return ['', 'Fixed effects:', ...printCoefmat(table, { digits, signifStars: opts.signifStars ?? true })];
}

/** lme4's abbreviated lower triangle of the correlation of the fixed effects. */
export function correlationLines(r: FitResult, opts: SummaryOptions): string[] {
  const names = r.coefnames;
  const p = names.length;
  const corMax = 12;
  const show = opts.correlation ?? p <= corMax;
  if (!show) {
    if (opts.correlation === undefined && p > corMax) {
      return [
        '',
        `Correlation matrix not shown by default, as p = ${p} > ${corMax}.`,
        'Use print(x, correlation=TRUE)  or',
        '    vcov(x)        if you need it',
        '',
      ];
    }
    return [];
  }
  if (p <= 1 || !Array.isArray(r.vcov) || r.vcov.length !== p) return [];
  const v = r.vcov;
  const flat: number[] = [];
  for (let j = 0; j < p; j++) {
    for (let i = 0; i < p; i++) flat.push(roundR(v[i][j] / Math.sqrt(v[i][i] * v[j][j]), 3));
  }
  const f = formatR(flat, 7, 3);
  const rowNames = abbreviate(names, 11).slice(1);
  const colNames = abbreviate(names, 6).slice(0, p - 1);
  const cells: string[][] = [];
  for (let i = 1; i < p; i++) {
    const row: string[] = [];
    for (let j = 0; j < p - 1; j++) row.push(j < i ? f[j * p + i] : '');
    cells.push(row);
  }
  return ['', 'Correlation of Fixed Effects:', ...printCharMatrix(rowNames, colNames, cells, { right: false })];
}

/** Warnings after the tables: singular fit, convergence, rows dropped, the result's own warnings. */
export function warningLines(r: FitResult): string[] {
  const out: string[] = [];
  const warnings = Array.isArray(r.warnings) ? r.warnings : [];
  if (r.singular && !warnings.some((w) => /singular/i.test(w))) {
    out.push(SINGULAR_MESSAGE);
  }
  if (r.converged === false && !warnings.some((w) => /converge/i.test(w))) {
    out.push('Model failed to converge: the optimizer stopped before it met its convergence criteria.');
  }
  out.push(...warnings);
  if (r.rowsDropped > 0) {
    out.push(`(${r.rowsDropped} observation${r.rowsDropped === 1 ? '' : 's'} deleted due to missingness)`);
  }
  if (r.droppedCoefs && r.droppedCoefs.length > 0 && !warnings.some((w) => /rank deficient/i.test(w))) {
    const k = r.droppedCoefs.length;
    out.push(`fixed-effect model matrix is rank deficient so dropping ${k} column${k === 1 ? '' : 's'} / coefficient${k === 1 ? '' : 's'} (${r.droppedCoefs.join(', ')})`);
  }
  return out;
}
