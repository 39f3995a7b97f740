/**
 * Fitting a LinearMixedModel: bounded optimisation of the profiled criterion from lme4's start,
 * lme4's convergence checks, and the FitResult.
 */
import { runStepsAsync, Ticker, type FitHooks } from '../hooks';
import { minimize } from '../optim/bobyqa';
import type { FitResult, OptSummary } from '../result';
import { FIT_SETTINGS, plsSettings } from '../optim/options';
import { centralDerivs } from '../linalg/derivs';
import { checkConv, isSingular, SINGULAR_MESSAGE } from '../optim/convergence';
import type { LinearMixedModel } from './model';
import { buildLmmResult, observationSteps } from './result';
import { singleTermStart } from './start';

const S = FIT_SETTINGS.lmm;

/** startedAt: when the fit began (Date.now(); default now), so model construction can be counted in fitSeconds. */
export async function fitLinearMixedModel(model: LinearMixedModel, hooks?: FitHooks, id?: string, startedAt?: number): Promise<FitResult> {
  const t0 = startedAt ?? Date.now();
  const ticker = new Ticker(hooks);
  const f = (th: Float64Array): number => model.objective(th);
  // cheap models are optimised to a tight resolution; large ones (costly evaluations) stop at a
  // relative change of 1e-9 in the criterion, still well inside the reference tolerances
  const cheap = model.pls.m < S.cheapMaxDense && model.frame.n < S.cheapMaxN;
  // a large model of scalar terms starts near its optimum: each term's θ in the model with that term alone
  const near = cheap ? null : await singleTermStart(model.pls, model.frame.n, model.REML, S.startRhoend);
  const start = near ?? model.start();
  const optSettings = { rhobeg: near ? S.rhobegNearStart : S.rhobeg, rhoend: cheap ? S.rhoend : S.rhoendLarge, ftolRel: cheap ? 0 : S.ftolRelLarge, maxEval: S.maxEval };
  const settings: Record<string, number> = near ? { ...optSettings, startRhoend: S.startRhoend } : optSettings;
  const opt = await minimize(f, start, model.lower, model.lower.map(() => Infinity), { ticker, ...optSettings, stage: 'optimizing' });
  const theta = opt.x;
  const warnings: string[] = [];
  const singular = isSingular(theta, model.lower);
  if (singular) warnings.push(SINGULAR_MESSAGE);
  if (!opt.converged) warnings.push(`convergence failure: ${opt.message}`);
  const checked = !singular && model.frame.n <= S.derivCheckMaxN;
  let derivEvaluations = 0;
  if (checked) {
    const fc = (th: Float64Array): number => {
      derivEvaluations++;
      return f(th);
    };
    const derivs = await centralDerivs(fc, theta, fc(Float64Array.from(theta)), FIT_SETTINGS.derivStep);
    warnings.push(...checkConv(derivs, theta, model.lower).messages);
  }
  // leave the model at the optimum
  const crit = model.objective(theta);
  const fitSeconds = (Date.now() - t0) / 1000;
  hooks?.onProgress?.({ stage: 'done', evaluations: opt.evaluations, objective: crit });
  // fitted values and residuals of every row, in slices (a large model leaves the language server answering)
  const perRow = model.frame.blocks ? undefined : await runStepsAsync(observationSteps(model), ticker, 'residuals');
  const result = buildLmmResult(model, {
    id: id ?? 'model',
    theta,
    criterion: crit,
    converged: opt.converged,
    evaluations: opt.evaluations,
    fitSeconds,
    singular,
    warnings,
  }, perRow);
  result.optSummary = {
    stages: [{ name: 'θ', optimizer: S.optimizer, settings, startFrom: near ? 'single-term fits' : 'lme4', start, evaluations: opt.evaluations, converged: opt.converged, fval: opt.fval }],
    derivEvaluations,
    derivStep: FIT_SETTINGS.derivStep,
    checkConv: { ...FIT_SETTINGS.checkConv, checked, derivCheckMaxN: S.derivCheckMaxN },
    settings: plsSettings(),
  };
  // fitSeconds covers everything up to the finished result (conditional variances included)
  result.fitSeconds = (Date.now() - t0) / 1000;
  // the result copied the rows' numbers: hand the event loop back before the tests
  await ticker.tick({ stage: 'residuals', evaluations: opt.evaluations });
  return result;
}
