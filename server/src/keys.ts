/** The vocabulary of the .mlm format (for completion, hovers and did-you-mean). */
import { CONTRASTS, FUNCTION_SPECS } from '../../engine/src/index';

export interface KeyInfo {
  key: string;
  /** 'top' keys stand at the left margin; 'model' keys inside a `model NAME:` block. */
  scope: 'top' | 'model';
  detail: string;
  /** Text inserted after the key (completion). */
  insert: string;
}

export const KEYS: KeyInfo[] = [
  { key: 'data', scope: 'top', detail: 'CSV file, relative to this file', insert: 'data: ' },
  { key: 'levels', scope: 'top', detail: 'factor level order; the first level is the reference (levels: sector = Public, Catholic)', insert: 'levels: ' },
  { key: 'factors', scope: 'top', detail: 'numeric columns to treat as categorical (factors: school, period)', insert: 'factors: ' },
  { key: 'derive', scope: 'top', detail: 'group means and within-group deviations of a column', insert: 'derive: ' },
  { key: 'model', scope: 'top', detail: 'a model block: model NAME:', insert: 'model ' },
  { key: 'compare', scope: 'top', detail: 'likelihood-ratio test of nested models (compare: a, b)', insert: 'compare: ' },
  { key: 'formula', scope: 'model', detail: "lme4 formula: response ~ fixed + (random | group)", insert: 'formula: ' },
  { key: 'method', scope: 'model', detail: 'REML (default for gaussian) or ML', insert: 'method: ' },
  { key: 'family', scope: 'model', detail: 'gaussian, binomial or poisson; a link as binomial(probit)', insert: 'family: ' },
  { key: 'link', scope: 'model', detail: 'link function: identity, logit, probit, cloglog, log', insert: 'link: ' },
  { key: 'nAGQ', scope: 'model', detail: 'Gauss-Hermite points for a GLMM with one random intercept (1 = Laplace)', insert: 'nAGQ: ' },
  { key: 'weights', scope: 'model', detail: 'prior weights column (binomial trials with a proportion response)', insert: 'weights: ' },
];

export const FAMILIES: Array<{ name: string; detail: string; links: string[] }> = [
  { name: 'gaussian', detail: 'linear mixed model (lmer)', links: ['identity', 'log'] },
  { name: 'binomial', detail: 'binary or cbind(successes, failures) response (glmer)', links: ['logit', 'probit', 'cloglog'] },
  { name: 'poisson', detail: 'counts (glmer)', links: ['log', 'identity'] },
];

export const LINKS: Array<{ name: string; detail: string }> = [
  { name: 'identity', detail: 'μ = η' },
  { name: 'logit', detail: 'log(μ / (1 − μ)) = η (binomial default)' },
  { name: 'probit', detail: 'Φ⁻¹(μ) = η' },
  { name: 'cloglog', detail: 'log(−log(1 − μ)) = η' },
  { name: 'log', detail: 'log(μ) = η (poisson default)' },
];

export const METHODS: Array<{ name: string; detail: string }> = [
  { name: 'REML', detail: 'restricted maximum likelihood (lmer default)' },
  { name: 'ML', detail: 'maximum likelihood (needed to compare fixed effects)' },
];

/** The formula and derive: functions, from the engine's one table (signature and description for completion and hovers). */
export const FUNCTIONS: Array<{ name: string; signature: string; detail: string; where: 'any' | 'lhs' | 'rhs' | 'derive' }> = FUNCTION_SPECS.map((f) => ({
  name: f.name,
  signature: f.signature,
  detail: f.doc,
  where: f.lhsOnly ? 'lhs' : f.where === 'formula' ? 'rhs' : f.where,
}));

/** Contrast codings for `contrasts:` and C(f, …). */
export const CONTRAST_CODINGS: Array<{ name: string; detail: string }> = Object.entries(CONTRASTS).map(([name, detail]) => ({ name, detail }));
