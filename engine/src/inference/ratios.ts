/**
 * Odds ratios (binomial, logit link), rate ratios (Poisson, log link) and ratios of means (other log
 * links; coefficients.ts ratioKind) of a GLMM: exp(β) with the
 * exponentiated Wald interval exp(β ± z·SE), the scale on which such coefficients are reported.
 * The intercept becomes the baseline odds / rate. Other links have no ratio reading: null.
 */
import type { FitResult } from '../result';
import { qnorm } from './distributions';
import { ratioKind, ratioScale, type RatioKind } from './coefficients';

export interface RatioRow {
  name: string;
  ratio: number;
  lower: number;
  upper: number;
}

export interface RatioTable {
  /** 'odds ratio', 'rate ratio' or 'ratio'. */
  kind: RatioKind;
  level: number;
  rows: RatioRow[];
  note: string;
}

export function ratios(result: FitResult, level = 0.95): RatioTable | null {
  const kind = ratioKind(result);
  if (!kind) return null;
  const z = qnorm(0.5 + level / 2);
  const rows = result.coefnames.map((name) => {
    const b = result.fixef[name];
    const se = result.se[name];
    return { name, ratio: Math.exp(b), lower: Math.exp(b - z * se), upper: Math.exp(b + z * se) };
  });
  const base = `the ${ratioScale(result)}`;
  return { kind, level, rows, note: `exp(coefficient) with the ${level * 100}% Wald interval exp(estimate ± ${z.toFixed(2)} × SE); the intercept row is ${base} at the reference levels with covariates 0.` };
}
