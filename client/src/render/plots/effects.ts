/**
 * Effect plot of one predictor (engine/src/effects.ts computes every number): the population
 * prediction with its pointwise 95% confidence band over a covariate, or points with 95% intervals for
 * the levels of a factor; for an interaction one line (or set of points) per level of the other
 * variable, or per chosen value of a moderator covariate, with a legend. Colours are classes
 * (series-0 … series-7) coloured by the theme.
 */
import { scaleLinear } from 'd3-scale';
import { area, line } from 'd3-shape';
import type { EffectFigure, FitResult } from '../../../../engine/src/index';
import { escapeHtml } from '../../shared/escape';
import { fmt } from '../../shared/format';
import { axisBottom, axisLeft, n2, paddedExtent, PlotSvg, svgClose, svgOpen, withTip } from '../svg';

const SERIES_CLASSES = 8;

/** An axis value in words: at most 4 significant digits, no trailing zeros (9, not 9.000). */
const shortNumber = (x: number): string => String(Number(x.toPrecision(4)));

function responseLabel(fit: FitResult, f: EffectFigure): string {
  return f.scale === 'probability' ? `P(${fit.responseName})` : f.scale === 'mean' ? `mean ${fit.responseName}` : fit.responseName;
}

export function effectPlot(id: string, fit: FitResult, f: EffectFigure): PlotSvg {
  const resp = responseLabel(fit, f);
  const title = f.by ? `Effect of ${f.x} by ${f.by} on ${resp}` : `Effect of ${f.x} on ${resp}`;
  const lines =
    f.byKind === 'factor'
      ? ` One ${f.xKind === 'covariate' ? 'line and band' : 'set of points'} per level of ${f.by}.`
      : f.byKind === 'covariate'
        ? ` One line per value of ${f.by}: ${f.series.map((s) => s.label).join(', ')}${f.series.some((s) => s.label?.includes('SD')) ? ' (SD over the rows used)' : ''}.`
        : '';
  const what = f.xKind === 'covariate' ? `over the observed range of ${f.x}` : `at each level of ${f.x}`;
  const first = f.series[0];
  const last = first.x.length - 1;
  const span =
    f.series.length === 1 && f.xKind === 'covariate'
      ? ` From ${fmt(first.fit[0])} at ${f.x} = ${shortNumber(first.x[0])} to ${fmt(first.fit[last])} at ${shortNumber(first.x[last])}.`
      : '';
  const caption =
    `Predicted ${resp} (${f.term}) ${what}, random effects at zero (the population), with pointwise 95% confidence ${f.xKind === 'covariate' ? 'bands' : 'intervals'} ` +
    `(${f.band})${f.held ? `; other predictors: ${f.held}` : ''}.${lines}${span}`;
  const multi = f.series.length > 1;
  const W = 560;
  const H = 320;
  const M = { top: multi ? 30 + 16 * Math.ceil(f.series.length / 3) : 14, right: 20, bottom: 52, left: 70 };
  const y = scaleLinear()
    .domain(paddedExtent(f.series.flatMap((s) => [...s.lower, ...s.upper])))
    .range([H - M.bottom, M.top]);
  let s = svgOpen(id, W, H, title, caption);
  const cls = (k: number) => `series-${k % SERIES_CLASSES}`;
  if (f.xKind === 'covariate') {
    const x = scaleLinear().domain([first.x[0], first.x[last]]).range([M.left, W - M.right]);
    const name = (ser: EffectFigure['series'][number]) => (ser.label === null ? '' : `${f.by} ${ser.label}: `);
    // the bands first, then the lines, so that no band veils another series' line
    f.series.forEach((ser, k) => {
      const band = area<number>()
        .x((q) => x(ser.x[q]))
        .y0((q) => y(ser.lower[q]))
        .y1((q) => y(ser.upper[q]));
      s += `<path class="effect-band ${cls(k)}" d="${band(ser.x.map((_, q) => q)) ?? ''}"><title>${escapeHtml(`${name(ser)}95% confidence band`)}</title></path>`;
    });
    f.series.forEach((ser, k) => {
      const mid = line<number>()
        .x((q) => x(ser.x[q]))
        .y((q) => y(ser.fit[q]));
      s += `<path class="effect-line ${cls(k)}" d="${mid(ser.x.map((_, q) => q)) ?? ''}"><title>${escapeHtml(`${name(ser)}predicted ${resp}`)}</title></path>`;
    });
    s += axisBottom(x, H - M.bottom + 4, f.x, W);
  } else {
    const levels = f.levels ?? [];
    const step = (W - M.left - M.right) / Math.max(1, levels.length);
    const dodge = Math.min(14, (step * 0.6) / f.series.length);
    const cx = (i: number, k: number) => M.left + (i + 0.5) * step + (k - (f.series.length - 1) / 2) * dodge;
    const focus = levels.length * f.series.length <= 60;
    f.series.forEach((ser, k) => {
      ser.x.forEach((i, q) => {
        const px = n2(cx(i, k));
        const tip = `${f.x} ${levels[i]}${ser.label === null ? '' : `, ${f.by} ${ser.label}`}: ${fmt(ser.fit[q])} (95% CI ${fmt(ser.lower[q])} to ${fmt(ser.upper[q])})`;
        s += `<line class="effect-bar ${cls(k)}" x1="${px}" x2="${px}" y1="${n2(y(ser.lower[q]))}" y2="${n2(y(ser.upper[q]))}"/>`;
        s += withTip('circle', `class="effect-pt ${cls(k)}" cx="${px}" cy="${n2(y(ser.fit[q]))}" r="4"`, tip, focus);
      });
    });
    // x axis: one label per level, shortened to the room it has (the full name is in its title)
    const base = H - M.bottom + 4;
    s += `<g class="axis axis-x"><line class="axis-line" x1="${M.left}" x2="${W - M.right}" y1="${base}" y2="${base}"/>`;
    const room = Math.max(2, Math.floor(step / 6.5));
    levels.forEach((l, i) => {
      const text = l.length > room ? `${l.slice(0, room - 1)}\u2026` : l;
      s += `<text class="tick-label" x="${n2(M.left + (i + 0.5) * step)}" y="${base + 17}" text-anchor="middle">${escapeHtml(text)}<title>${escapeHtml(l)}</title></text>`;
    });
    s += `<text class="axis-label" x="${n2((M.left + W - M.right) / 2)}" y="${base + 34}" text-anchor="middle">${escapeHtml(f.x)}</text></g>`;
  }
  s += axisLeft(y, M.left - 4, resp);
  if (multi) {
    // legend above the plot: its variable, then up to three entries a row
    s += `<text class="legend-title" x="${M.left}" y="12">${escapeHtml(f.by ?? '')}</text>`;
    const colW = (W - M.left - M.right) / 3;
    f.series.forEach((ser, k) => {
      const lx = M.left + (k % 3) * colW;
      const ly = 28 + 16 * Math.floor(k / 3);
      const label = ser.label ?? '';
      const room = Math.floor((colW - 26) / 6);
      s += `<g class="legend-entry"><line class="effect-line ${cls(k)}" x1="${n2(lx)}" x2="${n2(lx + 18)}" y1="${ly - 4}" y2="${ly - 4}"/>`;
      s += `<text class="legend-label" x="${n2(lx + 22)}" y="${ly}">${escapeHtml(label.length > room ? `${label.slice(0, room - 1)}\u2026` : label)}<title>${escapeHtml(label)}</title></text></g>`;
    });
  }
  return { id, kind: 'effect', title, caption, svg: s + svgClose };
}
