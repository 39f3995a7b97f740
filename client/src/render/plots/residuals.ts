/**
 * Residual diagnostics: residuals against fitted values, and a normal quantile-quantile plot of the
 * residuals (scaled by sigma for gaussian fits) with the line through the quartiles (R's qqline).
 * Large data are thinned to evenly spaced rows (residuals plot) or order statistics (QQ plot).
 */
import { scaleLinear } from 'd3-scale';
import type { FitResult } from '../../../../engine/src/index';
import { fmt } from '../../shared/format';
import { asArray } from '../../shared/fitView';
import { qnorm } from '../../shared/normal';
import { axisBottom, axisLeft, emptyPlot, n2, paddedExtent, PlotSvg, svgClose, svgOpen, thinIndices, withTip } from '../svg';

const DRAW_LIMIT = 3000;
const FOCUS_LIMIT = 60;

export function residualsPlot(id: string, fit: FitResult): PlotSvg {
  const fitted = asArray(fit.fitted);
  const res = asArray(fit.residuals);
  const title = 'Residuals vs fitted';
  if (fitted.length === 0 || fitted.length !== res.length) return emptyPlot(id, 'residuals', title, 'The fit holds no fitted values or residuals.');
  const rows = asArray(fit.rows);
  const shown = thinIndices(fitted.length, DRAW_LIMIT);
  const focus = shown.length <= FOCUS_LIMIT;
  const caption =
    `Residuals against fitted values for ${fitted.length} observations` +
    (shown.length < fitted.length ? ` (${shown.length} evenly spaced rows drawn)` : '') +
    '; a pattern or a funnel shape suggests a misspecified mean or unequal variance.';
  const width = 560;
  const height = 360;
  const margin = { top: 14, right: 20, bottom: 52, left: 70 };
  const x = scaleLinear().domain(paddedExtent(fitted)).range([margin.left, width - margin.right]);
  const y = scaleLinear().domain(paddedExtent([...res, 0])).range([height - margin.bottom, margin.top]);
  let s = svgOpen(id, width, height, title, caption);
  s += `<line class="ref-line" x1="${margin.left}" x2="${width - margin.right}" y1="${n2(y(0))}" y2="${n2(y(0))}"/>`;
  for (const i of shown) {
    const tip = `Row ${rows[i] !== undefined ? rows[i] + 1 : i + 1}: fitted ${fmt(fitted[i])}, residual ${fmt(res[i])}`;
    s += withTip('circle', `class="pt" cx="${n2(x(fitted[i]))}" cy="${n2(y(res[i]))}" r="2.5"`, tip, focus);
  }
  s += axisBottom(x, height - margin.bottom + 4, 'fitted value', width);
  s += axisLeft(y, margin.left - 4, 'residual');
  return { id, kind: 'residuals', title, caption, svg: s + svgClose };
}

/** R's ppoints: plotting positions (i - a) / (n + 1 - 2a), a = 3/8 for n <= 10, else 1/2. */
export function ppoints(n: number): number[] {
  const a = n <= 10 ? 3 / 8 : 0.5;
  return Array.from({ length: n }, (_, i) => (i + 1 - a) / (n + 1 - 2 * a));
}

/** Quantile of sorted data by R's default (type 7) rule. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function qqPlot(id: string, fit: FitResult): PlotSvg {
  const raw = asArray(fit.residuals);
  const gaussian = fit.family === 'gaussian';
  const title = 'Normal QQ plot of residuals';
  if (raw.length === 0) return emptyPlot(id, 'qq', title, 'The fit holds no residuals.');
  const scale = gaussian && fit.sigma > 0 ? fit.sigma : 1;
  const sorted = Float64Array.from(raw.map((r) => r / scale).filter(Number.isFinite)).sort();
  const n = sorted.length;
  const shown = thinIndices(n, DRAW_LIMIT);
  // Always include the extremes.
  if (shown[shown.length - 1] !== n - 1) shown.push(n - 1);
  const focus = shown.length <= FOCUS_LIMIT;
  // Normal quantiles of the plotting positions (R's ppoints), only for the points drawn.
  const a = n <= 10 ? 3 / 8 : 0.5;
  const theo: number[] = new Array(n);
  for (const i of shown) theo[i] = qnorm((i + 1 - a) / (n + 1 - 2 * a));
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  const z1 = qnorm(0.25);
  const z3 = qnorm(0.75);
  const slope = (q3 - q1) / (z3 - z1);
  const intercept = q1 - slope * z1;
  const label = gaussian ? 'scaled residual (residual / sigma)' : 'residual';
  const caption =
    `Sorted ${gaussian ? 'scaled ' : ''}residuals against standard normal quantiles for ${n} observations` +
    (shown.length < n ? ` (${shown.length} order statistics drawn)` : '') +
    '; points near the line through the quartiles mean the residuals look normal.';
  const width = 560;
  const height = 360;
  const margin = { top: 14, right: 20, bottom: 52, left: 70 };
  const x = scaleLinear().domain(paddedExtent(shown.map((i) => theo[i]))).range([margin.left, width - margin.right]);
  const y = scaleLinear().domain(paddedExtent(Array.from(sorted))).range([height - margin.bottom, margin.top]);
  const [d0, d1] = x.domain();
  let s = svgOpen(id, width, height, title, caption);
  s += `<defs><clipPath id="${id}-clip"><rect x="${margin.left}" y="${margin.top}" width="${width - margin.left - margin.right}" height="${height - margin.top - margin.bottom}"/></clipPath></defs>`;
  s += `<line clip-path="url(#${id}-clip)" class="ref-line qq-line" x1="${n2(x(d0))}" x2="${n2(x(d1))}" y1="${n2(y(intercept + slope * d0))}" y2="${n2(y(intercept + slope * d1))}"/>`;
  for (const i of shown) {
    const tip = `Normal quantile ${fmt(theo[i])}: ${label} ${fmt(sorted[i])} (rank ${i + 1} of ${n})`;
    s += withTip('circle', `class="pt" cx="${n2(x(theo[i]))}" cy="${n2(y(sorted[i]))}" r="2.5"`, tip, focus);
  }
  s += axisBottom(x, height - margin.bottom + 4, 'standard normal quantile', width);
  s += axisLeft(y, margin.left - 4, label);
  return { id, kind: 'qq', title, caption, svg: s + svgClose };
}
