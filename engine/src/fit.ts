/**
 * Dispatch of a model frame to the right fitter: gaussian -> lmm/fitLmm (lmer),
 * binomial and poisson -> glmm/fitGlmm (glmer, Laplace or adaptive Gauss-Hermite).
 */
import { MlmError, type SourceRange } from './diagnostics';
import type { ModelFrame } from './frame/types';
import type { FitHooks } from './hooks';
import type { FitResult } from './result';
import { fitLmm } from './lmm/index';
import { fitGlmm } from './glmm/index';
import { withInference } from './inference/enrich';
import type { DfMethod } from './inference/dfmethod';
import type { StructureData } from './nlme/data';
import { fitLme } from './nlme/fit';

export interface FitSpec {
  /** Model name (FitResult.id). */
  id: string;
  /** REML (gaussian only; ignored for GLMMs, which glmer fits by maximum likelihood). */
  REML: boolean;
  /** Quadrature points for GLMMs: 1 = Laplace (ignored for gaussian). */
  nAGQ: number;
  /** Denominator df of the t tests (`df:`); default satterthwaite. */
  df?: DfMethod;
  /** Data of `correlation:` / `variance:` (nlme/data.ts); the model is then fitted by nlme's likelihood. */
  structures?: StructureData | null;
  /** Range of the model's formula in the .mlm: attached to fitters' MlmErrors that have no range. */
  range?: SourceRange;
}

export async function fitModel(frame: ModelFrame, spec: FitSpec, hooks?: FitHooks): Promise<FitResult> {
  if (frame.reTerms.length === 0) {
    throw new MlmError({
      code: 'no-random-effects',
      message: 'the formula has no random-effects term such as (1 | group); a mixed model needs at least one',
      range: spec.range,
    });
  }
  try {
    return await dispatch(frame, spec, hooks);
  } catch (e) {
    if (e instanceof MlmError && !e.diagnostic.range && spec.range) {
      throw new MlmError({ ...e.diagnostic, range: spec.range });
    }
    throw e;
  }
}

async function dispatch(frame: ModelFrame, spec: FitSpec, hooks?: FitHooks): Promise<FitResult> {
  if (spec.structures) {
    if (frame.family !== 'gaussian' || frame.link !== 'identity')
      throw new MlmError({ code: 'bad-structure', message: "correlation: and variance: need a gaussian model with the identity link (nlme's lme)" });
    const df = spec.df ?? 'between-within';
    if (df === 'satterthwaite' || df === 'kenward-roger')
      throw new MlmError({ code: 'bad-value', message: `df: ${df} is not available for a model fitted by nlme's likelihood; use between-within, residual or asymptotic` });
    const r = await fitLme(frame, spec.structures, { REML: spec.REML, id: spec.id }, hooks);
    return withInference(r, frame, hooks, df);
  }
  if (frame.family === 'gaussian' && frame.link === 'identity') {
    const r = await fitLmm(frame, { REML: spec.REML, id: spec.id }, hooks);
    r.id = spec.id;
    // t tests with the df: method (default Satterthwaite, lmerTest, at the fit's θ and σ) and Nakagawa R²
    return withInference(r, frame, hooks, spec.df ?? 'satterthwaite');
  }
  const r = await fitGlmm(frame, { nAGQ: spec.nAGQ, id: spec.id }, hooks);
  r.id = spec.id;
  // Wald z tests and Nakagawa R²
  return withInference(r, frame, hooks);
}
