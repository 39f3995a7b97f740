/**
 * Caterpillar plot: the conditional modes of one random-effects term for every level of its
 * grouping factor, sorted, with the engine's intervals (FitResult.ranefIntervals: ±1.96 conditional sd,
 * 95%, and ±1.39 conditional sd, two levels whose inner bars do not overlap differ at about the 5%
 * level); a result without them shows the modes alone. Up to LABEL_LIMIT levels every
 * level is labelled; beyond it the plot is a compact band with the extremes labelled, a filter box
 * finds a level, and the fully labelled plot is kept in a <template> the page draws on demand.
 */
import { scaleLinear } from 'd3-scale';
import type { RanefBlock, RanefIntervals } from '../../../../engine/src/index';
import { escapeHtml } from '../../shared/escape';
import { fmt } from '../../shared/format';
import { asArray } from '../../shared/fitView';
import { axisBottom, n2, paddedExtent, PlotSvg, svgClose, svgOpen, withTip } from '../svg';

/** Levels labelled (and each focusable) up to this many; beyond it the plot is a compact band. */
const LABEL_LIMIT = 40;
/** In the compact band, this many levels at each end are labelled. */
const EXTREMES = 6;
/** Longer level names are cut (the point's tooltip keeps the full name). */
const MAX_LABEL = 22;

export function caterpillarPlot(id: string, block: RanefBlock, termIndex: number, iv?: RanefIntervals): PlotSvg {
  const n = asArray(block.levels).length;
  const compact = n > LABEL_LIMIT;
  const p = caterpillarSvg(id, block, termIndex, compact, iv);
  if (!compact) return p;
  const full = caterpillarSvg(`${id}-all`, block, termIndex, false, iv);
  p.controls =
    `<div class="plot-controls"><label>Find a ${escapeHtml(block.group)} <input type="search" class="level-filter" data-plot="${escapeHtml(id)}" data-group="${escapeHtml(block.group)}" placeholder="level name" size="12"></label>` +
    `<output class="filter-result" for="${escapeHtml(id)}"></output>` +
    `<button type="button" class="show-all secondary" data-template="${escapeHtml(id)}-all-template">Show all ${n} levels labelled</button></div>`;
  p.extra = `<template id="${escapeHtml(id)}-all-template">${full.svg}</template>`;
  return p;
}

function caterpillarSvg(id: string, block: RanefBlock, termIndex: number, compact: boolean, iv: RanefIntervals | undefined): PlotSvg {
  const levels = asArray(block.levels);
  const term = asArray(block.terms)[termIndex];
  const values = asArray(block.values[termIndex]);
  const sds = asArray(block.condsd?.[termIndex]);
  const n = levels.length;
  const order = Array.from({ length: n }, (_, j) => j).sort((a, b) => values[a] - values[b]);
  // Compact: labelled extreme rows are tall enough for their label, the rest thin.
  const thin = compact ? Math.max(2, Math.min(4, 400 / n)) : n > 30 ? 12 : 16;
  const labelledRank = (r: number): boolean => !compact || r < EXTREMES || r >= n - EXTREMES;
  const rowH = (r: number): number => (compact && labelledRank(r) ? 11 : thin);
  const rowTop: number[] = [];
  let acc = 0;
  for (let r = 0; r < n; r++) {
    rowTop.push(acc);
    acc += rowH(r);
  }
  const label = (l: string): string => (l.length > MAX_LABEL ? `${l.slice(0, MAX_LABEL - 1)}…` : l);
  const longest = Math.max(4, ...order.filter((_, r) => labelledRank(r)).map((j) => label(String(levels[j])).length));
  const margin = { top: 12, right: 20, bottom: 48, left: Math.min(160, 14 + 7 * longest) };
  const width = 560;
  const height = margin.top + margin.bottom + Math.max(40, acc);
  const lo = iv ? asArray(iv.lower) : values;
  const hi = iv ? asArray(iv.upper) : values;
  const x = scaleLinear().domain(paddedExtent([...lo, ...hi, 0])).range([margin.left, width - margin.right]);
  const title = `Conditional modes: ${term} | ${block.group}`;
  const pct = iv ? `${+(iv.level * 100).toFixed(1)}%` : '';
  const caption =
    `Conditional modes (empirical Bayes predictions) of ${term} for the ${n} levels of ${block.group}, sorted` +
    (iv
      ? `, with ${pct} intervals (±${fmt(iv.z, 3)} conditional sd, thin) and ±${fmt(iv.zComparative, 3)} conditional sd (thick: non-overlapping thick bars differ at about the 5% level)`
      : ' (this result carries no intervals)') +
    (compact ? `; the ${EXTREMES} lowest and highest are labelled.` : '.');
  let s = svgOpen(id, width, height, title, caption);
  s += `<line class="ref-line" x1="${n2(x(0))}" x2="${n2(x(0))}" y1="${margin.top}" y2="${height - margin.bottom}"/>`;
  order.forEach((j, r) => {
    const y = margin.top + rowTop[r] + rowH(r) / 2;
    const v = values[j];
    const sd = sds[j] ?? 0;
    const tip = `${block.group} ${levels[j]}: ${term} = ${fmt(v)} (${iv ? `${pct} interval ${fmt(iv.lower[j])} to ${fmt(iv.upper[j])}; ` : ''}conditional sd ${fmt(sd)})`;
    const lab = labelledRank(r);
    if (lab) s += `<text class="level-label" x="${margin.left - 6}" y="${n2(y + (compact ? 3 : 4))}" text-anchor="end"${compact ? ' font-size="9"' : ''}>${escapeHtml(label(String(levels[j])))}</text>`;
    s += `<g class="cat-row linked" data-group="${escapeHtml(block.group)}" data-level="${escapeHtml(levels[j])}">`;
    if (iv) {
      s += `<line class="interval95" x1="${n2(x(iv.lower[j]))}" x2="${n2(x(iv.upper[j]))}" y1="${n2(y)}" y2="${n2(y)}"/>`;
      s += `<line class="interval139" x1="${n2(x(iv.lowerComparative[j]))}" x2="${n2(x(iv.upperComparative[j]))}" y1="${n2(y)}" y2="${n2(y)}"/>`;
    }
    s += withTip('circle', `class="pt" cx="${n2(x(v))}" cy="${n2(y)}" r="${compact ? (labelledRank(r) ? 2.5 : Math.max(1.2, thin / 2)) : 3.5}"`, tip, !compact);
    s += `</g>`;
  });
  s += axisBottom(x, height - margin.bottom + 4, `${term} (deviation from the fixed effect)`, width);
  return { id, kind: 'caterpillar', title, caption, svg: s + svgClose };
}
