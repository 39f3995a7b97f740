/**
 * Shrinkage plot: each group's own (no-pooling) estimate against its multilevel estimate, with an
 * arrow from the first to the second; the arrows point toward the population mean (the fixed effects).
 * Two terms (intercept and slope): a scatter in their plane. One term: two columns joined by arrows.
 */
import { scaleLinear } from 'd3-scale';
import type { GroupEstimates } from '../../../../engine/src/index';
import { escapeHtml } from '../../shared/escape';
import { fmt } from '../../shared/format';
import { axisBottom, axisLeft, n2, paddedExtent, PlotSvg, svgClose, svgOpen, thinIndices, withTip } from '../svg';

const FOCUS_LIMIT = 80;
const DRAW_LIMIT = 400;

function arrowHead(id: string): string {
  return (
    `<defs><marker id="${id}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">` +
    `<path class="arrow-head" d="M0,0L10,5L0,10z"/></marker></defs>`
  );
}

/** `linearScale` names the linear-predictor scale for non-identity links ('log-odds', 'log'), or is empty. */
export function shrinkagePlot(id: string, est: GroupEstimates, linearScale: string): PlotSvg {
  const rows = est.rows.filter((r) => r.own && r.own.every(Number.isFinite));
  const shown = thinIndices(rows.length, DRAW_LIMIT).map((i) => rows[i]);
  const focus = shown.length <= FOCUS_LIMIT;
  const title = `Shrinkage: ${est.terms.join(' and ')} | ${est.group}`;
  const skipped = est.rows.length - rows.length;
  const caption =
    `Each ${est.group}'s own estimate (hollow, fitted to that ${est.group} alone) and its multilevel estimate (filled); ` +
    `arrows show how partial pooling pulls the own estimates toward the population mean (cross)` +
    (skipped ? `; ${skipped} level(s) without an own estimate are left out` : '') +
    (shown.length < rows.length ? `; ${shown.length} of ${rows.length} levels drawn` : '') +
    '.';
  const width = 560;
  const height = 420;
  const margin = { top: 16, right: 20, bottom: 52, left: 70 };
  let s = svgOpen(id, width, height, title, caption) + arrowHead(id);
  const tipFor = (r: (typeof rows)[number]): string =>
    `${est.group} ${r.level} (n = ${r.n}): own ${est.terms.map((t, a) => `${t} ${fmt(r.own![a])}`).join(', ')}; ` +
    `multilevel ${est.terms.map((t, a) => `${t} ${fmt(r.multilevel[a])}`).join(', ')}`;
  if (est.terms.length === 2) {
    const x = scaleLinear()
      .domain(paddedExtent([...rows.flatMap((r) => [r.own![0], r.multilevel[0]]), est.population[0]]))
      .range([margin.left, width - margin.right]);
    const y = scaleLinear()
      .domain(paddedExtent([...rows.flatMap((r) => [r.own![1], r.multilevel[1]]), est.population[1]]))
      .range([height - margin.bottom, margin.top]);
    for (const r of shown) {
      s += `<g class="shrink-group">`;
      s += `<line class="arrow" x1="${n2(x(r.own![0]))}" y1="${n2(y(r.own![1]))}" x2="${n2(x(r.multilevel[0]))}" y2="${n2(y(r.multilevel[1]))}" marker-end="url(#${id}-arrow)"/>`;
      s += `<circle class="pt-own" cx="${n2(x(r.own![0]))}" cy="${n2(y(r.own![1]))}" r="3.5"/>`;
      s += withTip('circle', `class="pt linked" cx="${n2(x(r.multilevel[0]))}" cy="${n2(y(r.multilevel[1]))}" r="3.5" data-group="${escapeHtml(est.group)}" data-level="${escapeHtml(r.level)}"`, tipFor(r), focus);
      s += `</g>`;
    }
    const px = x(est.population[0]);
    const py = y(est.population[1]);
    s += withTip(
      'path',
      `class="population-mark" d="M${n2(px - 7)},${n2(py)}H${n2(px + 7)}M${n2(px)},${n2(py - 7)}V${n2(py + 7)}"`,
      `Population mean (fixed effects): ${est.terms[0]} ${fmt(est.population[0])}, ${est.terms[1]} ${fmt(est.population[1])}`,
      true,
    );
    s += axisBottom(x, height - margin.bottom + 4, est.terms[0], width);
    s += axisLeft(y, margin.left - 4, est.terms[1]);
  } else {
    const y = scaleLinear()
      .domain(paddedExtent([...rows.flatMap((r) => [r.own![0], r.multilevel[0]]), est.population[0]]))
      .range([height - margin.bottom, margin.top]);
    const x0 = margin.left + 60;
    const x1 = width - margin.right - 120;
    s += `<line class="ref-line" x1="${x0 - 20}" x2="${x1 + 20}" y1="${n2(y(est.population[0]))}" y2="${n2(y(est.population[0]))}"/>`;
    s += withTip(
      'text',
      `class="population-label" x="${x1 + 24}" y="${n2(y(est.population[0]) + 4)}"`,
      `Population mean (fixed effect) of ${est.terms[0]}: ${fmt(est.population[0])}`,
      true,
    ).replace('</text>', 'population mean</text>');
    for (const r of shown) {
      s += `<g class="shrink-group">`;
      s += `<line class="arrow" x1="${x0}" y1="${n2(y(r.own![0]))}" x2="${x1}" y2="${n2(y(r.multilevel[0]))}" marker-end="url(#${id}-arrow)"/>`;
      s += `<circle class="pt-own" cx="${x0}" cy="${n2(y(r.own![0]))}" r="3"/>`;
      s += withTip('circle', `class="pt linked" cx="${x1}" cy="${n2(y(r.multilevel[0]))}" r="3" data-group="${escapeHtml(est.group)}" data-level="${escapeHtml(r.level)}"`, tipFor(r), focus);
      s += `</g>`;
    }
    s += `<text class="axis-label" x="${x0}" y="${height - margin.bottom + 24}" text-anchor="middle">own estimate</text>`;
    s += `<text class="axis-label" x="${x1}" y="${height - margin.bottom + 24}" text-anchor="middle">multilevel estimate</text>`;
    s += axisLeft(y, margin.left - 4, linearScale ? `${est.terms[0]} (${linearScale} scale)` : est.terms[0]);
  }
  return { id, kind: 'shrinkage', title, caption, svg: s + svgClose };
}
