/**
 * Per-group fitted lines over the data for one predictor: the observations of each level of a
 * grouping factor and the model's fitted values for that level joined in order of the predictor.
 * When other predictors vary within a group the joined fitted values are not a straight line; the
 * caption says so.
 */
import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import type { FitResult } from '../../../../engine/src/index';
import { escapeHtml } from '../../shared/escape';
import { fmt } from '../../shared/format';
import { asArray } from '../../shared/fitView';
import { axisBottom, axisLeft, emptyPlot, n2, paddedExtent, PlotSvg, svgClose, svgOpen, withTip } from '../svg';

const GROUP_LIMIT = 40;
const POINT_FOCUS_LIMIT = 0; // lines are focusable; single points are not (too many tab stops)
const SERIES = 8; // colour classes series-0 … series-7

/** The predictor to plot: a random-slope term of the group if any, else the first covariate. */
export function choosePredictor(fit: FitResult, group: string): string | null {
  const pd = fit.plotData;
  if (!pd) return null;
  const block = asArray(fit.ranef).find((b) => b.group === group);
  const slope = block ? asArray(block.terms).find((t) => t !== '(Intercept)' && pd.covariates[t]) : undefined;
  if (slope) return slope;
  const names = Object.keys(pd.covariates);
  return names.length ? names[0] : null;
}

export function groupLinesPlot(id: string, fit: FitResult, group: string, predictor: string): PlotSvg {
  const title = `Fitted lines per ${group} over ${predictor}`;
  const pd = fit.plotData;
  const block = asArray(fit.ranef).find((b) => b.group === group);
  if (!pd || !block || !pd.groups[group] || !pd.covariates[predictor]) return emptyPlot(id, 'group-lines', title, 'The data for this plot are not available.');
  const levels = asArray(block.levels);
  const idx = pd.groups[group];
  const xs = pd.covariates[predictor];
  const ys = pd.y;
  const fitted = asArray(fit.fitted);
  const members: number[][] = levels.map(() => []);
  for (let i = 0; i < idx.length; i++) if (idx[i] >= 0 && idx[i] < levels.length) members[idx[i]].push(i);
  const shownLevels = levels.map((_, j) => j).filter((j) => members[j].length > 0).slice(0, GROUP_LIMIT);
  const used = shownLevels.flatMap((j) => members[j]);
  const others = Object.keys(pd.covariates).filter((c) => c !== predictor).length > 0 || fit.coefnames.length > 2;
  const caption =
    `Observed ${fit.responseName} (points) and fitted values (lines) against ${predictor} for ` +
    (shownLevels.length < levels.length ? `the first ${shownLevels.length} of ${levels.length}` : `each of the ${levels.length}`) +
    ` levels of ${group}` +
    (others ? '; other predictors vary too, so a line joins the fitted values in order of the predictor' : '') +
    '.';
  const width = 560;
  const height = 400;
  const margin = { top: 14, right: 20, bottom: 52, left: 70 };
  const x = scaleLinear().domain(paddedExtent(used.map((i) => xs[i]))).range([margin.left, width - margin.right]);
  const y = scaleLinear()
    .domain(paddedExtent(used.flatMap((i) => [ys[i], fitted[i]])))
    .range([height - margin.bottom, margin.top]);
  const path = line<number>()
    .x((i) => x(xs[i]))
    .y((i) => y(fitted[i]));
  let s = svgOpen(id, width, height, title, caption);
  shownLevels.forEach((j, k) => {
    const m = members[j].slice().sort((a, b) => xs[a] - xs[b]);
    const cls = `series-${k % SERIES}`;
    s += `<g class="group-series ${cls}" data-level="${escapeHtml(levels[j])}">`;
    for (const i of m) {
      s += withTip('circle', `class="pt" cx="${n2(x(xs[i]))}" cy="${n2(y(ys[i]))}" r="2.5"`, `${group} ${levels[j]}: ${predictor} ${fmt(xs[i])}, ${fit.responseName} ${fmt(ys[i])}, fitted ${fmt(fitted[i])}`, POINT_FOCUS_LIMIT > 0);
    }
    const first = m[0];
    const last = m[m.length - 1];
    s += withTip(
      'path',
      `class="fit-line" d="${path(m) ?? ''}"`,
      `${group} ${levels[j]} (${m.length} observations): fitted ${fmt(fitted[first])} at ${predictor} = ${fmt(xs[first])} to ${fmt(fitted[last])} at ${fmt(xs[last])}`,
      true,
    );
    s += `</g>`;
  });
  s += axisBottom(x, height - margin.bottom + 4, predictor, width);
  s += axisLeft(y, margin.left - 4, fit.responseName);
  return { id, kind: 'group-lines', title, caption, svg: s + svgClose };
}
