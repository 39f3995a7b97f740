/**
 * Estimated population distribution of a random intercept (the engine's PopulationSummary): the
 * normal distribution N(b0, tau²) of the group-level intercepts drawn on the response scale (logit:
 * the probability, log: the rate, gaussian: the mean response at predictors zero). A rug marks the
 * groups' estimates; the shaded part holds the central 95% of groups.
 */
import { scaleLinear } from 'd3-scale';
import { area, line } from 'd3-shape';
import type { PopulationSummary, FitResult } from '../../../../engine/src/index';
import { escapeHtml } from '../../shared/escape';
import { fmt } from '../../shared/format';
import { asArray } from '../../shared/fitView';
import { axisBottom, axisLeft, n2, PlotSvg, svgClose, svgOpen, withTip } from '../svg';

export function populationPlot(id: string, fit: FitResult, sum: PopulationSummary): PlotSvg {
  const group = sum.group;
  const what = sum.scale === 'probability' ? 'probability' : sum.scale === 'rate' ? 'rate' : `mean ${fit.responseName}`;
  const title = `Population distribution of the ${what} across ${group}`;
  const caption =
    `Estimated distribution of the ${what} of a new ${group} (intercept ${fmt(sum.mean)}, between-${group} sd ${fmt(sum.sd)}` +
    `${sum.scale === 'response' ? '' : ' on the linear-predictor scale'}): with 95% probability it lies between ${fmt(sum.lower95, 3)} and ${fmt(sum.upper95, 3)}; ` +
    `at the mean intercept it is ${fmt(sum.center, 3)}. Ticks below the axis mark the ${group} estimates.`;
  const width = 560;
  const height = 320;
  const margin = { top: 14, right: 20, bottom: 60, left: 70 };
  const pts: [number, number][] = sum.curve.x.map((v, k) => [v, sum.curve.density[k]]);
  const finite = pts.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
  const lo = Math.min(...finite.map((p) => p[0]));
  const hi = Math.max(...finite.map((p) => p[0]));
  const ymax = Math.max(...finite.map((p) => p[1]), 1e-12);
  const x = scaleLinear().domain([lo, hi > lo ? hi : lo + 1]).range([margin.left, width - margin.right]);
  const y = scaleLinear().domain([0, ymax * 1.05]).range([height - margin.bottom, margin.top]);
  const fill = area<[number, number]>()
    .x((p) => x(p[0]))
    .y0(y(0))
    .y1((p) => y(p[1]));
  const outline = line<[number, number]>()
    .x((p) => x(p[0]))
    .y((p) => y(p[1]));
  const inside = finite.filter((p) => p[0] >= sum.lower95 && p[0] <= sum.upper95);
  let s = svgOpen(id, width, height, title, caption);
  s += `<path class="density-fill" d="${fill(finite) ?? ''}"/>`;
  s += withTip('path', `class="density-band" d="${fill(inside) ?? ''}"`, `95% of ${group}s: ${what} between ${fmt(sum.lower95, 3)} and ${fmt(sum.upper95, 3)}`, true);
  s += `<path class="density-line" d="${outline(finite) ?? ''}"/>`;
  s += withTip(
    'line',
    `class="center-line" x1="${n2(x(sum.center))}" x2="${n2(x(sum.center))}" y1="${n2(y(0))}" y2="${margin.top}"`,
    `At the mean intercept (${fmt(sum.mean)}): ${what} ${fmt(sum.center, 3)}`,
    true,
  );
  const block = asArray(fit.ranef).find((b) => b.group === group);
  const levels = asArray(block?.levels);
  const base = y(0);
  s += `<g class="rug">`;
  sum.levels.forEach((v, j) => {
    if (!(v >= lo && v <= hi)) return;
    s += `<line class="rug-tick linked" data-group="${escapeHtml(group)}" data-level="${escapeHtml(levels[j] ?? '')}" x1="${n2(x(v))}" x2="${n2(x(v))}" y1="${n2(base + 2)}" y2="${n2(base + 9)}"><title>${escapeHtml(`${group} ${levels[j]}: ${fmt(v, 3)}`)}</title></line>`;
  });
  s += `</g>`;
  s += axisBottom(x, height - margin.bottom + 12, what, width, 6);
  s += axisLeft(y, margin.left - 4, 'density', 4);
  return { id, kind: 'population', title, caption, svg: s + svgClose };
}
