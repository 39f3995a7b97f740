/**
 * `mlm check` (singular fits explained with lme4's rePCA, and a convergence verdict from refits by
 * several optimizers) and `mlm residuals` (DHARMa's simulated residuals and tests). Text for people,
 * or one JSON object with --json.
 */
import { explainSingular } from '../inference/singular';
import { checkConvergenceByRefits } from '../inference/allfit';
import { simulatedResiduals } from '../inference/simres';
import { formatModelCheck, formatResiduals } from '../summary/check';
import type { CliArgs } from './args';
import { eachModel } from './commands';
import type { CliStreams } from './session';

export function runCheck(args: CliArgs, io: CliStreams): Promise<number> {
  return eachModel(args, io, async (s, m, fitted) => {
    const singular = explainSingular(fitted.result);
    const convergence = await checkConvergenceByRefits(fitted, s.progress.hooks(`checking ${m.name}`));
    const warnings = fitted.result.warnings ?? [];
    return { text: formatModelCheck(singular, convergence, warnings), json: { singular, convergence, warnings } };
  }, { fromBlocks: true });
}

export function runResiduals(args: CliArgs, io: CliStreams): Promise<number> {
  return eachModel(args, io, async (s, m, fitted) => {
    const r = await simulatedResiduals(fitted.frame, fitted.result, { nsim: args.nsim ?? 250, seed: args.seed ?? 1 }, s.progress.hooks(`simulating ${m.name}`));
    return { text: formatResiduals(r).join('\n') + '\n', json: r };
  });
}
