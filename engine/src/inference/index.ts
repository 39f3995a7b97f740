/** Inference after a fit: model comparison, tests, intervals, variance partitioning, random effects, predictions, sentences. */
export * from './distributions';
export { Rng } from './rng';
export * from './anova';
export * from './variance';
export * from './ranef';
export * from './interpret';
export * from './satterthwaite';
export * from './profile';
export * from './bootstrap';
export * from './predict';
export * from './enrich';
export * from './profileGlmm';
export * from './confint';
export * from './ftest';
export { hessian, jacobian } from './numderiv';
export { formatColumn, formatPValues, signifStars, SIGNIF_LEGEND } from './rformat';
export * from './coefficients';
