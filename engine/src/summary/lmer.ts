/**
 * lme4's print(summary(lmer(...))): "Linear mixed model fit by REML ['lmerMod']" and its sections.
 * With Satterthwaite tests in the result (result.tests with df, or result.satterthwaite) the
 * fixed-effects table has lmerTest's df and Pr(>|t|) columns and lmerTest's title.
 */
import type { FitResult } from '../result';
import type { CoefTable } from './coefmat';
import {
  aicLines,
  callLines,
  correlationLines,
  fixedEffectLines,
  groupsLines,
  randomEffectLines,
  residualLines,
  titleLines,
  warningLines,
  type SummaryOptions,
} from './sections';

interface TRow {
  estimate: number;
  se: number;
  t: number;
  df: number | null;
  p: number | null;
}

function tRows(r: FitResult): TRow[] {
  return r.coefnames.map((name) => {
    const t = r.tests?.[name];
    const estimate = t?.estimate ?? r.fixef[name];
    const se = t?.se ?? r.se[name];
    const df = t?.df ?? r.satterthwaite?.df?.[name] ?? null;
    const p = t?.p ?? r.satterthwaite?.p?.[name] ?? null;
    return { estimate, se, t: t?.statistic ?? estimate / se, df, p };
  });
}

/** The fixed-effects table: lme4's three columns, or lmerTest's five when Satterthwaite df are known. */
export function lmerCoefTable(r: FitResult): CoefTable {
  const rows = tRows(r);
  const satt = rows.length > 0 && rows.every((x) => x.df !== null && x.p !== null);
  if (satt) {
    return {
      rowNames: r.coefnames.slice(),
      colNames: ['Estimate', 'Std. Error', 'df', 't value', 'Pr(>|t|)'],
      columns: [rows.map((x) => x.estimate), rows.map((x) => x.se), rows.map((x) => x.df), rows.map((x) => x.t), rows.map((x) => x.p)],
      hasPvalue: true,
    };
  }
  return {
    rowNames: r.coefnames.slice(),
    colNames: ['Estimate', 'Std. Error', 't value'],
    columns: [rows.map((x) => x.estimate), rows.map((x) => x.se), rows.map((x) => x.t)],
    hasPvalue: false,
  };
}

export function lmerMethodTitle(r: FitResult, satterthwaite: boolean): { title: string; cls: string } {
  let title = `Linear mixed model fit by ${r.REML ? 'REML' : 'maximum likelihood '}`;
  if (satterthwaite) title += ". t-tests use Satterthwaite's method";
  return { title, cls: satterthwaite ? 'lmerModLmerTest' : 'lmerMod' };
}

/** The text lme4 (lmerTest when Satterthwaite tests are present) prints for summary() of a linear mixed model. */
export function formatLmerSummary(r: FitResult, opts: SummaryOptions = {}): string {
  const digits = opts.digits ?? 4;
  const table = lmerCoefTable(r);
  const { title, cls } = lmerMethodTitle(r, table.hasPvalue);
  const lines = [
    ...titleLines(title, cls),
    ...callLines(r, opts),
    '',
    ...aicLines(r),
    '',
    ...residualLines(r, digits),
    ...randomEffectLines(r, digits),
    ...groupsLines(r),
    ...fixedEffectLines(table, digits, opts),
    ...correlationLines(r, opts),
    ...warningLines(r),
  ];
  return lines.join('\n') + '\n';
}
