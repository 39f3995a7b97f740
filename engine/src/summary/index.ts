/** lme4-style text summaries of a FitResult. */
import type { FitResult } from '../result';
import { formatGlmerSummary } from './glmer';
import { formatLmerSummary } from './lmer';
import type { SummaryOptions } from './sections';

export { formatLmerSummary, lmerCoefTable } from './lmer';
export { formatGlmerSummary, glmerCoefTable } from './glmer';
export type { SummaryOptions } from './sections';
export { formatR, formatPval, roundR, catNumber } from './rformat';
export { printCoefmat, SIGNIF_LEGEND } from './coefmat';
export { abbreviate } from './abbreviate';

/** lmer's summary for gaussian fits, glmer's otherwise. */
export function formatSummary(r: FitResult, opts: SummaryOptions = {}): string {
  return r.family === 'gaussian' ? formatLmerSummary(r, opts) : formatGlmerSummary(r, opts);
}
