/**
 * The results page's script (bundled as dist/webview/main.js, loaded with the page's nonce).
 * Buttons post validated-shape messages to the extension; plots export as SVG (computed theme
 * colours inlined so the file stands alone) or PNG (the SVG drawn on a canvas); keyboard focus on a
 * plot element shows its tooltip text.
 */
import { validateExtensionMessage, type WebviewMessage } from '../shared/messages';
import { dataTableView } from './dataTable';

interface VsCodeApi {
  postMessage(msg: unknown): void;
  /** Kept by VS Code across reloads of the page and of the window (read back by the panel serializer). */
  setState?(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (m: WebviewMessage): void => vscode.postMessage(m);

const STYLE_PROPS = ['fill', 'stroke', 'stroke-width', 'stroke-dasharray', 'fill-opacity', 'stroke-opacity', 'opacity', 'font-family', 'font-size', 'font-weight'];

/** A standalone copy of a plot: colours and fonts from the current theme become attributes. */
export function standaloneSvg(svg: SVGSVGElement): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const src = [svg, ...Array.from(svg.querySelectorAll('*'))];
  const dst = [clone, ...Array.from(clone.querySelectorAll('*'))];
  src.forEach((el, i) => {
    const cs = getComputedStyle(el);
    const d = dst[i];
    for (const p of STYLE_PROPS) {
      const v = cs.getPropertyValue(p);
      if (v) d.setAttribute(p, v);
    }
    d.removeAttribute('tabindex');
  });
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  return new XMLSerializer().serializeToString(clone);
}

function utf8Base64(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

async function svgToPng(svg: SVGSVGElement, text: string): Promise<string> {
  const w = Number(svg.getAttribute('width')) || svg.clientWidth || 560;
  const h = Number(svg.getAttribute('height')) || svg.clientHeight || 360;
  const scale = 2;
  const img = new Image();
  const loaded = new Promise<void>((resolve, reject) => {
    img.onload = () => resolve();
    img.onerror = () => reject(new Error('the plot could not be drawn as an image'));
  });
  img.src = `data:image/svg+xml;base64,${utf8Base64(text)}`;
  await loaded;
  const canvas = document.createElement('canvas');
  canvas.width = w * scale;
  canvas.height = h * scale;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no canvas');
  ctx.fillStyle = getComputedStyle(document.body).backgroundColor || '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/png');
}

function setStatus(kind: string, message: string): void {
  const el = document.getElementById('status');
  if (!el) return;
  el.className = kind;
  el.textContent = message;
}

async function exportPlot(button: HTMLElement): Promise<void> {
  const id = button.dataset.plot ?? '';
  const format = button.dataset.format;
  const svg = document.getElementById(id);
  if (!(svg instanceof SVGSVGElement)) return;
  const text = standaloneSvg(svg);
  if (format === 'svg') post({ type: 'exportPlot', format: 'svg', plotId: id, data: text });
  else if (format === 'png') {
    try {
      post({ type: 'exportPlot', format: 'png', plotId: id, data: await svgToPng(svg, text) });
    } catch (e) {
      setStatus('error', `PNG export failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

/** The SVG of a paged plot shows page k (page 0 is the drawn one; the others are <template> copies). */
const firstPages = new Map<string, string>();
function showPage(plotId: string, k: number): void {
  const svg = document.getElementById(plotId);
  const pager = document.querySelector<HTMLElement>(`.pager[data-plot="${CSS.escape(plotId)}"]`);
  if (!(svg instanceof SVGSVGElement) || !pager) return;
  const pages = Number(pager.dataset.pages) || 1;
  const page = Math.max(0, Math.min(pages - 1, k));
  if (!firstPages.has(plotId)) firstPages.set(plotId, svg.outerHTML);
  const markup = page === 0 ? firstPages.get(plotId)! : (document.getElementById(`${plotId}-page-${page}`) as HTMLTemplateElement | null)?.innerHTML;
  if (!markup) return;
  const holder = document.createElement('div');
  holder.innerHTML = markup;
  const next = holder.querySelector('svg');
  if (!next) return;
  svg.replaceWith(next);
  pager.dataset.page = String(page);
  const label = pager.querySelector('.page-label');
  if (label) label.textContent = `page ${page + 1} of ${pages}`;
}

/** The data preview's rows (null on the results page). */
const dataTable = dataTableView(post);

/**
 * Levels (data-group, data-level) highlighted in every plot of the page: linked views. The level is
 * also sent to the extension, which passes it on to the data preview of the same file.
 */
let linkedNow = '';
function highlight(group: string | null, level: string | null): void {
  for (const el of document.querySelectorAll('.linked.highlight')) el.classList.remove('highlight');
  if (group !== null && level !== null) {
    for (const el of document.querySelectorAll<SVGElement>('.linked')) {
      if (el.dataset.group === group && el.dataset.level === level) el.classList.add('highlight');
    }
  }
  const key = group === null || level === null ? '' : `${group}\u0001${level}`;
  if (key !== linkedNow && !dataTable) {
    linkedNow = key;
    post(group === null || level === null ? { type: 'linkedLevel', group: null, level: null } : { type: 'linkedLevel', group, level });
  }
}

const linkedOf = (t: EventTarget | null): SVGElement | null => (t instanceof Element ? t.closest<SVGElement>('.linked') : null);
document.addEventListener('mouseover', (ev) => {
  const el = linkedOf(ev.target);
  if (el) highlight(el.dataset.group ?? null, el.dataset.level ?? null);
});
document.addEventListener('mouseout', (ev) => {
  const el = linkedOf(ev.target);
  if (el && linkedOf(ev.relatedTarget) !== el) highlight(null, null);
});

document.addEventListener('input', (ev) => {
  const t = ev.target;
  if (!(t instanceof HTMLInputElement)) return;
  const q = t.value.trim().toLowerCase();
  const out = t.closest('.plot-controls')?.querySelector('output');
  if (t.classList.contains('level-filter')) {
    // Caterpillar: highlight the levels whose name contains the text, dim the others.
    const svg = document.getElementById(t.dataset.plot ?? '');
    if (!svg) return;
    let hits = 0;
    for (const row of svg.querySelectorAll<SVGElement>('.linked')) {
      const match = q !== '' && (row.dataset.level ?? '').toLowerCase().includes(q);
      if (match) hits++;
      row.classList.toggle('highlight', match);
      row.classList.toggle('dimmed', q !== '' && !match);
    }
    if (out) out.textContent = q ? `${hits} level${hits === 1 ? '' : 's'} match` : '';
  } else if (t.classList.contains('page-find')) {
    // Group panels: jump to the page of the first level whose name contains the text.
    const plotId = t.dataset.plot ?? '';
    const index = (document.getElementById(`${plotId}-index`) as HTMLTemplateElement | null)?.content.textContent ?? '';
    if (!q) return;
    const hit = index.split('\u0002').map((e) => e.split('\u0001')).find(([name]) => name.toLowerCase().includes(q));
    if (hit) {
      showPage(plotId, Number(hit[1]));
      const svg = document.getElementById(plotId);
      for (const g of svg?.querySelectorAll<SVGElement>('.linked') ?? []) g.classList.toggle('highlight', g.dataset.level === hit[0]);
    }
    if (out) out.textContent = hit ? `${hit[0]}: page ${Number(hit[1]) + 1}` : 'no match';
  } else if (t.classList.contains('row-filter')) {
    // Data preview: rows kept whose text contains the filter (asked for once typing pauses).
    if (filterTimer !== undefined) clearTimeout(filterTimer);
    filterTimer = setTimeout(() => dataTable?.filter(t.value), 200);
  }
});
let filterTimer: ReturnType<typeof setTimeout> | undefined;

document.addEventListener('toggle', (ev) => {
  // Closing one export menu when another opens keeps one menu at a time.
  const d = ev.target;
  if (d instanceof HTMLDetailsElement && d.classList.contains('export-menu') && d.open) {
    for (const o of document.querySelectorAll<HTMLDetailsElement>('details.export-menu[open]')) if (o !== d) o.open = false;
  }
}, true);

document.addEventListener('click', (ev) => {
  const link = ev.target instanceof Element ? ev.target.closest('a.goto-line') : null;
  if (link instanceof HTMLElement) {
    ev.preventDefault();
    post({ type: 'reveal', line: Number(link.dataset.line) || 0, character: Number(link.dataset.character) || 0 });
    return;
  }
  const th = ev.target instanceof Element ? ev.target.closest('th.sortable') : null;
  if (th instanceof HTMLTableCellElement) {
    // Data preview: a click on a column header sorts all rows by it (numbers as numbers), again to reverse.
    dataTable?.sortBy(th);
    return;
  }
  const t = ev.target instanceof Element ? ev.target.closest('button') : null;
  if (!t) return;
  if (t.classList.contains('page-prev') || t.classList.contains('page-next')) {
    const plotId = t.dataset.plot ?? '';
    const pager = document.querySelector<HTMLElement>(`.pager[data-plot="${CSS.escape(plotId)}"]`);
    showPage(plotId, (Number(pager?.dataset.page) || 0) + (t.classList.contains('page-next') ? 1 : -1));
    return;
  }
  if (t.classList.contains('show-all')) {
    // Caterpillar of many levels: draw the fully labelled copy from its template below the compact one.
    const tpl = document.getElementById(t.dataset.template ?? '');
    if (tpl instanceof HTMLTemplateElement && !tpl.dataset.shown) {
      tpl.after(tpl.content.cloneNode(true));
      tpl.dataset.shown = '1';
      t.textContent = 'All levels are drawn below';
      t.setAttribute('disabled', '');
    }
    return;
  }
  if (t.classList.contains('show-level') || t.classList.contains('show-all-rows')) {
    dataTable?.showLevel(t.classList.contains('show-level'));
    return;
  }
  if (t.id === 'refit-all') post({ type: 'refit' });
  else if (t.classList.contains('refit-model') && t.dataset.model) post({ type: 'refit', model: t.dataset.model });
  else if (t.classList.contains('check-model') && t.dataset.model) post({ type: 'check', model: t.dataset.model });
  else if (t.classList.contains('inference-model') && t.dataset.model) post({ type: 'inference', model: t.dataset.model });
  else if (t.classList.contains('export-results')) {
    const f = t.dataset.format;
    if (f === 'markdown' || f === 'html' || f === 'latex' || f === 'csv' || f === 'json') post({ type: 'exportResults', format: f });
  } else if (t.classList.contains('export-plot')) void exportPlot(t);
});

// Keyboard users: a focused plot element shows its tooltip in a floating box (native SVG titles only show on hover).
const tip = document.createElement('div');
tip.id = 'plot-tip';
tip.setAttribute('role', 'tooltip');
tip.hidden = true;
document.body.appendChild(tip);

document.addEventListener('focusin', (ev) => {
  const el = ev.target;
  // keyboard focus on a level highlights it like the pointer does
  const level = linkedOf(el);
  if (level) highlight(level.dataset.group ?? null, level.dataset.level ?? null);
  if (!(el instanceof SVGElement) || el instanceof SVGSVGElement) {
    tip.hidden = true;
    return;
  }
  const label = el.getAttribute('aria-label');
  if (!label) return;
  const r = el.getBoundingClientRect();
  tip.textContent = label;
  tip.hidden = false;
  tip.style.left = `${Math.round(r.right + window.scrollX + 6)}px`;
  tip.style.top = `${Math.round(r.top + window.scrollY - 4)}px`;
});
document.addEventListener('focusout', (ev) => {
  tip.hidden = true;
  if (linkedOf(ev.target)) highlight(null, null);
});

window.addEventListener('message', (ev) => {
  const m = validateExtensionMessage(ev.data);
  if (!m) return;
  if (m.type === 'status') setStatus(m.kind, m.message);
  else if (m.type === 'dataRows') dataTable?.receive(m);
  else if (m.type === 'linkedLevel') dataTable?.linked(m.group, m.level);
  else if (m.type === 'persist') vscode.setState?.(m.state);
  else if (m.type === 'inference') {
    // markup rendered by the extension from the engine's rows (every string escaped there)
    const slot = Array.from(document.querySelectorAll<HTMLElement>('.inference-slot')).find((s) => s.dataset.model === m.model);
    if (slot) {
      slot.innerHTML = m.html;
      fitTables();
    }
  }
});

// Where to scroll after a refit: a model's section, or the comparison tables.
const focus = document.body.dataset.focus;
if (focus) {
  const target =
    focus === 'comparison'
      ? document.getElementById('comparison')
      : Array.from(document.querySelectorAll<HTMLElement>('section.model')).find((s) => s.dataset.model === focus);
  target?.scrollIntoView();
}

// Arrow keys move between the focusable parts of a plot; Escape hides the tooltip box.
document.addEventListener('keydown', (ev) => {
  const el = ev.target;
  if (ev.key === 'Escape') {
    tip.hidden = true;
    return;
  }
  if (!(el instanceof SVGElement)) return;
  const svg = el instanceof SVGSVGElement ? el : el.ownerSVGElement;
  if (!svg) return;
  const parts = Array.from(svg.querySelectorAll<SVGElement>('[tabindex="0"]'));
  if (!parts.length) return;
  const i = parts.indexOf(el);
  let next: SVGElement | undefined;
  if (ev.key === 'ArrowDown' || ev.key === 'ArrowRight') next = parts[i < 0 ? 0 : Math.min(parts.length - 1, i + 1)];
  else if (ev.key === 'ArrowUp' || ev.key === 'ArrowLeft') next = i <= 0 ? undefined : parts[i - 1];
  else if (ev.key === 'Home') next = parts[0];
  else if (ev.key === 'End') next = parts[parts.length - 1];
  if (next) {
    ev.preventDefault();
    next.focus();
  }
});

/**
 * Tables fit the panel: when a table with collapsible (.secondary) columns is wider than the panel,
 * those columns are hidden (estimate, interval and p stay); measured again on every resize.
 */
function fitTables(): void {
  for (const t of document.querySelectorAll<HTMLTableElement>('table')) {
    if (!t.querySelector('.secondary')) continue;
    t.classList.remove('collapsed', 'tight');
    if (t.scrollWidth > t.clientWidth + 1) t.classList.add('collapsed');
    if (t.scrollWidth > t.clientWidth + 1) t.classList.add('tight');
  }
}
window.addEventListener('resize', fitTables);
fitTables();

post({ type: 'ready' });
