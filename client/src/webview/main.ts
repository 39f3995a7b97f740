/**
 * The results page's script (bundled as dist/webview/main.js, loaded with the page's nonce).
 * Buttons post validated-shape messages to the extension; plots export as SVG (computed theme
 * colours inlined so the file stands alone) or PNG (the SVG drawn on a canvas); keyboard focus on a
 * plot element shows its tooltip text.
 */
import { validateExtensionMessage, type WebviewMessage } from '../shared/messages';

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

document.addEventListener('click', (ev) => {
  const t = ev.target instanceof Element ? ev.target.closest('button') : null;
  if (!t) return;
  if (t.id === 'refit-all') post({ type: 'refit' });
  else if (t.classList.contains('refit-model') && t.dataset.model) post({ type: 'refit', model: t.dataset.model });
  else if (t.classList.contains('export-results')) {
    const f = t.dataset.format;
    if (f === 'markdown' || f === 'latex' || f === 'csv' || f === 'json') post({ type: 'exportResults', format: f });
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
document.addEventListener('focusout', () => {
  tip.hidden = true;
});

window.addEventListener('message', (ev) => {
  const m = validateExtensionMessage(ev.data);
  if (!m) return;
  if (m.type === 'status') setStatus(m.kind, m.message);
  else if (m.type === 'persist') vscode.setState?.(m.state);
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

post({ type: 'ready' });
