/**
 * Checks of a generalized model frame before fitting, with glmer's / R's family rules:
 * errors are MlmError (the dispatcher attaches the formula range), warnings are appended.
 */
import { MlmError } from '../diagnostics';
import type { ModelFrame } from '../frame/types';
import { makeFamily, type Family } from './family';

export const MAX_AGQ = 100;

export function validateGlmmInput(frame: ModelFrame, nAGQ: number, warnings: string[]): Family {
  let family: Family;
  try {
    family = makeFamily(frame.family, frame.link);
  } catch (e) {
    throw new MlmError({ code: 'bad-family', message: (e as Error).message });
  }
  const resp = frame.responseName;
  if (frame.n === 0) throw new MlmError({ code: 'no-data', message: 'No observations are left to fit (every row has a missing value in a variable of the model).' });
  if (frame.reTerms.length === 0) {
    throw new MlmError({ code: 'no-random-effects', message: 'A generalized mixed model needs at least one random-effects term such as (1 | group); without one it is an ordinary GLM.' });
  }
  if (!Number.isInteger(nAGQ) || nAGQ < 0 || nAGQ > MAX_AGQ) {
    throw new MlmError({ code: 'bad-nagq', message: `nAGQ must be a whole number from 0 to ${MAX_AGQ} (0 and 1 are the Laplace approximation; K > 1 is adaptive Gauss-Hermite quadrature with K points); got ${nAGQ}.` });
  }
  if (nAGQ > 1) {
    const t = frame.reTerms;
    if (t.length !== 1 || t[0].k !== 1) {
      const what = t.length !== 1 ? `${t.length} random-effects terms (${t.map((x) => x.text).join(', ')})` : `the vector-valued term ${t[0].text} (${t[0].k} coefficients per level)`;
      throw new MlmError({
        code: 'agq-needs-scalar-term',
        message: `nAGQ > 1 is only available for models with a single, scalar random-effects term such as (1 | g), as in lme4; this model has ${what}. Use nAGQ: 1 (Laplace) for it.`,
        data: { nAGQ },
      });
    }
  }
  const { y, n } = frame;
  const wt = frame.weights;
  if (wt) {
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(wt[i]) || wt[i] < 0) {
        const what = family.name === 'binomial' ? `the number of trials (successes + failures) of response '${resp}' is ${wt[i]}` : `weight ${wt[i]}`;
        throw new MlmError({ code: 'bad-weights', message: `Negative or missing weights are not allowed: in data row ${frame.rows[i] + 2}, ${what}${family.name === 'binomial' ? ' (counts in cbind() must not be negative)' : ''}.` });
      }
    }
  }
  if (frame.offset) {
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(frame.offset[i])) {
        throw new MlmError({ code: 'bad-offset', message: `The offset has a missing or infinite value (${frame.offset[i]}) in data row ${frame.rows[i] + 2}; an offset must be a finite number on the linear-predictor scale (e.g. log(exposure) with exposure > 0).` });
      }
    }
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(y[i])) throw new MlmError({ code: 'bad-response', message: `Response '${resp}' has a non-finite value (${y[i]}) in data row ${frame.rows[i] + 2}.` });
  }
  if (family.name === 'binomial') {
    for (let i = 0; i < n; i++) {
      if (y[i] < 0 || y[i] > 1) {
        throw new MlmError({
          code: 'binomial-range',
          message: `A binomial response must be 0/1, a two-level factor, cbind(successes, failures) with non-negative counts, or a proportion between 0 and 1 with weights: '${resp}' is ${y[i]} in data row ${frame.rows[i] + 2}.`,
        });
      }
    }
    let nonInt = false;
    for (let i = 0; i < n; i++) {
      const w = wt ? wt[i] : 1;
      const m = w * y[i];
      if (Math.abs(m - Math.round(m)) > 1e-3) nonInt = true;
    }
    if (nonInt) warnings.push(`non-integer #successes in a binomial glm! (response '${resp}')`);
  } else if (family.name === 'poisson') {
    for (let i = 0; i < n; i++) {
      if (y[i] < 0) {
        throw new MlmError({ code: 'poisson-negative', message: `Negative values are not allowed for the Poisson family: response '${resp}' is ${y[i]} in data row ${frame.rows[i] + 2}.` });
      }
    }
    let firstNonInt = -1;
    for (let i = 0; i < n; i++) {
      if (Math.abs(y[i] - Math.round(y[i])) > 1e-7 * Math.max(1, Math.abs(y[i]))) {
        firstNonInt = i;
        break;
      }
    }
    if (firstNonInt >= 0) {
      warnings.push(`non-integer x = ${y[firstNonInt]}: response '${resp}' has non-integer counts (first in data row ${frame.rows[firstNonInt] + 2}); R's Poisson likelihood is 0 there (glmer reports logLik -Inf and does not move from its start); here the likelihood uses the continuous extension y log(mu) - mu - log Γ(y+1), so estimates are the quasi-Poisson ones but logLik, AIC and BIC are not R's.`);
    }
  } else if (family.name === 'Gamma' || family.name === 'inverse.gaussian') {
    for (let i = 0; i < n; i++) {
      if (!(y[i] > 0)) {
        throw new MlmError({ code: 'positive-response', message: `A ${family.name} response must be positive: '${resp}' is ${y[i]} in data row ${frame.rows[i] + 2}.` });
      }
    }
  } else if (family.name === 'negbinomial') {
    for (let i = 0; i < n; i++) {
      if (y[i] < 0 || Math.abs(y[i] - Math.round(y[i])) > 1e-7 * Math.max(1, y[i])) {
        throw new MlmError({ code: 'count-response', message: `A negative binomial response must be counts (0, 1, 2, ...): '${resp}' is ${y[i]} in data row ${frame.rows[i] + 2}.` });
      }
    }
  }
  let constant = true;
  for (let i = 1; i < n && constant; i++) if (y[i] !== y[0]) constant = false;
  if (constant && n > 0 && !(family.name === 'binomial' && wt && wt.some((w) => w > 1))) {
    throw new MlmError({ code: 'constant-response', message: `Response '${resp}' is constant (every value is ${y[0]}); there is nothing to model.` });
  }
  return family;
}
