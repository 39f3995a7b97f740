/**
 * Every numeric setting of a fit in one place (as MixedModels.jl's OptSummary records them): the
 * optimizers' trust-region radii and budgets, PIRLS's tolerance, the finite-difference step, lme4's
 * convergence-check tolerances and the size limits of the PLS system. The fitters read them here
 * and each FitResult reports the ones its fit used (FitResult.optSummary).
 */
import { CHECK_CONV_DEFAULTS } from './convergence';

export const FIT_SETTINGS = Object.freeze({
  /** central-difference step of the convergence checks and of glmer's Hessian (lme4's deriv12) */
  derivStep: 1e-4,
  checkConv: CHECK_CONV_DEFAULTS,
  lmm: Object.freeze({
    optimizer: 'bobyqa',
    rhobeg: 0.5,
    /** models with a dense block below cheapMaxDense and fewer than cheapMaxN observations are optimised to rhoend */
    rhoend: 1e-8,
    /** larger models stop at rhoendLarge, or when a stage improves the criterion by less than ftolRelLarge (relative) */
    rhoendLarge: 1e-6,
    ftolRelLarge: 1e-9,
    cheapMaxDense: 200,
    cheapMaxN: 20000,
    maxEval: 100000,
    /** above this many observations the finite-difference convergence check is skipped (its cost is 2n²+ evaluations) */
    derivCheckMaxN: 50000,
  }),
  glmm: Object.freeze({
    /** stage 1 (θ, β inside PIRLS); rhoend is lme4's 2e-7 when stage 1 is the fit (nAGQ = 0) */
    stage1: Object.freeze({ optimizer: 'bobyqa', rhobeg: 0.2, rhoend: 1e-4, rhoendNAGQ0: 2e-7, maxEval: 10000 }),
    /** stage 2 ((θ, β)): quasi-Newton with central-difference gradients, BOBYQA when that cannot be used */
    stage2: Object.freeze({ optimizer: 'newton', maxIter: 40, fallback: 'bobyqa', rhobeg: 0.05, rhoend: 1e-6, maxEval: 20000 }),
    /** lme4's tolPwrss and PIRLS iteration limit */
    pirlsTol: 1e-7,
    pirlsMaxit: 30,
    /** the kernel for all-scalar terms keeps the terms after the first dense: used up to this many of their levels */
    scalarKernelMaxTrailingLevels: 600,
  }),
  pls: Object.freeze({
    /** largest dense trailing block (the terms after the first, X and y): 2 m² doubles ≈ 1 GB at 8000 */
    maxDenseCoefficients: 8000,
    /** the dense block's levels are reordered by minimum degree between these group counts */
    orderingMinGroups: 200,
    orderingMaxGroups: 20000,
    /** memory cap (doubles) of the grouped Schur-complement cross products */
    schurGroupsMaxDoubles: 2.5e7,
    /** switch to dense kernels at the first factor column fuller than this fraction */
    denseSwitch: 0.4,
  }),
});

/** The PLS system's limits as plain JSON (OptSummary.settings). */
export function plsSettings(): Record<string, number> {
  return { ...FIT_SETTINGS.pls };
}
