/**
 * glmmTMB's print(summary(m)) for the families with a dispersion parameter (Gamma, inverse
 * Gaussian, negative binomial), the fits that glmm/dispersion.ts makes as glmmTMB does: the family
 * line, the AIC table, "Conditional model:" variance components, glmmTMB's dispersion line
 * ("Dispersion estimate for Gamma family (sigma^2): 0.00934", "Dispersion parameter for nbinom2
 * family (): 2.04") and the z tests. glmmTMB prints no scaled residuals and no correlation of the
 * fixed effects.
 */
import type { FitResult } from '../result';
import { printCoefmat } from './coefmat';
import { glmerCoefTable } from './glmer';
import { catFill } from './rprint';
import { catNumber } from './rformat';
import { aicLines, groupsLines, warningLines, type SummaryOptions } from './sections';
import { formatVarCorr } from './varcorr';

/** The family's name as glmmTMB prints it (its nbinom2 is our negbinomial). */
export function glmmTmbFamilyName(family: string): string {
  return family === 'negbinomial' ? 'nbinom2' : family;
}

/** glmmTMB's dispersion line: sigma² for Gamma (and inverse Gaussian), θ for the negative binomial. */
export function dispersionLine(r: FitResult): string | null {
  const d = r.dispersion;
  if (!d) return null;
  const fam = glmmTmbFamilyName(r.family);
  if (d.name === 'theta') return `Dispersion parameter for ${fam} family (): ${catNumber(d.value, 3)} `;
  return `Dispersion estimate for ${fam} family (sigma^2): ${catNumber(d.value * d.value, 3)} `;
}

export function formatGlmmTmbSummary(r: FitResult, opts: SummaryOptions = {}): string {
  const digits = opts.digits ?? 4;
  const disp = dispersionLine(r);
  const lines = [
    ` Family: ${glmmTmbFamilyName(r.family)}  ( ${r.link} )`,
    ...catFill(['Formula:         ', r.formula]),
    ...(opts.data ? [`Data: ${opts.data}`] : []),
    '',
    ...aicLines(r),
    '',
    'Random effects:',
    '',
    'Conditional model:',
    ...formatVarCorr(r.varcorr, false, digits),
    ...groupsLines(r),
    ...(disp ? ['', disp] : []),
    '',
    'Conditional model:',
    ...printCoefmat(glmerCoefTable(r), { digits, signifStars: opts.signifStars ?? true }),
    ...warningLines(r),
  ];
  return lines.join('\n') + '\n';
}
