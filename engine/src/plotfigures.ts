/**
 * The statistics behind the results panel's plots, computed from a fit and its plot data so that the
 * panel only draws: no-pooling estimates (shrinkage), the population distribution of each random
 * intercept, which covariates are constant within the levels of each grouping factor (no per-group
 * lines over them), a smoother of the
 * residuals against the fitted values, arm::binnedplot's binned residuals for GLMMs, and the normal
 * QQ plot's points, line (R's qqline) and pointwise 95% band (car::qqPlot's). Pure; plain JSON out.
 */
import type { FitResult, PlotData } from './result';
import { groupEstimatesSteps, linkOf, type GroupEstimates } from './inference/noPooling';
import { qnorm, dnorm } from './inference/distributions';
import { quantile7 } from './inference/distributions';
import type { SimulatedResidualsFigure } from './inference/simres';
import type { EffectFigure } from './effects';
import { runSteps, type Steps } from './hooks';
import { sortSteps } from './linalg/sort';

export type { GroupEstimates, GroupEstimate } from './inference/noPooling';

export interface PopulationSummary {
  group: string;
  scale: 'probability' | 'rate' | 'response';
  /** Fixed intercept (linear-predictor scale) and the between-group SD of the intercepts. */
  mean: number;
  sd: number;
  /** Response-scale value at the mean intercept, and the central 95% of the groups. */
  center: number;
  lower95: number;
  upper95: number;
  /** Density of the response-scale value on a grid (change of variables from N(mean, sd²)). */
  curve: { x: number[]; density: number[] };
  /** Response-scale value of each level (fixed intercept + conditional mode), in the block's level order. */
  levels: number[];
}

export interface BinnedResidual {
  /** Mean fitted value of the bin, its range, the mean residual and ± 2 SE as arm::binnedplot draws. */
  fitted: number;
  lo: number;
  hi: number;
  mean: number;
  se2: number;
  n: number;
}

export interface QqFigure {
  /** Order statistics drawn (at most DRAW_LIMIT, extremes included) as (theoretical, sample) pairs. */
  theoretical: number[];
  sample: number[];
  /** Number of residuals in all. */
  n: number;
  /** Line through the quartiles (R's qqline). */
  intercept: number;
  slope: number;
  /** Pointwise 95% band around the line at the drawn theoretical quantiles. */
  lower: number[];
  upper: number[];
  /** 'scaled residual (residual / sigma)' or 'residual'. */
  label: string;
}

export interface PlotFigures {
  noPooling: GroupEstimates[];
  population: PopulationSummary[];
  /** Per grouping factor: the covariates that take one value within every level (group-level predictors). */
  groupLevel: Record<string, string[]>;
  /** The effect plots (effects.ts effectFigures; filled by the fit with the model's declaration, else empty). */
  effects: EffectFigure[];
  /** Local linear smoother (tricube weights, span 2/3) of residual on fitted value, on a grid. */
  residualSmooth: { x: number[]; y: number[] } | null;
  /** GLMMs: binned residuals (arm::binnedplot); null for gaussian fits. */
  binned: BinnedResidual[] | null;
  /** Gaussian fits: the normal QQ plot of the scaled residuals; null for GLMMs. */
  qq: QqFigure | null;
  /** GLMMs: DHARMa's simulated residuals (inference/simres.ts withSimulatedResiduals), when computed. */
  simulated?: SimulatedResidualsFigure;
  /** GLMMs: why the simulated residuals were not computed (too many observations to simulate), for the panel's note. */
  simulatedNote?: string;
}

const DRAW_LIMIT = 3000;
const GRID = 50;
const Z975 = qnorm(0.975);

function asArray<T>(x: T | T[] | null | undefined): T[] {
  if (x === null || x === undefined) return [];
  return Array.isArray(x) ? x : [x];
}

type BasePlotData = Omit<PlotData, 'figures'>;

export function plotFigures(fit: FitResult, pd: BasePlotData): PlotFigures {
  return runSteps(plotFiguresSteps(fit, pd));
}

/** plotFigures with a yield between figures (and inside the QQ plot's sort): see hooks.ts Steps. */
export function* plotFiguresSteps(fit: FitResult, pd: BasePlotData): Steps<PlotFigures> {
  const blocks = asArray(fit.ranef);
  const noPooling: GroupEstimates[] = [];
  for (const b of blocks) {
    const est = yield* groupEstimatesSteps(fit, b, pd);
    if (est) noPooling.push(est);
    yield;
  }
  const population: PopulationSummary[] = [];
  for (const b of blocks) {
    const p = populationSummary(fit, b.group);
    if (p) population.push(p);
  }
  const gaussian = fit.family === 'gaussian';
  const groupLevel = groupLevelCovariates(pd);
  yield;
  const residualSmooth = localLinear(asArray(fit.fitted), asArray(fit.residuals));
  yield;
  const binned = gaussian ? null : binnedResiduals(asArray(fit.fitted), asArray(fit.residuals));
  yield;
  const qq = gaussian ? yield* qqFigureSteps(asArray(fit.residuals), fit.sigma) : null;
  return { noPooling, population, groupLevel, effects: [], residualSmooth, binned, qq };
}

/** The population distribution of a group's random intercept on the response scale. */
export function populationSummary(fit: FitResult, group: string): PopulationSummary | null {
  const block = asArray(fit.ranef).find((b) => b.group === group);
  const b0 = fit.fixef['(Intercept)'];
  const vc = asArray(fit.varcorr).find((r) => r.grp === group && r.var1 === '(Intercept)' && (r.var2 === null || r.var2 === undefined));
  if (!block || b0 === undefined || !vc) return null;
  const scale = fit.family === 'gaussian' ? 'response' : fit.link === 'logit' ? 'probability' : fit.link === 'log' ? 'rate' : null;
  if (!scale) return null;
  const L = linkOf(fit);
  const tau = vc.sdcor;
  let lo = b0 - 4.5 * tau;
  let hi = b0 + (scale === 'rate' ? 3.5 : 4.5) * tau;
  if (!(tau > 0)) {
    lo = b0 - 1;
    hi = b0 + 1;
  }
  // Grid on the linear-predictor scale mapped to the response scale; density by change of variables.
  const x: number[] = [];
  const density: number[] = [];
  for (let k = 0; k <= 240; k++) {
    const eta = lo + ((hi - lo) * k) / 240;
    x.push(L.linkinv(eta));
    density.push(tau > 0 ? dnorm((eta - b0) / tau) / tau / L.muEta(eta) : 0);
  }
  const k0 = asArray(block.terms).indexOf('(Intercept)');
  const levels = k0 >= 0 ? asArray(block.values[k0]).map((u) => L.linkinv(b0 + u)) : [];
  return {
    group,
    scale,
    mean: b0,
    sd: tau,
    center: L.linkinv(b0),
    lower95: L.linkinv(b0 - Z975 * tau),
    upper95: L.linkinv(b0 + Z975 * tau),
    curve: { x, density },
    levels,
  };
}

/** Covariates that are constant within every level of each grouping factor. */
export function groupLevelCovariates(pd: BasePlotData): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [g, idx] of Object.entries(pd.groups)) {
    out[g] = Object.entries(pd.covariates)
      .filter(([, xs]) => {
        const first = new Map<number, number>();
        for (let i = 0; i < idx.length; i++) {
          const v = first.get(idx[i]);
          if (v === undefined) first.set(idx[i], xs[i]);
          else if (v !== xs[i]) return false;
        }
        return true;
      })
      .map(([name]) => name);
  }
  return out;
}

/** Most points the residual smoother uses: beyond it, every k-th observation (its cost is points × grid). */
const SMOOTH_MAX_POINTS = 20000;

/**
 * Local linear regression of y on x (tricube weights over the nearest 2/3 of the points) on a grid. Of more than
 * SMOOTH_MAX_POINTS observations every k-th is used (a systematic sample: the same curve up to sampling noise far
 * below the residuals' spread), so a fit of millions of rows does not spend seconds on a guide line.
 */
export function localLinear(x: number[], y: number[], span = 2 / 3): { x: number[]; y: number[] } | null {
  if (x.length !== y.length) return null;
  const stride = Math.max(1, Math.ceil(x.length / SMOOTH_MAX_POINTS));
  const idx: number[] = [];
  for (let i = 0; i < x.length; i += stride) if (Number.isFinite(x[i]) && Number.isFinite(y[i])) idx.push(i);
  const n = idx.length;
  if (n < 10) return null;
  idx.sort((a, b) => x[a] - x[b]);
  const xs = idx.map((i) => x[i]);
  const ys = idx.map((i) => y[i]);
  const k = Math.max(3, Math.min(n, Math.ceil(span * n)));
  const gx: number[] = [];
  const gy: number[] = [];
  let left = 0;
  for (let g = 0; g <= GRID; g++) {
    const x0 = xs[0] + ((xs[n - 1] - xs[0]) * g) / GRID;
    // the window of k nearest points slides right as x0 grows
    while (left + k < n && x0 - xs[left] > xs[left + k] - x0) left++;
    const h = Math.max(x0 - xs[left], xs[left + k - 1] - x0) * 1.0000001 || 1;
    let sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (let i = left; i < left + k; i++) {
      const u = Math.abs(xs[i] - x0) / h;
      const w = u >= 1 ? 0 : (1 - u * u * u) ** 3;
      sw += w;
      sx += w * xs[i];
      sy += w * ys[i];
      sxx += w * xs[i] * xs[i];
      sxy += w * xs[i] * ys[i];
    }
    if (!(sw > 0)) continue;
    const mx = sx / sw;
    const my = sy / sw;
    const vxx = sxx / sw - mx * mx;
    const b = vxx > 1e-12 * (1 + mx * mx) ? (sxy / sw - mx * my) / vxx : 0;
    gx.push(x0);
    gy.push(my + b * (x0 - mx));
  }
  return { x: gx, y: gy };
}

/** arm::binnedplot's bins: by quantiles of the fitted values; mean residual ± 2 sd / √n per bin. */
export function binnedResiduals(fitted: number[], res: number[]): BinnedResidual[] | null {
  const n = fitted.length;
  if (n < 2 || res.length !== n) return null;
  const nclass = n >= 100 ? Math.floor(Math.sqrt(n)) : n > 10 ? 10 : Math.floor(n / 2);
  const order = fitted.map((_, i) => i).sort((a, b) => fitted[a] - fitted[b]);
  const out: BinnedResidual[] = [];
  for (let c = 0; c < nclass; c++) {
    const m = order.slice(Math.floor((c * n) / nclass), Math.floor(((c + 1) * n) / nclass));
    if (m.length === 0) continue;
    const f = m.map((i) => fitted[i]);
    const r = m.map((i) => res[i]);
    const mean = r.reduce((s, v) => s + v, 0) / r.length;
    const sd = r.length > 1 ? Math.sqrt(r.reduce((s, v) => s + (v - mean) ** 2, 0) / (r.length - 1)) : 0;
    out.push({ fitted: f.reduce((s, v) => s + v, 0) / f.length, lo: f[0], hi: f[f.length - 1], mean, se2: (2 * sd) / Math.sqrt(r.length), n: r.length });
  }
  return out;
}

/** R's ppoints: plotting positions (i - a) / (n + 1 - 2a), a = 3/8 for n <= 10, else 1/2. */
export function ppoints(n: number): number[] {
  return Array.from({ length: n }, (_, i) => ppoint(i, n));
}

/** ppoints(n)[i] (0-based i). */
export function ppoint(i: number, n: number): number {
  const a = n <= 10 ? 3 / 8 : 0.5;
  return (i + 1 - a) / (n + 1 - 2 * a);
}

/** The QQ plot of the residuals / sigma: order statistics, qqline and car::qqPlot's pointwise 95% band. */
export function qqFigure(residuals: number[], sigma: number): QqFigure | null {
  return runSteps(qqFigureSteps(residuals, sigma));
}

/** qqFigure in slices: the residuals are sorted by sortSteps. */
export function* qqFigureSteps(residuals: ArrayLike<number>, sigma: number): Steps<QqFigure | null> {
  const scale = sigma > 0 ? sigma : 1;
  const all = new Float64Array(residuals.length);
  let n = 0;
  for (let i = 0; i < residuals.length; i++) {
    const v = residuals[i] / scale;
    if (Number.isFinite(v)) all[n++] = v;
  }
  const sorted = n === all.length ? all : all.subarray(0, n);
  if (n === 0) return null;
  yield* sortSteps(sorted);
  const step = n / DRAW_LIMIT;
  const shown: number[] = n <= DRAW_LIMIT ? Array.from({ length: n }, (_, i) => i) : Array.from({ length: DRAW_LIMIT }, (_, k) => Math.floor(k * step));
  if (shown[shown.length - 1] !== n - 1) shown.push(n - 1);
  const q1 = quantile7(sorted, 0.25);
  const q3 = quantile7(sorted, 0.75);
  const slope = (q3 - q1) / (qnorm(0.75) - qnorm(0.25));
  const intercept = q1 - slope * qnorm(0.25);
  const theoretical: number[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  for (const i of shown) {
    const pi = ppoint(i, n); // R's ppoints at the drawn order statistics only
    const z = qnorm(pi);
    const se = (slope / dnorm(z)) * Math.sqrt((pi * (1 - pi)) / n);
    theoretical.push(z);
    lower.push(intercept + slope * z - Z975 * se);
    upper.push(intercept + slope * z + Z975 * se);
  }
  return { theoretical, sample: shown.map((i) => sorted[i]), n, intercept, slope, lower, upper, label: sigma > 0 ? 'scaled residual (residual / sigma)' : 'residual' };
}
