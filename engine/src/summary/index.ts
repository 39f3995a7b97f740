/** lme4-style text summaries of a FitResult. */
import type { FitResult } from '../result';
import { formatGlmerSummary } from './glmer';
import { formatGlmmTmbSummary } from './glmmtmb';
import { formatLmerSummary } from './lmer';
import type { SummaryOptions } from './sections';

export { formatLmerSummary, lmerCoefTable } from './lmer';
export { formatGlmerSummary, glmerCoefTable } from './glmer';
export { formatGlmmTmbSummary, dispersionLine } from './glmmtmb';
export type { SummaryOptions } from './sections';
export { formatR, formatPval, roundR, catNumber } from './rformat';
export { printCoefmat, SIGNIF_LEGEND } from './coefmat';
export { abbreviate } from './abbreviate';

/** lmer's summary for gaussian fits, glmmTMB's for the families with a dispersion parameter, glmer's otherwise. */
export function formatSummary(r: FitResult, opts: SummaryOptions = {}): string {
  if (r.family === 'gaussian') return formatLmerSummary(r, opts);
  return r.dispersion ? formatGlmmTmbSummary(r, opts) : formatGlmerSummary(r, opts);
}
