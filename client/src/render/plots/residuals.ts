/**
 * Residual diagnostics drawn from the engine's figures (FitResult.plotData.figures): residuals against
 * fitted values with the engine's smoother (gaussian fits), arm::binnedplot's binned residuals (GLMMs,
 * whose raw residuals against fitted values show a built-in pattern), and the normal QQ plot of the
 * scaled residuals with R's qqline and a pointwise 95% band. Large data are thinned for drawing and
 * the points made translucent.
 */
import { scaleLinear } from 'd3-scale';
import { area, line } from 'd3-shape';
import type { BinnedResidual, QqFigure, FitResult } from '../../../../engine/src/index';
import { fmt } from '../../shared/format';
import { asArray } from '../../shared/fitView';
import { axisBottom, axisLeft, emptyPlot, n2, paddedExtent, PlotSvg, svgClose, svgOpen, thinIndices, withTip } from '../svg';

const DRAW_LIMIT = 3000;
const FOCUS_LIMIT = 60;
const W = 560;
const H = 360;
const M = { top: 14, right: 20, bottom: 52, left: 70 };

/** Above this many points they are drawn as one path without per-point tooltips (an SVG stays under ~5,000 elements). */
const CLOUD_LIMIT = 400;

function pointClass(n: number): string {
  return n > 1000 ? 'pt pt-dense' : n > 200 ? 'pt pt-many' : 'pt';
}

/** Many points as one translucent path of small circles. */
function cloud(xy: [number, number][], cls: string): string {
  const d = xy.map(([cx, cy]) => `M${n2(cx - 2)},${n2(cy)}a2,2 0 1,0 4,0a2,2 0 1,0 -4,0`).join('');
  return `<path class="${cls} pt-cloud" d="${d}"/>`;
}

export function residualsPlot(id: string, fit: FitResult): PlotSvg {
  const fitted = asArray(fit.fitted);
  const res = asArray(fit.residuals);
  const title = 'Residuals vs fitted';
  if (fitted.length === 0 || fitted.length !== res.length) return emptyPlot(id, 'residuals', title, 'The fit holds no fitted values or residuals.');
  const rows = asArray(fit.rows);
  const shown = thinIndices(fitted.length, DRAW_LIMIT);
  const focus = shown.length <= FOCUS_LIMIT;
  const smooth = fit.plotData?.figures?.residualSmooth ?? null;
  const sample = fit.observationSample;
  const caption =
    `Residuals against fitted values for ${sample ? `an evenly spaced sample of ${sample.rows} of the ${sample.of} observations (the curve and the QQ plot use all of them)` : `${fitted.length} observations`}` +
    (shown.length < fitted.length ? ` (${shown.length} evenly spaced rows drawn)` : '') +
    (smooth ? '; the curve is a local linear smoother (span 2/3), flat near zero when the mean is well specified' : '') +
    '; a curve or a funnel shape suggests a misspecified mean or unequal variance.';
  const x = scaleLinear().domain(paddedExtent(fitted)).range([M.left, W - M.right]);
  const y = scaleLinear().domain(paddedExtent([...res, 0])).range([H - M.bottom, M.top]);
  let s = svgOpen(id, W, H, title, caption);
  s += `<line class="ref-line" x1="${M.left}" x2="${W - M.right}" y1="${n2(y(0))}" y2="${n2(y(0))}"/>`;
  const cls = pointClass(shown.length);
  if (shown.length > CLOUD_LIMIT) s += cloud(shown.map((i) => [x(fitted[i]), y(res[i])]), cls);
  else
    for (const i of shown) {
      const tip = `Row ${rows[i] !== undefined ? rows[i] + 1 : i + 1}: fitted ${fmt(fitted[i])}, residual ${fmt(res[i])}`;
      s += withTip('circle', `class="${cls}" cx="${n2(x(fitted[i]))}" cy="${n2(y(res[i]))}" r="2.5"`, tip, focus);
    }
  if (smooth && smooth.x.length > 1) {
    const path = line<number>()
      .x((k) => x(smooth.x[k]))
      .y((k) => y(smooth.y[k]));
    s += `<path class="smooth-line" d="${path(smooth.x.map((_, k) => k)) ?? ''}"><title>Local linear smoother of the residuals</title></path>`;
  }
  s += axisBottom(x, H - M.bottom + 4, 'fitted value', W);
  s += axisLeft(y, M.left - 4, 'residual');
  return { id, kind: 'residuals', title, caption, svg: s + svgClose };
}

/** arm::binnedplot: mean residual per bin of fitted values with ± 2 SE bounds. */
export function binnedPlot(id: string, fit: FitResult, bins: BinnedResidual[]): PlotSvg {
  const title = 'Binned residuals';
  const scale = fit.family === 'binomial' ? 'fitted probability' : 'fitted mean';
  const outside = bins.filter((b) => Math.abs(b.mean) > b.se2).length;
  const groups = Math.max(0, ...Object.values(fit.ngrps ?? {}));
  const perGroup = groups > 0 ? fit.nobs / groups : Infinity;
  const caption =
    `Observations grouped into ${bins.length} bins of similar ${scale} (arm::binnedplot); each point is the bin's mean residual (observed − fitted), ` +
    `the grey lines ± 2 standard errors (${bins.length - outside} of ${bins.length} points inside). The fitted values include the random effects, ` +
    `which shrink each group toward the mean, so residuals rise with the fitted value by construction` +
    (perGroup < 5 ? ` — strongly here, with ${fit.nobs} observations in ${groups} groups — and such a trend is not evidence of misspecification` : ' when groups are small') +
    `. The simulated (DHARMa) residuals above check the fit without this artefact.`;
  const x = scaleLinear().domain(paddedExtent(bins.flatMap((b) => [b.lo, b.hi]))).range([M.left, W - M.right]);
  const y = scaleLinear().domain(paddedExtent(bins.flatMap((b) => [b.mean, b.se2, -b.se2, 0]))).range([H - M.bottom, M.top]);
  let s = svgOpen(id, W, H, title, caption);
  s += `<line class="ref-line" x1="${M.left}" x2="${W - M.right}" y1="${n2(y(0))}" y2="${n2(y(0))}"/>`;
  const up = line<BinnedResidual>()
    .x((b) => x(b.fitted))
    .y((b) => y(b.se2));
  const down = line<BinnedResidual>()
    .x((b) => x(b.fitted))
    .y((b) => y(-b.se2));
  s += `<path class="bound-line" d="${up(bins) ?? ''}"/><path class="bound-line" d="${down(bins) ?? ''}"/>`;
  for (const b of bins) {
    const tip = `${b.n} observations, ${scale} ${fmt(b.lo)} to ${fmt(b.hi)}: mean residual ${fmt(b.mean)} (± 2 SE = ${fmt(b.se2)})`;
    s += withTip('circle', `class="pt${Math.abs(b.mean) > b.se2 ? ' pt-outside' : ''}" cx="${n2(x(b.fitted))}" cy="${n2(y(b.mean))}" r="3.5"`, tip, bins.length <= FOCUS_LIMIT);
  }
  s += axisBottom(x, H - M.bottom + 4, `mean ${scale} in the bin`, W);
  s += axisLeft(y, M.left - 4, 'mean residual');
  return { id, kind: 'binned-residuals', title, caption, svg: s + svgClose };
}

export function qqPlot(id: string, qq: QqFigure): PlotSvg {
  const title = 'Normal QQ plot of residuals';
  const n = qq.n;
  const m = qq.theoretical.length;
  const focus = m <= FOCUS_LIMIT;
  const caption =
    `Sorted scaled residuals against standard normal quantiles for ${n} observations` +
    (m < n ? ` (${m} order statistics drawn)` : '') +
    '; points near the line through the quartiles, inside the shaded pointwise 95% band, mean the residuals look normal.';
  const x = scaleLinear().domain(paddedExtent(qq.theoretical)).range([M.left, W - M.right]);
  const y = scaleLinear().domain(paddedExtent([...qq.sample, ...qq.lower, ...qq.upper])).range([H - M.bottom, M.top]);
  const [d0, d1] = x.domain();
  let s = svgOpen(id, W, H, title, caption);
  s += `<defs><clipPath id="${id}-clip"><rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}"/></clipPath></defs>`;
  const idx = qq.theoretical.map((_, k) => k);
  const band = area<number>()
    .x((k) => x(qq.theoretical[k]))
    .y0((k) => y(qq.lower[k]))
    .y1((k) => y(qq.upper[k]));
  s += `<path clip-path="url(#${id}-clip)" class="qq-band" d="${band(idx) ?? ''}"><title>Pointwise 95% band for normal residuals</title></path>`;
  s += `<line clip-path="url(#${id}-clip)" class="ref-line qq-line" x1="${n2(x(d0))}" x2="${n2(x(d1))}" y1="${n2(y(qq.intercept + qq.slope * d0))}" y2="${n2(y(qq.intercept + qq.slope * d1))}"/>`;
  const cls = pointClass(m);
  if (m > CLOUD_LIMIT) s += cloud(qq.theoretical.map((z, k) => [x(z), y(qq.sample[k])]), cls);
  else
    qq.theoretical.forEach((z, k) => {
      const tip = `Normal quantile ${fmt(z)}: ${qq.label} ${fmt(qq.sample[k])}`;
      s += withTip('circle', `class="${cls}" cx="${n2(x(z))}" cy="${n2(y(qq.sample[k]))}" r="2.5"`, tip, focus);
    });
  s += axisBottom(x, H - M.bottom + 4, 'standard normal quantile', W);
  s += axisLeft(y, M.left - 4, qq.label);
  return { id, kind: 'qq', title, caption, svg: s + svgClose };
}
