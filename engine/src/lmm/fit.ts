/**
 * Fitting a LinearMixedModel: bounded optimisation of the profiled criterion from lme4's start,
 * lme4's convergence checks, and the FitResult.
 */
import { Ticker, type FitHooks } from '../hooks';
import { minimize } from '../optim/bobyqa';
import type { FitResult } from '../result';
import { centralDerivs } from '../linalg/derivs';
import { checkConv, isSingular, SINGULAR_MESSAGE } from '../optim/convergence';
import type { LinearMixedModel } from './model';
import { buildLmmResult } from './result';

/** Above this many observations the finite-difference convergence check is skipped (its cost is 2n²+ evaluations). */
const DERIV_CHECK_MAX_N = 50000;
/** Models with a dense block below this size and fewer observations count as cheap to evaluate. */
const CHEAP_MAX_DENSE = 200;
const CHEAP_MAX_N = 20000;

/** startedAt: when the fit began (Date.now(); default now), so model construction can be counted in fitSeconds. */
export async function fitLinearMixedModel(model: LinearMixedModel, hooks?: FitHooks, id?: string, startedAt?: number): Promise<FitResult> {
  const t0 = startedAt ?? Date.now();
  const ticker = new Ticker(hooks);
  const f = (th: Float64Array): number => model.objective(th);
  // cheap models are optimised to a tight resolution; large ones (costly evaluations) stop at a
  // relative change of 1e-9 in the criterion, still well inside the reference tolerances
  const cheap = model.pls.m < CHEAP_MAX_DENSE && model.frame.n < CHEAP_MAX_N;
  const opt = await minimize(f, model.start(), model.lower, model.lower.map(() => Infinity), {
    ticker,
    rhobeg: 0.5,
    rhoend: cheap ? 1e-8 : 1e-6,
    ftolRel: cheap ? 0 : 1e-9,
    maxEval: 100000,
    stage: 'optimizing',
  });
  const theta = opt.x;
  const warnings: string[] = [];
  const singular = isSingular(theta, model.lower);
  if (singular) warnings.push(SINGULAR_MESSAGE);
  if (!opt.converged) warnings.push(`convergence failure: ${opt.message}`);
  if (!singular && model.frame.n <= DERIV_CHECK_MAX_N) {
    const derivs = await centralDerivs(f, theta, f(Float64Array.from(theta)));
    warnings.push(...checkConv(derivs, theta, model.lower).messages);
  }
  // leave the model at the optimum
  const crit = model.objective(theta);
  const fitSeconds = (Date.now() - t0) / 1000;
  hooks?.onProgress?.({ stage: 'done', evaluations: opt.evaluations, objective: crit });
  const result = buildLmmResult(model, {
    id: id ?? 'model',
    theta,
    criterion: crit,
    converged: opt.converged,
    evaluations: opt.evaluations,
    fitSeconds,
    singular,
    warnings,
  });
  // fitSeconds covers everything up to the finished result (conditional variances included)
  result.fitSeconds = (Date.now() - t0) / 1000;
  return result;
}
