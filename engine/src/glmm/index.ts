/** Generalized linear mixed models (glmer): public entry points. */
export { fitGlmm, type GlmmOptions } from './fit';
export { makeFamily, type Family, type Link } from './family';
export { ghRule, type GHRule } from './ghq';
