/**
 * Effect plot of one fixed effect: the engine's prediction over the predictor's range (fixed effects
 * only, the other columns at their means) with its pointwise 95% confidence band, on the response scale.
 */
import { scaleLinear } from 'd3-scale';
import { area, line } from 'd3-shape';
import type { EffectCurve, FitResult } from '../../../../engine/src/index';
import { fmt } from '../../shared/format';
import { axisBottom, axisLeft, n2, paddedExtent, PlotSvg, svgClose, svgOpen } from '../svg';

export function effectPlot(id: string, fit: FitResult, c: EffectCurve): PlotSvg {
  const resp = fit.family === 'binomial' ? `P(${fit.responseName})` : fit.link === 'log' ? `mean ${fit.responseName}` : fit.responseName;
  const title = `Effect of ${c.term} on ${resp}`;
  const last = c.x.length - 1;
  const caption =
    `Predicted ${resp} over the observed range of ${c.term}, other predictors at their means, random effects at zero, ` +
    `with a pointwise 95% confidence band (${c.band}): from ${fmt(c.fit[0])} at ${fmt(c.x[0])} to ${fmt(c.fit[last])} at ${fmt(c.x[last])}.`;
  const W = 560;
  const H = 320;
  const M = { top: 14, right: 20, bottom: 52, left: 70 };
  const x = scaleLinear().domain([c.x[0], c.x[last]]).range([M.left, W - M.right]);
  const y = scaleLinear().domain(paddedExtent([...c.lower, ...c.upper])).range([H - M.bottom, M.top]);
  const idx = c.x.map((_, k) => k);
  const band = area<number>()
    .x((k) => x(c.x[k]))
    .y0((k) => y(c.lower[k]))
    .y1((k) => y(c.upper[k]));
  const mid = line<number>()
    .x((k) => x(c.x[k]))
    .y((k) => y(c.fit[k]));
  let s = svgOpen(id, W, H, title, caption);
  s += `<path class="effect-band" d="${band(idx) ?? ''}"><title>95% confidence band</title></path>`;
  s += `<path class="effect-line" d="${mid(idx) ?? ''}"/>`;
  s += axisBottom(x, H - M.bottom + 4, c.term, W);
  s += axisLeft(y, M.left - 4, resp);
  return { id, kind: 'effect', title, caption, svg: s + svgClose };
}
