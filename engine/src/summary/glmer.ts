/**
 * lme4's print(summary(glmer(...))): "Generalized linear mixed model fit by maximum likelihood
 * (Laplace Approximation) [glmerMod]", the family line, and z tests with Pr(>|z|).
 */
import type { FitResult } from '../result';
import type { CoefTable } from './coefmat';
import { normalUpper } from '../inference/distributions';
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

/** The fixed-effects table of a GLMM: Estimate, Std. Error, z value, Pr(>|z|). */
export function glmerCoefTable(r: FitResult): CoefTable {
  const est: number[] = [];
  const se: number[] = [];
  const z: number[] = [];
  const p: (number | null)[] = [];
  for (const name of r.coefnames) {
    const t = r.tests?.[name];
    const e = t?.estimate ?? r.fixef[name];
    const s = t?.se ?? r.se[name];
    const zv = t?.statistic ?? e / s;
    est.push(e);
    se.push(s);
    z.push(zv);
    p.push(t?.p ?? (Number.isFinite(zv) ? 2 * normalUpper(Math.abs(zv)) : null));
  }
  return {
    rowNames: r.coefnames.slice(),
    colNames: ['Estimate', 'Std. Error', 'z value', 'Pr(>|z|)'],
    columns: [est, se, z, p],
    hasPvalue: true,
  };
}

export function glmerMethodTitle(r: FitResult): string {
  const approx =
    r.nAGQ > 1 ? `(Adaptive Gauss-Hermite Quadrature, nAGQ = ${r.nAGQ})` : '(Laplace Approximation)';
  return `Generalized linear mixed model fit by maximum likelihood ${approx}`;
}

/** The text lme4 prints for summary() of a generalized linear mixed model. */
export function formatGlmerSummary(r: FitResult, opts: SummaryOptions = {}): string {
  const digits = opts.digits ?? 4;
  const lines = [
    ...titleLines(glmerMethodTitle(r), 'glmerMod'),
    ` Family: ${r.family}  ( ${r.link} )`,
    ...callLines(r, opts),
    '',
    ...aicLines(r),
    '',
    ...residualLines(r, digits),
    ...randomEffectLines(r, digits),
    ...groupsLines(r),
    ...fixedEffectLines(glmerCoefTable(r), digits, opts),
    ...correlationLines(r, opts),
    ...warningLines(r),
  ];
  return lines.join('\n') + '\n';
}
