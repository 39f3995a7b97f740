/** lme4-style text summaries of a FitResult. */
import type { FitResult } from '../result';
import { formatGlmerSummary } from './glmer';
import { formatLmerSummary } from './lmer';
import { formatNlmeSummary } from './nlme';
import type { SummaryOptions } from './sections';

export { formatLmerSummary, lmerCoefTable } from './lmer';
export { formatGlmerSummary, glmerCoefTable } from './glmer';
export { formatNlmeSummary } from './nlme';
export type { SummaryOptions } from './sections';
export { formatR, formatPval, roundR, catNumber } from './rformat';
export { printCoefmat, SIGNIF_LEGEND } from './coefmat';
export { abbreviate } from './abbreviate';

/** lmer's summary for gaussian fits (nlme's for fits by nlme's likelihood or with style 'nlme'), glmer's otherwise. */
export function formatSummary(r: FitResult, opts: SummaryOptions = {}): string {
  if (r.family !== 'gaussian') return formatGlmerSummary(r, opts);
  const style = opts.style ?? (r.fitter === 'nlme' ? 'nlme' : 'lme4');
  return style === 'nlme' ? formatNlmeSummary(r, opts) : formatLmerSummary(r, opts);
}
