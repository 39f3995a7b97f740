/**
 * Dispatch of a model frame to the right fitter: gaussian -> lmm/fitLmm (lmer),
 * binomial and poisson -> glmm/fitGlmm (glmer, Laplace or adaptive Gauss-Hermite).
 */
import { CancelledError, MlmError, type SourceRange } from './diagnostics';
import type { ModelFrame } from './frame/types';
import { runStepsAsync, Ticker, type FitHooks } from './hooks';
import type { FitResult } from './result';
import { LinearMixedModel } from './lmm/model';
import { fitGlmmModel, type GlmmDeviance } from './glmm/fit';
import type { DispersionDeviance } from './glmm/dispersion';
import { withInference } from './inference/enrich';
import { sampleObservations, withPlotDataSteps } from './plotdata';
import { withEffectFigures } from './effects';
import { deepFreeze } from './freeze';
import { withSimulatedResiduals } from './inference/simres';
import { postFitSummary } from './inference/postfit';
import type { ModelDecl } from './mlmfile/types';
import type { DataTable } from './data/types';
import type { DfMethod } from './inference/dfmethod';
import type { StructureData } from './nlme/data';
import { fitLme } from './nlme/fit';
import type { LmeModel } from './nlme/model';

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
  /** Attach the results panel's plot data and plot statistics (FitResult.plotData; the language server asks for them). */
  plotData?: boolean;
  /**
   * At most this many rows in the result's per-observation arrays (fitted, residuals, plot data): a larger fit keeps an
   * evenly spaced sample of them (FitResult.observationSample), computed after everything that needs all rows. The
   * language server sets it: millions of values would take seconds to freeze and to send to the editor.
   */
  observationLimit?: number;
  /** Attach the after-the-fit results (F tests, the means: and estimate: lines, ratios) of this model declaration and table. */
  postfit?: { model: ModelDecl; table: DataTable };
  /** How the data reached the fit (FitResult.dataSource), when not the built-in CSV reader. */
  dataSource?: string;
}

/**
 * The model object of a fit, built once: the criterion as a function of the parameters (lmer's
 * profiled deviance / REML criterion of θ; glmer's Laplace or AGQ deviance of (θ, β)). Satterthwaite,
 * profiles and the bootstrap take it; nothing rebuilds a model from a FitResult.
 */
export type MixedModel = LinearMixedModel | GlmmDeviance | DispersionDeviance | LmeModel;

/** A fit: its model frame, its result and the model object that produced it. */
export interface FittedMixedModel {
  frame: ModelFrame;
  result: FitResult;
  model: MixedModel;
}

/** Fit a model frame; the FitResult (plain JSON). */
export async function fitModel(frame: ModelFrame, spec: FitSpec, hooks?: FitHooks): Promise<FitResult> {
  return (await fitMixedModel(frame, spec, hooks)).result;
}

/** Fit a model frame; the FitResult together with the model object (for confint and other inference on the fit). */
export async function fitMixedModel(frame: ModelFrame, spec: FitSpec, hooks?: FitHooks): Promise<FittedMixedModel> {
  if (frame.reTerms.length === 0) {
    throw new MlmError({
      code: 'no-random-effects',
      message: 'the formula has no random-effects term such as (1 | group); a mixed model needs at least one',
      range: spec.range,
    });
  }
  let fitted: FittedMixedModel;
  try {
    fitted = await dispatch(frame, spec, hooks);
  } catch (e) {
    if (e instanceof MlmError && !e.diagnostic.range && spec.range) {
      throw new MlmError({ ...e.diagnostic, range: spec.range });
    }
    throw numericalFailure(e, frame, spec);
  }
  const bad = nonFiniteFigure(fitted.result);
  if (bad) {
    throw new MlmError({
      code: 'non-finite-result',
      message: `the fit did not produce finite estimates (${bad} is not a finite number). ${advice(frame)}`,
      range: spec.range,
    });
  }
  // Complete when it leaves the engine (plot data included), then frozen: nothing downstream changes it.
  // GLMMs' plot data carry DHARMa's simulated residuals (250 simulations, seed 1) for the panel's residual checks.
  // Each stage over the rows yields (ticker) so that a language server keeps answering while a large model is finished.
  const ticker = new Ticker(hooks);
  let result = fitted.result;
  if (spec.plotData) {
    await ticker.tick({ stage: 'plot data', evaluations: 0 });
    result = await runStepsAsync(withPlotDataSteps(frame, result), ticker, 'plot data');
    result = await withSimulatedResiduals(frame, result, hooks);
    await ticker.tick({ stage: 'effect plots', evaluations: 0 });
  }
  // effect plots: reference grids of the model's declaration (effects.ts), bands with the df of the after-the-fit results
  if (spec.plotData && spec.postfit) result = await withEffectFigures(result, { ...spec.postfit, frame, mixedModel: fitted.model }, hooks);
  // F tests, the means: and estimate: lines and ratios, from the fitted model (no refit)
  if (spec.postfit) {
    await ticker.tick({ stage: 'after the fit', evaluations: 0 });
    result = { ...result, postfit: await postFitSummary({ ...spec.postfit, frame, result, mixedModel: fitted.model }, hooks) };
  }
  if (spec.dataSource) result = { ...result, dataSource: spec.dataSource };
  if (spec.observationLimit !== undefined) result = sampleObservations(result, spec.observationLimit);
  await ticker.tick({ stage: 'result', evaluations: 0 });
  return { ...fitted, result: deepFreeze(result) };
}

/** What to try when the numerics fail: the same advice for every family, plus separation for binomial models. */
function advice(frame: ModelFrame): string {
  const tips = ['rescale predictors with large or tiny values (e.g. scale(x) or x / 1000)', 'simplify the random effects'];
  if (frame.family === 'binomial') tips.push('check for complete separation (a predictor or group that predicts the outcome perfectly)');
  if (frame.weights) tips.push('check the weights');
  return `Try to ${tips.join('; ')}.`;
}

/**
 * An Error thrown inside the numerics (a system that is not positive definite, an eigenvalue iteration
 * that does not converge, an allocation too large) as a located MlmError with advice. Cancellation,
 * MlmErrors and programming errors (TypeError, stack overflow) pass unchanged.
 */
function numericalFailure(e: unknown, frame: ModelFrame, spec: FitSpec): unknown {
  if (e instanceof MlmError || e instanceof CancelledError || !(e instanceof Error)) return e;
  if (e instanceof RangeError && /array length|allocation|buffer/i.test(e.message)) {
    return new MlmError({
      code: 'too-large',
      message: `the model is too large to fit in memory (${frame.n} rows, ${frame.p} fixed-effect columns): ${e.message}. Simplify the model or use fewer rows.`,
      range: spec.range,
    });
  }
  if (e instanceof TypeError || e instanceof RangeError || e instanceof SyntaxError || e instanceof ReferenceError) return e;
  return new MlmError({
    code: 'numerical-failure',
    message: `the fit failed: ${e.message.replace(/\.$/, '')}. ${advice(frame)}`,
    range: spec.range,
  });
}

/** The first figure of a result that is not a finite number (estimates, standard errors, variances, likelihood), or null. */
export function nonFiniteFigure(r: FitResult): string | null {
  for (const name of r.coefnames) {
    if (!Number.isFinite(r.fixef[name])) return `the estimate of ${name}`;
    if (!Number.isFinite(r.se[name])) return `the standard error of ${name}`;
  }
  for (const v of r.varcorr) {
    if (v.var2 === null && !Number.isFinite(v.vcov)) return `the variance of ${v.grp}${v.var1 ? ` ${v.var1}` : ''}`;
  }
  if (!Number.isFinite(r.sigma)) return 'sigma';
  if (r.theta.some((t) => !Number.isFinite(t))) return 'theta';
  if (!Number.isFinite(r.logLik)) return 'the log-likelihood';
  return null;
}

async function dispatch(frame: ModelFrame, spec: FitSpec, hooks?: FitHooks): Promise<FittedMixedModel> {
  if (spec.structures) {
    if (frame.family !== 'gaussian' || frame.link !== 'identity')
      throw new MlmError({ code: 'bad-structure', message: "correlation: and variance: need a gaussian model with the identity link (nlme's lme)" });
    const df = spec.df ?? 'between-within';
    if (df === 'satterthwaite' || df === 'kenward-roger')
      throw new MlmError({ code: 'bad-value', message: `df: ${df} is not available for a model fitted by nlme's likelihood; use between-within, residual or asymptotic` });
    const { result: r, model } = await fitLme(frame, spec.structures, { REML: spec.REML, id: spec.id }, hooks);
    const e = await withInference(r, frame, model, hooks, df);
    // the ICC and Nakagawa's R² assume independent residuals of one variance: not reported with structures
    const interpretation = e.interpretation ? { fixef: e.interpretation.fixef, varcorr: spec.structures.variance ? [] : e.interpretation.varcorr } : undefined;
    return { frame, model, result: { ...e, r2: null, icc: null, ...(interpretation ? { interpretation } : {}) } };
  }
  if (frame.family === 'gaussian' && frame.link === 'identity') {
    const startedAt = Date.now();
    // the cross products are formed in slices of rows that yield (a large model in the language server)
    const model = await LinearMixedModel.create(frame, { REML: spec.REML }, new Ticker(hooks));
    const r = await model.fit(hooks, spec.id, startedAt);
    // t tests with the df: method (default Satterthwaite, lmerTest, at the fit's θ and σ) and Nakagawa R²
    return { frame, model, result: await withInference({ ...r, id: spec.id }, frame, model, hooks, spec.df ?? 'satterthwaite') };
  }
  const { result: r, model } = await fitGlmmModel(frame, { nAGQ: spec.nAGQ, id: spec.id }, hooks);
  // Wald z tests and Nakagawa R²
  return { frame, model, result: await withInference({ ...r, id: spec.id }, frame, model, hooks) };
}
