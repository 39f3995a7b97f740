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
    /**
     * larger models whose terms are all scalar start from each term's θ in the model with that term
     * alone (lmm/start.ts, found to startRhoend), with the smaller initial radius rhobegNearStart
     */
    rhobegNearStart: 0.05,
    startRhoend: 1e-4,
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
    /** PIRLS as lme4's pwrssUpdate runs it: from the fit's lp0, relative tolerance tolPwrss, an error when halving fails */
    pirls: Object.freeze({ from: 'lp0', tol: 1e-7, tolFloor: 0, maxit: 30, maxHalvings: 10, onStall: 'error', refactorAtMode: false } as const),
    /** the fallback when lme4's iteration fails at a point: from the current mode, tighter, the last iterate kept when halving fails */
    pirlsFallback: Object.freeze({ from: 'current', tol: 1e-10, tolFloor: 1, maxit: 60, maxHalvings: 10, onStall: 'keep', refactorAtMode: true } as const),
  }),
  /** Gamma, inverse Gaussian and negative binomial GLMMs (glmm/dispersion.ts, glmmTMB's Laplace) */
  dispersion: Object.freeze({
    /** BOBYQA over (θ, β, log dispersion) in scaled coordinates (β in GLM standard errors, θ in units of its start) */
    optimizer: 'bobyqa',
    rhobeg: 0.5,
    rhoend: 2e-2,
    maxEval: 20000,
    /** then at most newtonMaxIter Newton steps with central differences of step derivStep (scaled coordinates) */
    newtonMaxIter: 4,
    derivStep: 1e-3,
    /** converged when max|gradient| of the deviance per standard error is below gradTol */
    gradTol: 1e-2,
    /** the inner Newton iteration for the conditional modes: at most modeMaxIter steps, until the largest change is below modeTol */
    modeMaxIter: 100,
    modeTol: 1e-10,
  }),
  /** nlme's lme likelihood (nlme/fit.ts): BOBYQA over the unconstrained parameters from lme4's optimum */
  nlme: Object.freeze({ optimizer: 'bobyqa', rhobeg: 0.5, rhoend: 1e-6, maxEval: 20000 }),
  pls: Object.freeze({
    /** largest dense trailing block (the terms after the first, X and y): 2 m² doubles ≈ 1 GB at 8000 */
    maxDenseCoefficients: 8000,
    /** the dense block's levels are reordered by minimum degree between these group counts */
    orderingMinGroups: 50,
    orderingMaxGroups: 20000,
    /** memory cap (doubles) of the grouped Schur-complement cross products */
    schurGroupsMaxDoubles: 2.5e7,
    /** switch to dense kernels at the first factor column fuller than this fraction */
    denseSwitch: 0.4,
    /** factors kept per set of weights named by setData's tag (glmer's PIRLS restarts from the same weights) */
    savedFactors: 32,
    /** memory cap (doubles) of those saved factors */
    savedFactorsMaxDoubles: 4e6,
  }),
});

/**
 * The settings of one PIRLS run (lme4's pwrssUpdate): over (u, β) jointly or over u with β in the
 * offset; `from` 'lp0' starts every run from the fit's linear predictor (lme4), 'current' from the
 * current mode; convergence when |Δ pdev| < tol · max(tolFloor, pdev) (lme4: tolFloor 0, a relative
 * change; the fallback's 1 also stops a deviance that runs towards 0, as under separation); at most maxHalvings step halvings, after which
 * 'error' fails (lme4) and 'keep' takes the previous iterate as the mode; refactorAtMode refactors L at
 * the mode's weights (lme4 leaves it at the last iteration's start).
 */
export interface PirlsSettings {
  from: 'lp0' | 'current';
  tol: number;
  tolFloor: number;
  maxit: number;
  maxHalvings: number;
  onStall: 'error' | 'keep';
  refactorAtMode: boolean;
}

/** One PIRLS run: its settings, over (u, β) jointly or over u only. */
export interface PirlsOptions extends PirlsSettings {
  joint: boolean;
}

/** The PLS system's limits as plain JSON (OptSummary.settings). */
export function plsSettings(): Record<string, number> {
  return { ...FIT_SETTINGS.pls };
}
