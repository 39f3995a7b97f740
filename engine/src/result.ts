/**
 * The result of a fit: one plain JSON-serialisable object per model.
 * Field names and meanings follow test/fixtures/reference/README.md (lme4's figures), plus
 * our own extras below the marker. Every consumer (CLI, summaries, hovers, webview) reads this.
 */
import type { DfMethod } from './mlmfile/keys';
import type { PirlsSettings } from './optim/options';

import type { PlotFigures } from './plotfigures';
import type { RanefIntervals } from './inference/ranef';

export interface VarCorrRow {
  grp: string; // 'Subject', 'Subject.1' (for ||), 'cask:batch', 'Residual'
  var1: string | null;
  var2: string | null;
  vcov: number; // variance or covariance
  sdcor: number; // standard deviation or correlation
}

export interface RanefBlock {
  group: string; // grouping factor (terms of a || split are merged back, as lme4's ranef does)
  levels: string[];
  terms: string[];
  values: number[][]; // values[k][j]: conditional mode of term k at level j
  condsd: number[][]; // conditional standard deviations, same shape
}

export interface TestRow {
  estimate: number;
  se: number;
  statistic: number; // t or z
  df: number | null; // Satterthwaite df for LMMs, null for z tests
  p: number | null;
}

export interface FitResult {
  // --- the case ---
  id: string; // model name in the .mlm ('model bryk:' -> 'bryk'; 'model' when unnamed)
  formula: string;
  family: string;
  link: string;
  REML: boolean;
  nAGQ: number;

  // --- lme4's figures (same names as the reference fits) ---
  nobs: number;
  ngrps: Record<string, number>;
  coefnames: string[];
  fixef: Record<string, number>;
  se: Record<string, number>;
  vcov: number[][];
  varcorr: VarCorrRow[];
  sigma: number; // 1 for binomial, Poisson and negative binomial; sigma() for Gamma and inverse Gaussian
  theta: number[];
  logLik: number;
  df: number;
  deviance: number | null; // null for REML fits
  REMLcrit: number | null; // null for ML fits
  AIC: number;
  BIC: number;
  singular: boolean;
  ranef: RanefBlock[];
  satterthwaite?: { df: Record<string, number>; p: Record<string, number> };

  /**
   * The estimated dispersion parameter of a Gamma or inverse Gaussian fit (name 'sigma': sigma() as
   * glmmTMB and lme4 report it, the coefficient of variation for Gamma) or of a negative binomial
   * fit (name 'theta': NB2's θ, variance μ + μ²/θ). Absent for gaussian, binomial and Poisson.
   */
  dispersion?: { name: 'sigma' | 'theta'; value: number };

  // --- our extras ---
  /** Coefficient tests: t with Satterthwaite df for LMMs, z for GLMMs. Keyed by coefname. */
  tests?: Record<string, TestRow>;
  /** Which likelihood fitted the model: lme4's (default) or nlme's (models with `correlation:` / `variance:`). */
  fitter?: 'lme4' | 'nlme';
  /** nlme's correlation structure: parameters as coef(corStruct, unconstrained = FALSE), in that order, named by `names`. */
  correlationStructure?: { type: string; form: string; names: string[]; parameters: number[] };
  /** Models with a correlation structure: nlme's ACF of the normalized residuals by lag (nlme/fit.ts residualAcf). */
  acf?: {
    resType: 'normalized';
    lag: number[];
    acf: number[];
    /** pairs of residuals at each lag */
    n: number[];
    /** nlme's plot.ACF(alpha = 0.05) critical bound at each lag: qnorm(0.975) / √n */
    bound: number[];
  };
  /** The intervals of the conditional modes (caterpillar plots; inference/ranef.ts ranefIntervals), one per ranef term in ranef order. */
  ranefIntervals?: RanefIntervals[];
  /** nlme's variance function: parameters keyed as coef(varStruct, unconstrained = FALSE). */
  varianceFunction?: { type: string; form: string; parameters: Record<string, number>; strata?: string[] };
  /** How the df (and p) of `tests` were computed (the model's `df:` key; 'asymptotic' for z tests). */
  dfMethod?: DfMethod;
  responseName: string;
  rowsDropped: number;
  droppedCoefs: string[];
  warnings: string[];
  /**
   * How the data reached the fit when not through the built-in CSV reader, e.g. "DuckDB: a Parquet file,
   * 3 of 12 columns, 1,000,000 rows" or "DuckDB: rows collapsed to 2,312 covariate patterns".
   */
  dataSource?: string;
  converged: boolean;
  evaluations: number;
  fitSeconds: number;
  /**
   * Per observation: fitted values, residuals and the data row (0-based) of each. Absent for a fit
   * from SQL blocks (engine/src/sql/), which has no rows in memory: `residualSummary` says where its
   * scaled-residual quantiles come from.
   */
  fitted?: number[];
  residuals?: number[];
  rows?: number[];
  /** Scaled residuals quantiles (Min, 1Q, Median, 3Q, Max) as lme4's summary prints them. */
  scaledResidualQuantiles?: number[];
  /**
   * A fit from SQL blocks: the rows the scaled-residual quantiles were computed from ('all' when
   * every used row was read back, 'sample' for a random sample of `rows` of the `of` rows used), and the
   * SQL engine that computed the blocks (rows 0: none were read back); `rmse` is the RMSE of all residuals
   * (y − Xβ − Zb), from the blocks.
   */
  residualSummary?: { source: 'all' | 'sample'; rows: number; of: number; rmse: number };
  /**
   * Set when `fitted`, `residuals`, `rows` and the plot data's per-row arrays hold an evenly spaced sample of `rows` of
   * the `of` rows used (a large fit for an editor: FitSpec.observationLimit); the figures, residual quantiles and tests
   * were computed from all rows, and `residualRmse` is the RMSE of all residuals.
   */
  observationSample?: { rows: number; of: number; residualRmse: number };
  /** How the data were reached: in memory (absent) or through SQL (the dialect and the relation). */
  sqlSource?: { dialect: string; relation: string };
  /** Observations for plots that need the data (shrinkage, per-group lines); see PlotData. Optional. */
  /** After-the-fit results for the panel and hovers (inference/postfit.ts postFitSummary): F tests, means:, estimate:, ratios. */
  postfit?: import('./inference/postfit').PostFitSummary;
  plotData?: PlotData;
  /** Nakagawa & Schielzeth's R² when computed (engine/src/inference/variance.ts r2Nakagawa needs the frame). Optional. */
  r2?: { marginal: number; conditional: number; note?: string } | null;
  /** Intraclass correlation (random-intercept-only models; null when not applicable). Optional (inference/enrich.ts). */
  icc?: number | null;
  /** Plain-language sentences for the headline numbers (inference/interpret.ts), computed by inference/enrich.ts. Optional. */
  interpretation?: FitInterpretation;
  /** The fixed-effects table with intervals of the test's kind (inference/coefficients.ts). Optional (inference/enrich.ts). */
  coefficients?: CoefficientRow[];
  /** Name of the coefficients' interval, e.g. '95% CI (t, Satterthwaite df)'. */
  intervalMethod?: string;
  /** ICC per grouping factor with a sentence (random-intercept models; empty otherwise). Optional (inference/enrich.ts). */
  iccGroups?: IccGroupRow[];
  /** Every numeric setting the fit used and what each optimizer stage did (engine/src/optim/options.ts). */
  optSummary?: OptSummary;
}

export interface CoefficientRow extends TestRow {
  name: string;
  /** 95% interval of the kind named by FitResult.intervalMethod. */
  lower: number;
  upper: number;
  /** exp(estimate) and its interval for logit (odds ratio) and log links (rate ratio for Poisson, else ratio; coefficients.ts ratioKind). */
  ratio?: { estimate: number; lower: number; upper: number };
}

export interface IccGroupRow {
  group: string;
  icc: number;
  explanation: string;
}

/** One optimizer run of a fit. */
export interface OptStage {
  /** 'θ' (lmer), 'θ, β in PIRLS' (glmer stage 1), '(θ, β)' (glmer stage 2) */
  name: string;
  optimizer: string;
  /** the optimizer's settings (BOBYQA: rhobeg, rhoend, ftolRel, maxEval; Newton: maxIter) */
  settings: Record<string, number>;
  /** where the optimizer started: lme4's start (Λ = I), or each scalar term's θ in the model with that term alone */
  startFrom?: 'lme4' | 'single-term fits';
  /** the starting parameters */
  start?: number[];
  evaluations: number;
  converged: boolean;
  /** criterion at the stage's result */
  fval: number;
}

/** The settings and history of a fit, as MixedModels.jl's OptSummary (plain JSON). */
export interface OptSummary {
  stages: OptStage[];
  /** evaluations of the criterion for finite-difference derivatives (convergence check; glmer's Hessian) */
  derivEvaluations: number;
  derivStep: number;
  /** lme4's checkConv tolerances; checked false when the check was skipped (singular fit, or more than derivCheckMaxN observations) */
  checkConv: { gradTol: number; singularTol: number; hessTol: number; checked: boolean; derivCheckMaxN?: number };
  /** size limits and switches of the PLS system (and glmer's nAGQ) */
  settings: Record<string, number>;
  /** glmer's PIRLS settings (optim/options.ts PirlsOptions without `joint`): lme4's, and the fallback used where it fails */
  pirls?: { lme4: PirlsSettings; fallback: PirlsSettings };
}


export interface FitInterpretation {
  /** One sentence per fixed effect, keyed by coefname. */
  fixef: Record<string, string>;
  /** One sentence per VarCorr row, in varcorr order. */
  varcorr: string[];
  /** The ICC sentence (random-intercept-only models). */
  icc?: string;
  /** The Nakagawa R² sentence. */
  r2?: string;
}

/**
 * Per-used-row data for the results panel's plots, in the order of `rows` (built from the model
 * frame by engine/src/plotdata.ts). Plain arrays, as everything in FitResult.
 */
export interface PlotData {
  /** Response of each used row (binomial: the proportion of successes). */
  y: number[];
  /** Prior weights (binomial trials), or null meaning all 1. */
  weights: number[] | null;
  /** Per grouping factor (ranef block name): the 0-based index into that block's `levels` of each used row. */
  groups: Record<string, number[]>;
  /** Numeric columns of the fixed-effects matrix by coefficient name (no intercept; at most a few). */
  covariates: Record<string, number[]>;
  /** Mean of every column of the fixed-effects matrix by coefficient name (effect curves hold the others here). */
  xMeans?: Record<string, number>;
  /** The plots' statistics, computed by the engine (engine/src/plotfigures.ts). */
  figures?: PlotFigures;
}
