/**
 * Per-group small multiples (lattice-style panels, as R users draw with xyplot(y ~ x | g)): for each
 * level of a grouping factor, its observations, the model's fitted values joined in order of the
 * predictor, and the population line (the engine's effect curve: fixed effects only). Twelve panels a
 * page; the first page is drawn, the others are kept in <template>s that the page script swaps in
 * (pager buttons, or a search box that jumps to a level's page). Never drawn over a predictor that is
 * constant within the groups (a group-level predictor gives no line per group).
 */
import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import type { EffectSeries, FitResult } from '../../../../engine/src/index';
import { escapeHtml } from '../../shared/escape';
import { fmt } from '../../shared/format';
import { asArray } from '../../shared/fitView';
import { n2, paddedExtent, PlotSvg, svgClose, svgOpen, withTip } from '../svg';

export const PAGE_SIZE = 12;
const COLS = 4;
const PW = 128;
const PH = 96;
const GAP = 6;
const STRIP = 14;
const M = { top: 6, right: 8, bottom: 44, left: 56 };

/** The within-group predictor to plot: a random-slope term of the group, else the first covariate that varies within the groups. */
export function choosePredictor(fit: FitResult, group: string): string | null {
  const pd = fit.plotData;
  if (!pd) return null;
  const between = new Set(pd.figures?.groupLevel?.[group] ?? []);
  const block = asArray(fit.ranef).find((b) => b.group === group);
  const ok = (t: string) => !!pd.covariates[t] && !between.has(t) && !pd.covariates[t].every((v) => v === 0 || v === 1);
  const slope = block ? asArray(block.terms).find((t) => t !== '(Intercept)' && ok(t)) : undefined;
  if (slope) return slope;
  return Object.keys(pd.covariates).find(ok) ?? null;
}

export function groupPanelsPlot(id: string, fit: FitResult, group: string, predictor: string): PlotSvg | null {
  const pd = fit.plotData;
  const block = asArray(fit.ranef).find((b) => b.group === group);
  if (!pd || !block || !pd.groups[group] || !pd.covariates[predictor]) return null;
  const levels = asArray(block.levels);
  const idx = pd.groups[group];
  const xs = pd.covariates[predictor];
  const ys = pd.y;
  const fitted = asArray(fit.fitted);
  const members: number[][] = levels.map(() => []);
  for (let i = 0; i < idx.length; i++) if (idx[i] >= 0 && idx[i] < levels.length) members[idx[i]].push(i);
  const used = levels.map((_, j) => j).filter((j) => members[j].length > 0);
  const pages = Math.ceil(used.length / PAGE_SIZE);
  // the population line: the engine's effect of the predictor alone (none when it is in an interaction)
  const effect = pd.figures?.effects?.find((c) => c.x === predictor && c.by === null && c.xKind === 'covariate')?.series[0] ?? null;
  const title = `${fit.responseName} against ${predictor} per ${group}`;
  const caption =
    `One panel per ${group} (${used.length} in all${pages > 1 ? `, ${PAGE_SIZE} a page` : ''}): observed ${fit.responseName} (points) and the ${group}'s fitted values (solid line)` +
    (fit.observationSample ? ` of an evenly spaced sample of ${fit.observationSample.rows} of the ${fit.observationSample.of} rows` : '') +
    (effect ? `; the dashed line is the population line (fixed effects only, other predictors held as in the effect plot)` : '') +
    (Object.keys(pd.covariates).length > 1 || fit.coefnames.length > 2 ? '; other predictors vary too, so a fitted line joins the fitted values in order of the predictor' : '') +
    '.';
  const x = scaleLinear().domain(paddedExtent(xs)).range([0, PW]);
  const y = scaleLinear().domain(paddedExtent([...ys, ...fitted])).range([PH, 0]);
  const page = (k: number, pid: string): string => pageSvg(pid, fit, group, predictor, used.slice(k * PAGE_SIZE, (k + 1) * PAGE_SIZE), members, levels, x, y, effect, title, caption);
  const p: PlotSvg = { id, kind: 'group-panels', title, caption, svg: page(0, id) };
  if (pages > 1) {
    const index = used.map((j, r) => `${escapeHtml(levels[j])}\u0001${Math.floor(r / PAGE_SIZE)}`).join('\u0002');
    p.controls =
      `<div class="plot-controls pager" data-plot="${escapeHtml(id)}" data-pages="${pages}">` +
      `<button type="button" class="page-prev secondary" data-plot="${escapeHtml(id)}" aria-label="Previous page">\u2039</button>` +
      `<span class="page-label" aria-live="polite">page 1 of ${pages}</span>` +
      `<button type="button" class="page-next secondary" data-plot="${escapeHtml(id)}" aria-label="Next page">\u203a</button>` +
      `<label>Find a ${escapeHtml(group)} <input type="search" class="page-find" data-plot="${escapeHtml(id)}" placeholder="level name" size="10"></label>` +
      `<output class="filter-result"></output></div>`;
    let extra = `<template class="page-index" id="${escapeHtml(id)}-index">${escapeHtml(index)}</template>`;
    for (let k = 1; k < pages; k++) extra += `<template id="${escapeHtml(id)}-page-${k}">${page(k, id)}</template>`;
    p.extra = extra;
  }
  return p;
}

function pageSvg(
  id: string,
  fit: FitResult,
  group: string,
  predictor: string,
  shown: number[],
  members: number[][],
  levels: string[],
  x: (v: number) => number,
  y: ((v: number) => number) & { ticks(n: number): number[] },
  effect: EffectSeries | null,
  title: string,
  caption: string,
): string {
  const pd = fit.plotData!;
  const xs = pd.covariates[predictor];
  const ys = pd.y;
  const fitted = asArray(fit.fitted);
  const rows = Math.max(1, Math.ceil(shown.length / COLS));
  const width = M.left + COLS * PW + (COLS - 1) * GAP + M.right;
  const height = M.top + rows * (PH + STRIP + GAP) + M.bottom;
  const xScale = x as ReturnType<typeof scaleLinear<number, number>>;
  const yScale = y as ReturnType<typeof scaleLinear<number, number>>;
  const xt = xScale.ticks(3);
  const yt = yScale.ticks(3);
  const xf = xScale.tickFormat(3);
  const yf = yScale.tickFormat(3);
  let s = svgOpen(id, width, height, title, caption);
  shown.forEach((j, k) => {
    const col = k % COLS;
    const row = Math.floor(k / COLS);
    const ox = M.left + col * (PW + GAP);
    const oy = M.top + row * (PH + STRIP + GAP);
    const py = oy + STRIP;
    const m = members[j].slice().sort((a, b) => xs[a] - xs[b]);
    s += `<g class="group-panel linked" data-group="${escapeHtml(group)}" data-level="${escapeHtml(levels[j])}">`;
    s += `<rect class="strip" x="${ox}" y="${oy}" width="${PW}" height="${STRIP}"/>`;
    s += `<text class="strip-label" x="${n2(ox + PW / 2)}" y="${n2(oy + STRIP - 3)}" text-anchor="middle">${escapeHtml(levels[j].length > 18 ? levels[j].slice(0, 17) + '…' : levels[j])}</text>`;
    s += `<rect class="panel-frame" x="${ox}" y="${py}" width="${PW}" height="${PH}"/>`;
    if (effect) {
      const pop = line<number>()
        .x((q) => ox + x(effect.x[q]))
        .y((q) => py + y(effect.fit[q]));
      s += `<path class="population-line" d="${pop(effect.x.map((_, q) => q)) ?? ''}"/>`;
    }
    const pts = m.map((i) => `M${n2(ox + x(xs[i]) - 1.8)},${n2(py + y(ys[i]))}a1.8,1.8 0 1,0 3.6,0a1.8,1.8 0 1,0 -3.6,0`).join('');
    s += `<path class="pt-path" d="${pts}"/>`;
    const fl = line<number>()
      .x((i) => ox + x(xs[i]))
      .y((i) => py + y(fitted[i]));
    const first = m[0];
    const last = m[m.length - 1];
    s += withTip(
      'path',
      `class="fit-line" d="${fl(m) ?? ''}"`,
      `${group} ${levels[j]} (${m.length} observations): fitted ${fmt(fitted[first])} at ${predictor} = ${fmt(xs[first])} to ${fmt(fitted[last])} at ${fmt(xs[last])}`,
      true,
    );
    s += `</g>`;
    // Axes on the outer panels only (lattice's layout).
    if (row === rows - 1 || k + COLS >= shown.length) {
      for (const t of xt) s += `<text class="tick-label" x="${n2(ox + x(t))}" y="${n2(py + PH + 13)}" text-anchor="middle">${escapeHtml(xf(t))}</text>`;
    }
    if (col === 0) {
      for (const t of yt) s += `<text class="tick-label" x="${ox - 4}" y="${n2(py + y(t) + 3)}" text-anchor="end">${escapeHtml(yf(t))}</text>`;
    }
  });
  s += `<text class="axis-label" x="${n2(M.left + (COLS * PW + (COLS - 1) * GAP) / 2)}" y="${height - 8}" text-anchor="middle">${escapeHtml(predictor)}</text>`;
  const my = M.top + (rows * (PH + STRIP + GAP)) / 2;
  s += `<text class="axis-label" x="14" y="${n2(my)}" text-anchor="middle" transform="rotate(-90 14 ${n2(my)})">${escapeHtml(fit.responseName)}</text>`;
  return s + svgClose;
}
