/**
 * Small SVG building blocks shared by the plot modules: the outer <svg> with accessible title
 * and description, axes from d3 scales, and coordinate rounding. Every text goes through escapeHtml.
 * Colours are never written here: elements carry classes that the webview's stylesheet colours with
 * --vscode-* variables (the export code inlines the computed colours).
 */
import { escapeHtml } from '../shared/escape';

export interface Margin {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export interface PlotSvg {
  /** Stable element id of the <svg> (ASCII, safe in selectors). */
  id: string;
  /** Kind of plot: 'caterpillar', 'shrinkage', 'residuals', 'qq', 'group-lines', 'population'. */
  kind: string;
  title: string;
  /** One or two sentences saying what the plot shows, for the caption and screen readers. */
  caption: string;
  svg: string;
  /** Markup before the SVG (a filter box, pager buttons), with its own ids. */
  controls?: string;
  /** Markup after the SVG (more pages kept in <template>s, drawn on demand). */
  extra?: string;
}

export interface LinearScale {
  (x: number): number;
  ticks(count?: number): number[];
  domain(): number[];
  range(): number[];
  tickFormat(count?: number, specifier?: string): (d: number) => string;
}

/** Rounds a coordinate to 2 decimals to keep the SVG small. */
export function n2(x: number): string {
  return (Math.round(x * 100) / 100).toString();
}

export function svgOpen(id: string, width: number, height: number, title: string, desc: string): string {
  const t = `${id}-title`;
  const d = `${id}-desc`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="plot" id="${escapeHtml(id)}" viewBox="0 0 ${width} ${height}" ` +
    `width="${width}" height="${height}" role="img" tabindex="0" aria-labelledby="${escapeHtml(t)} ${escapeHtml(d)}">` +
    `<title id="${escapeHtml(t)}">${escapeHtml(title)}</title><desc id="${escapeHtml(d)}">${escapeHtml(desc)}</desc>` +
    `<rect class="plot-bg" x="0" y="0" width="${width}" height="${height}"/>`
  );
}

export const svgClose = '</svg>';

/** An element with a native SVG tooltip; focusable when `focus` (keyboard users read it via aria-label). */
export function withTip(tag: string, attrs: string, tip: string, focus: boolean): string {
  const a = focus ? ` tabindex="0" aria-label="${escapeHtml(tip)}"` : '';
  return `<${tag} ${attrs}${a}><title>${escapeHtml(tip)}</title></${tag}>`;
}

export function axisBottom(scale: LinearScale, y: number, label: string, width: number, tickCount = 6, tickFormat?: (v: number) => string): string {
  const tf = tickFormat ?? scale.tickFormat(tickCount);
  const [r0, r1] = scale.range();
  let s = `<g class="axis axis-x"><line class="axis-line" x1="${n2(r0)}" x2="${n2(r1)}" y1="${n2(y)}" y2="${n2(y)}"/>`;
  for (const t of scale.ticks(tickCount)) {
    const x = scale(t);
    s += `<line class="tick" x1="${n2(x)}" x2="${n2(x)}" y1="${n2(y)}" y2="${n2(y + 5)}"/>`;
    s += `<text class="tick-label" x="${n2(x)}" y="${n2(y + 17)}" text-anchor="middle">${escapeHtml(tf(t))}</text>`;
  }
  s += `<text class="axis-label" x="${n2((r0 + r1) / 2)}" y="${n2(y + 34)}" text-anchor="middle">${escapeHtml(label)}</text>`;
  void width;
  return s + '</g>';
}

export function axisLeft(scale: LinearScale, x: number, label: string, tickCount = 6, tickFormat?: (v: number) => string): string {
  const tf = tickFormat ?? scale.tickFormat(tickCount);
  const [r0, r1] = scale.range();
  let s = `<g class="axis axis-y"><line class="axis-line" x1="${n2(x)}" x2="${n2(x)}" y1="${n2(r0)}" y2="${n2(r1)}"/>`;
  for (const t of scale.ticks(tickCount)) {
    const y = scale(t);
    s += `<line class="tick" x1="${n2(x - 5)}" x2="${n2(x)}" y1="${n2(y)}" y2="${n2(y)}"/>`;
    s += `<text class="tick-label" x="${n2(x - 8)}" y="${n2(y + 4)}" text-anchor="end">${escapeHtml(tf(t))}</text>`;
  }
  const my = (r0 + r1) / 2;
  s += `<text class="axis-label" x="${n2(x - 44)}" y="${n2(my)}" text-anchor="middle" transform="rotate(-90 ${n2(x - 44)} ${n2(my)})">${escapeHtml(label)}</text>`;
  return s + '</g>';
}

/** Extent of finite values, widened a little (and made non-degenerate). */
export function paddedExtent(values: Iterable<number>, pad = 0.05): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return [lo - d, hi + d];
  }
  const d = (hi - lo) * pad;
  return [lo - d, hi + d];
}

/** Evenly spaced indices of at most `max` of `n` items (all when n <= max). */
export function thinIndices(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  const step = n / max;
  for (let k = 0; k < max; k++) out.push(Math.floor(k * step));
  return out;
}

/** An ASCII id fragment from arbitrary text (ids must not carry data-derived markup). */
export function slug(text: string): string {
  const s = text.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  return s.length ? s.slice(0, 40) : 'x';
}

export function emptyPlot(id: string, kind: string, title: string, reason: string): PlotSvg {
  const w = 480;
  const h = 60;
  return {
    id,
    kind,
    title,
    caption: reason,
    svg: svgOpen(id, w, h, title, reason) + `<text class="plot-note" x="12" y="34">${escapeHtml(reason)}</text>` + svgClose,
  };
}
