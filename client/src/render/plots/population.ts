/**
 * Estimated population distribution of a random intercept: the normal distribution N(b0, tau²) of
 * the group-level intercepts, drawn on the response scale: for logit models the implied (logit-normal)
 * distribution of the probability, for log links that of the rate (log-normal), for gaussian the
 * normal distribution of the group means at predictors zero. A rug marks the groups' estimates.
 */
import { scaleLinear } from 'd3-scale';
import { area, line } from 'd3-shape';
import type { FitResult, RanefBlock } from '../../../../engine/src/index';
import { escapeHtml } from '../../shared/escape';
import { fmt } from '../../shared/format';
import { asArray } from '../../shared/fitView';
import { dnorm, plogis } from '../../shared/normal';
import { axisBottom, axisLeft, n2, PlotSvg, svgClose, svgOpen, withTip } from '../svg';

export interface PopulationSummary {
  scale: 'probability' | 'rate' | 'response';
  mean: number; // b0 on the linear-predictor scale
  sd: number; // tau
  /** Value on the response scale at the mean of the linear predictor (the median for monotone links). */
  center: number;
  lower95: number;
  upper95: number;
}

export function populationSummary(fit: FitResult, block: RanefBlock): PopulationSummary | null {
  const b0 = fit.fixef['(Intercept)'];
  const vc = asArray(fit.varcorr).find((r) => r.grp === block.group && r.var1 === '(Intercept)' && (r.var2 === null || r.var2 === undefined));
  if (b0 === undefined || !vc) return null;
  const tau = vc.sdcor;
  const inv = fit.family === 'binomial' && fit.link === 'logit' ? plogis : fit.link === 'log' ? Math.exp : fit.link === 'identity' ? (v: number) => v : null;
  if (!inv) return null;
  const scale = fit.link === 'logit' ? 'probability' : fit.link === 'log' ? 'rate' : 'response';
  return { scale, mean: b0, sd: tau, center: inv(b0), lower95: inv(b0 - 1.959963984540054 * tau), upper95: inv(b0 + 1.959963984540054 * tau) };
}

export function populationPlot(id: string, fit: FitResult, block: RanefBlock): PlotSvg | null {
  const sum = populationSummary(fit, block);
  if (!sum) return null;
  const { mean: b0, sd: tau } = sum;
  const what = sum.scale === 'probability' ? 'probability' : sum.scale === 'rate' ? 'rate' : `mean ${fit.responseName}`;
  const title = `Population distribution of the ${what} across ${block.group}`;
  const caption =
    `Estimated distribution of the ${what} of a new ${block.group} (intercept ${fmt(b0)}, between-${block.group} sd ${fmt(tau)}` +
    `${sum.scale === 'response' ? '' : ' on the linear-predictor scale'}): with 95% probability it lies between ${fmt(sum.lower95, 3)} and ${fmt(sum.upper95, 3)}; ` +
    `at the mean intercept it is ${fmt(sum.center, 3)}. Ticks below the axis mark the ${block.group} estimates.`;
  const width = 560;
  const height = 320;
  const margin = { top: 14, right: 20, bottom: 60, left: 70 };
  // Grid on the response scale and density by change of variables.
  const pts: [number, number][] = [];
  const N = 240;
  let lo: number;
  let hi: number;
  let dens: (v: number) => number;
  if (sum.scale === 'probability') {
    lo = Math.max(1e-6, plogis(b0 - 4.5 * tau));
    hi = Math.min(1 - 1e-6, plogis(b0 + 4.5 * tau));
    dens = (p) => dnorm(Math.log(p / (1 - p)), b0, tau) / (p * (1 - p));
  } else if (sum.scale === 'rate') {
    lo = Math.exp(b0 - 4 * tau);
    hi = Math.exp(b0 + 3.5 * tau);
    dens = (r) => dnorm(Math.log(r), b0, tau) / r;
  } else {
    lo = b0 - 4 * tau;
    hi = b0 + 4 * tau;
    dens = (v) => dnorm(v, b0, tau);
  }
  if (!(tau > 0)) {
    lo = sum.center - 1;
    hi = sum.center + 1;
    dens = () => 0;
  }
  for (let k = 0; k <= N; k++) {
    const v = lo + ((hi - lo) * k) / N;
    pts.push([v, dens(v)]);
  }
  const ymax = Math.max(...pts.map((p) => p[1]).filter(Number.isFinite), 1e-12);
  const x = scaleLinear().domain([lo, hi]).range([margin.left, width - margin.right]);
  const y = scaleLinear().domain([0, ymax * 1.05]).range([height - margin.bottom, margin.top]);
  const fill = area<[number, number]>()
    .x((p) => x(p[0]))
    .y0(y(0))
    .y1((p) => y(p[1]));
  const outline = line<[number, number]>()
    .x((p) => x(p[0]))
    .y((p) => y(p[1]));
  const inside = pts.filter((p) => p[0] >= sum.lower95 && p[0] <= sum.upper95);
  let s = svgOpen(id, width, height, title, caption);
  s += `<path class="density-fill" d="${fill(pts) ?? ''}"/>`;
  s += withTip('path', `class="density-band" d="${fill(inside) ?? ''}"`, `95% of ${block.group}s: ${what} between ${fmt(sum.lower95, 3)} and ${fmt(sum.upper95, 3)}`, true);
  s += `<path class="density-line" d="${outline(pts) ?? ''}"/>`;
  s += withTip(
    'line',
    `class="center-line" x1="${n2(x(sum.center))}" x2="${n2(x(sum.center))}" y1="${n2(y(0))}" y2="${margin.top}"`,
    `At the mean intercept (${fmt(b0)}): ${what} ${fmt(sum.center, 3)}`,
    true,
  );
  // Rug of the groups' estimates (fixed intercept + conditional mode), on the same scale.
  const k0 = asArray(block.terms).indexOf('(Intercept)');
  if (k0 >= 0) {
    const inv = sum.scale === 'probability' ? plogis : sum.scale === 'rate' ? Math.exp : (v: number) => v;
    const vals = asArray(block.values[k0]);
    const levels = asArray(block.levels);
    const base = y(0);
    s += `<g class="rug">`;
    vals.forEach((u, j) => {
      const v = inv(b0 + u);
      if (v < lo || v > hi) return;
      s += `<line class="rug-tick" x1="${n2(x(v))}" x2="${n2(x(v))}" y1="${n2(base + 2)}" y2="${n2(base + 9)}" data-level="${escapeHtml(levels[j])}"><title>${escapeHtml(`${block.group} ${levels[j]}: ${fmt(v, 3)}`)}</title></line>`;
    });
    s += `</g>`;
  }
  s += axisBottom(x, height - margin.bottom + 12, what, width, 6);
  s += axisLeft(y, margin.left - 4, 'density', 4);
  return { id, kind: 'population', title, caption, svg: s + svgClose };
}
