/**
 * Builds FitResult.plotData from a model frame: the observations the results panel needs for its
 * plots, and the plots' statistics (plotfigures.ts). Pure; `withPlotData(frame, result)` returns the result with them;
 * `sampleObservations` cuts the per-observation arrays of a large fit to a sample for an editor.
 */
import type { ModelFrame } from './frame/types';
import type { FitResult, PlotData } from './result';
import { plotFiguresSteps } from './plotfigures';
import { runSteps, type Steps } from './hooks';

/** Covariates kept: random-slope terms first, then other numeric columns, at most this many. */
const MAX_COVARIATES = 6;

/** A copy of the fit carrying its plot data and the plots' statistics. */
export function withPlotData(frame: ModelFrame, result: FitResult): FitResult {
  return runSteps(withPlotDataSteps(frame, result));
}

/** withPlotData in slices (hooks.ts Steps): a yield after each array of the observations and between figures. */
export function* withPlotDataSteps(frame: ModelFrame, result: FitResult): Steps<FitResult> {
  // a frame of SQL blocks has no rows to plot: the panel leaves those plots out with its note
  if (frame.blocks) return result;
  const base = yield* buildPlotDataSteps(frame);
  const figures = yield* plotFiguresSteps(result, base);
  return { ...result, plotData: { ...base, figures } };
}

/**
 * The result with its per-observation arrays (fitted, residuals, rows and the plot data's response, weights, level
 * indices and covariates) cut to an evenly spaced sample of `limit` of its rows, when it has more: a fit of millions of
 * rows sent to an editor. Everything computed from the observations (figures, residual quantiles, tests) was computed
 * from all of them before; `observationSample` says which rows are kept and carries the RMSE of all residuals.
 */
export function sampleObservations(result: FitResult, limit: number): FitResult {
  const n = result.fitted?.length ?? 0;
  if (n <= limit || limit <= 0) return result;
  const idx = new Int32Array(limit);
  for (let k = 0; k < limit; k++) idx[k] = Math.floor((k * n) / limit);
  const pick = (xs: number[]): number[] => Array.from(idx, (i) => xs[i]);
  const pickAll = (rec: Record<string, number[]>): Record<string, number[]> => Object.fromEntries(Object.entries(rec).map(([k, xs]) => [k, pick(xs)]));
  let ss = 0;
  for (const e of result.residuals ?? []) ss += e * e;
  const pd = result.plotData;
  return {
    ...result,
    fitted: pick(result.fitted!),
    ...(result.residuals ? { residuals: pick(result.residuals) } : {}),
    ...(result.rows ? { rows: pick(result.rows) } : {}),
    ...(pd
      ? {
          plotData: {
            ...pd,
            y: pick(pd.y),
            weights: pd.weights ? pick(pd.weights) : null,
            groups: pickAll(pd.groups),
            covariates: pickAll(pd.covariates),
          },
        }
      : {}),
    observationSample: { rows: limit, of: n, residualRmse: result.residuals?.length ? Math.sqrt(ss / result.residuals.length) : NaN },
  };
}

/** The observations (no figures): response, weights, level indices, a few covariates and the column means of X. */
export function buildPlotData(frame: ModelFrame): PlotData {
  return runSteps(buildPlotDataSteps(frame));
}

function* buildPlotDataSteps(frame: ModelFrame): Steps<PlotData> {
  const n = frame.n;
  const groups: Record<string, number[]> = {};
  for (const t of frame.reTerms) {
    // Terms split by `||` share a grouping factor and its levels; lme4's ranef merges them under one name.
    if (groups[t.group]) continue;
    groups[t.group] = Array.from(t.refs);
    yield;
  }
  const slopeTerms = new Set<string>();
  for (const t of frame.reTerms) for (const name of t.termNames) if (name !== '(Intercept)') slopeTerms.add(name);
  const order = frame.coefnames
    .map((name, j) => ({ name, j }))
    .filter((c) => c.name !== '(Intercept)')
    .sort((a, b) => Number(slopeTerms.has(b.name)) - Number(slopeTerms.has(a.name)));
  const covariates: Record<string, number[]> = {};
  for (const { name, j } of order.slice(0, MAX_COVARIATES)) {
    covariates[name] = Array.from(frame.X.subarray(j * n, (j + 1) * n));
    yield;
  }
  const xMeans: Record<string, number> = {};
  frame.coefnames.forEach((name, j) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += frame.X[j * n + i];
    xMeans[name] = n ? sum / n : 0;
  });
  yield;
  const y = Array.from(frame.y);
  yield;
  return {
    y,
    weights: frame.weights ? Array.from(frame.weights) : null,
    groups,
    covariates,
    xMeans,
  };
}
