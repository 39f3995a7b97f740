/**
 * The model frame: what the formula and the data become before any fitting.
 * Built by frame/modelframe.ts; consumed by lmm/, glmm/ and inference/.
 * All matrices are dense column-major Float64Array unless said otherwise.
 */

export type FamilyName = 'gaussian' | 'binomial' | 'poisson' | 'Gamma' | 'inverse.gaussian' | 'negbinomial';
export type LinkName = 'identity' | 'logit' | 'probit' | 'cloglog' | 'cauchit' | 'log' | 'sqrt' | 'inverse' | '1/mu^2';

/** One random-effects term `(expr | g)` after expansion (`a/b`, `||` already split). */
export interface ReTermFrame {
  /** lme4's name of the grouping factor: 'Subject', 'cask:batch', 'dept:service'. */
  group: string;
  /** Level labels in factor order (as lme4 orders them). */
  levels: string[];
  /** Level index (0-based) of each used row; length n. */
  refs: Int32Array;
  /** Names of the term's columns as lme4 writes them: '(Intercept)', 'Days', 'SexMale'. */
  termNames: string[];
  /** Number of columns of the term (termNames.length). */
  k: number;
  /** n × k column-major raw model matrix of the term. */
  Z: Float64Array;
  /** Source text of the term, e.g. '(Days | Subject)', and its character offsets in the formula text. */
  text: string;
  span?: { start: number; end: number };
  /** True when this term came from splitting a `||` term (lme4 names its varcorr groups g, g.1, ...). */
  fromDoubleBar: boolean;
}

export interface ModelFrame {
  /** Number of observations used (after removing rows with missing values). */
  n: number;
  /** Response. For binomial with cbind(s, f) or proportions + weights: the proportion s/(s+f). */
  y: Float64Array;
  /** Name of the response as written in the formula (e.g. 'Reaction', 'cbind(m, n - m)'). */
  responseName: string;
  /** n × p fixed-effects model matrix, column-major, after dropping rank-deficient columns. */
  X: Float64Array;
  p: number;
  /** lme4's coefficient names in column order: '(Intercept)', 'sectorCatholic', 'meanses:cses'. */
  coefnames: string[];
  /** Names of columns dropped because they were linearly dependent (lme4: "fixed-effect model matrix is rank deficient"). */
  droppedCoefs: string[];
  /** Random-effects terms in lme4's order (sorted by decreasing number of levels as mkReTrms does: rev(order(nlevels)) when not already non-increasing, so tied terms come out in reverse order). */
  reTerms: ReTermFrame[];
  /** Offset on the linear-predictor scale, or null. */
  offset: Float64Array | null;
  /** Prior weights (binomial trials for cbind / proportions; `weights:`), or null meaning all 1. */
  weights: Float64Array | null;
  /** Indices (0-based) of the data rows used, in order; length n. */
  rows: Int32Array;
  /** Number of data rows dropped for missing values. */
  rowsDropped: number;
  family: FamilyName;
  link: LinkName;
  /** The formula text as written. */
  formula: string;
  /** Non-fatal messages produced while building the frame (e.g. dropped columns). */
  warnings: string[];
  /**
   * A frame without rows (engine/src/sql/): the data are the cross-product blocks of a SQL aggregation;
   * X, y and the terms' refs and Z are then empty and `rows` is empty.
   */
  blocks?: import('../lmm/blocks').CrossProductBlocks;
}
