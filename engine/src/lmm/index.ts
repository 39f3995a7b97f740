/**
 * Linear mixed models (lme4's lmer). `fitLmm` fits a gaussian ModelFrame by ML or REML.
 * For inference (Satterthwaite, profiles, bootstrap): LinearMixedModel (./model). For GLMM/PIRLS: PlsSystem (./pls).
 */
import type { ModelFrame } from '../frame/types';
import type { FitHooks } from '../hooks';
import type { FitResult } from '../result';
import { LinearMixedModel } from './model';

export { LinearMixedModel } from './model';
export { PlsSystem, type PlsTerm } from './pls';

/** Fit a linear mixed model (REML or ML) to a gaussian model frame. */
export async function fitLmm(frame: ModelFrame, opts: { REML: boolean; id?: string }, hooks?: FitHooks): Promise<FitResult> {
  const startedAt = Date.now();
  const model = new LinearMixedModel(frame, { REML: opts.REML });
  return model.fit(hooks, opts.id, startedAt);
}
