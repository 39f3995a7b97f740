/**
 * Builds FitResult.plotData from a model frame: the observations the results panel needs for its
 * plots, and the plots' statistics (plotfigures.ts). Pure; `withPlotData(frame, result)` returns the result with them.
 */
import type { ModelFrame } from './frame/types';
import type { FitResult, PlotData } from './result';
import { plotFigures } from './plotfigures';

/** Covariates kept: random-slope terms first, then other numeric columns, at most this many. */
const MAX_COVARIATES = 6;

/** A copy of the fit carrying its plot data and the plots' statistics. */
export function withPlotData(frame: ModelFrame, result: FitResult): FitResult {
  // a frame of SQL blocks has no rows to plot: the panel leaves those plots out with its note
  if (frame.blocks) return result;
  const base = buildPlotData(frame);
  return { ...result, plotData: { ...base, figures: plotFigures(result, base) } };
}

/** The observations (no figures): response, weights, level indices, a few covariates and the column means of X. */
export function buildPlotData(frame: ModelFrame): PlotData {
  const n = frame.n;
  const groups: Record<string, number[]> = {};
  for (const t of frame.reTerms) {
    // Terms split by `||` share a grouping factor and its levels; lme4's ranef merges them under one name.
    if (groups[t.group]) continue;
    groups[t.group] = Array.from(t.refs);
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
  }
  const xMeans: Record<string, number> = {};
  frame.coefnames.forEach((name, j) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += frame.X[j * n + i];
    xMeans[name] = n ? sum / n : 0;
  });
  return {
    y: Array.from(frame.y),
    weights: frame.weights ? Array.from(frame.weights) : null,
    groups,
    covariates,
    xMeans,
  };
}
