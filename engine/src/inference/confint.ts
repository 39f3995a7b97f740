/**
 * lme4's confint(fit, method = "profile" | "Wald" | "boot") in one call: profile intervals for LMMs
 * (./profile) and GLMMs (./profileGlmm), Wald intervals for the fixed effects, parametric bootstrap
 * percentile intervals (./bootstrap; needs a seed and a number of replicates).
 */
import { MlmError } from '../diagnostics';
import type { MixedModel } from '../fit';
import type { FitHooks } from '../hooks';
import type { FitResult } from '../result';
import { bootstrapConfint } from './bootstrap';
import { profileConfint, waldConfint, type ConfintTable } from './profile';
import { profileConfintGlmm } from './profileGlmm';

export type ConfintMethod = 'profile' | 'Wald' | 'boot';

export interface ConfintOptions {
  level?: number;
  /** Bootstrap: replicates (default 500) and seed (default 1). */
  nsim?: number;
  seed?: number;
}

/** Intervals of a fit, from the model object its fit built (fitMixedModel). */
export async function confint(model: MixedModel, result: FitResult, method: ConfintMethod = 'profile', opts: ConfintOptions = {}, hooks?: FitHooks): Promise<ConfintTable> {
  const level = opts.level ?? 0.95;
  if (method === 'Wald') return waldConfint(result, level);
  if (model.kind === 'nlme')
    throw new MlmError({ code: 'confint-nlme', message: "profile and bootstrap intervals are not available for models with correlation: or variance: (fitted by nlme's likelihood); use --method Wald" });
  if (model.kind === 'glmm-dispersion') {
    throw new MlmError({
      code: 'confint-family',
      message: `${method} intervals are not available for a ${result.family} model (its dispersion parameter is estimated by the exact Laplace fit); use Wald intervals (confint --method Wald)`,
    });
  }
  if (method === 'boot') return bootstrapConfint(model, result, { nsim: opts.nsim ?? 500, seed: opts.seed ?? 1, level }, hooks);
  return model.kind === 'lmm' ? profileConfint(model, result, { level }, hooks) : profileConfintGlmm(model, result, { level }, hooks);
}
