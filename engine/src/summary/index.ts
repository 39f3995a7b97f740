/** lme4-style text summaries of a FitResult. */
import type { FitResult } from '../result';
import { formatGlmerSummary } from './glmer';
import { formatGlmmTmbSummary } from './glmmtmb';
import { formatLmerSummary } from './lmer';
import { formatNlmeSummary } from './nlme';
import type { SummaryOptions } from './sections';

export { formatLmerSummary, lmerCoefTable } from './lmer';
export { formatGlmerSummary, glmerCoefTable } from './glmer';
export { formatNlmeSummary } from './nlme';
export { formatGlmmTmbSummary, dispersionLine } from './glmmtmb';
export type { SummaryOptions } from './sections';
export { formatR, formatPval, roundR, catNumber } from './rformat';
export { printCoefmat, SIGNIF_LEGEND } from './coefmat';
export { abbreviate } from './abbreviate';

/** lmer's summary for gaussian fits (nlme's for fits by nlme's likelihood or with style 'nlme'), glmmTMB's for the families with a dispersion parameter, glmer's otherwise. */
export function formatSummary(r: FitResult, opts: SummaryOptions = {}): string {
  if (r.family === 'gaussian') {
    const style = opts.style ?? (r.fitter === 'nlme' ? 'nlme' : 'lme4');
    return style === 'nlme' ? formatNlmeSummary(r, opts) : formatLmerSummary(r, opts);
  }
  return r.dispersion ? formatGlmmTmbSummary(r, opts) : formatGlmerSummary(r, opts);
}
