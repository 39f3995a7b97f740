/**
 * Messages between the results webview and the extension, with validators. The extension treats
 * everything from the webview as untrusted: a message is acted on only when its type is known and
 * every field has the expected type and form; anything else is ignored (validate returns null).
 */
import { isModelName } from '../../../engine/src/index';

export type ResultsFormat = 'markdown' | 'html' | 'latex' | 'csv' | 'json';
export const RESULTS_FORMATS: readonly ResultsFormat[] = ['markdown', 'html', 'latex', 'csv', 'json'];

export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'reveal'; line: number; character: number }
  | { type: 'refit'; model?: string }
  | { type: 'check'; model: string }
  | { type: 'inference'; model: string }
  | { type: 'exportResults'; format: ResultsFormat }
  | { type: 'exportPlot'; format: 'svg'; plotId: string; data: string }
  | { type: 'exportPlot'; format: 'png'; plotId: string; data: string };

/** Plot ids are ASCII made by the renderer (svg.ts slug). */
const PLOT_ID = /^[A-Za-z0-9_-]{1,200}$/;
const PNG_DATA_URL = /^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/;
/** Upper bound on an exported plot (characters), well above any plot the renderer draws. */
export const MAX_PLOT_CHARS = 30_000_000;

/** A plain object (not null, not an array): the first check on any message or state read back. */
export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function validateWebviewMessage(msg: unknown): WebviewMessage | null {
  if (!isObject(msg) || typeof msg.type !== 'string') return null;
  switch (msg.type) {
    case 'ready':
      return { type: 'ready' };
    case 'reveal': {
      const { line, character } = msg;
      if (!Number.isInteger(line) || !Number.isInteger(character) || (line as number) < 0 || (character as number) < 0 || (line as number) > 1e7 || (character as number) > 1e7) return null;
      return { type: 'reveal', line: line as number, character: character as number };
    }
    case 'refit': {
      if (msg.model === undefined) return { type: 'refit' };
      if (!isModelName(msg.model)) return null;
      return { type: 'refit', model: msg.model };
    }
    case 'check':
    case 'inference':
      // the checking assistant's buttons: one model, named by the one model-name grammar
      if (!isModelName(msg.model)) return null;
      return { type: msg.type, model: msg.model };
    case 'exportResults': {
      if (typeof msg.format !== 'string' || !(RESULTS_FORMATS as readonly string[]).includes(msg.format)) return null;
      return { type: 'exportResults', format: msg.format as ResultsFormat };
    }
    case 'exportPlot': {
      const { format, plotId, data } = msg;
      if (typeof plotId !== 'string' || !PLOT_ID.test(plotId)) return null;
      if (typeof data !== 'string' || data.length === 0 || data.length > MAX_PLOT_CHARS) return null;
      if (format === 'svg') {
        if (!/^<svg[\s>]/.test(data) || !/<\/svg>\s*$/.test(data)) return null;
        return { type: 'exportPlot', format: 'svg', plotId, data };
      }
      if (format === 'png') {
        if (!PNG_DATA_URL.test(data)) return null;
        return { type: 'exportPlot', format: 'png', plotId, data };
      }
      return null;
    }
    default:
      return null;
  }
}

/** Messages from the extension to the webview: a status line, or the panel state to keep with setState (see panelPersist.ts). */
export type ExtensionMessage =
  | { type: 'status'; kind: 'ok' | 'error' | 'cancelled' | 'running' | 'info'; message: string }
  | { type: 'persist'; state: Record<string, unknown> }
  /** Every inference side by side for one model, rendered by the extension (render/inference.ts), shown under the model. */
  | { type: 'inference'; model: string; html: string };

const STATUS_KINDS = ['ok', 'error', 'cancelled', 'running', 'info'];

export function validateExtensionMessage(msg: unknown): ExtensionMessage | null {
  if (!isObject(msg)) return null;
  if (msg.type === 'persist') {
    // Stored as is; the extension checks the shape when it reads the state back (restoredPanel).
    if (!isObject(msg.state) || typeof msg.state.uri !== 'string') return null;
    return { type: 'persist', state: msg.state };
  }
  if (msg.type === 'inference') {
    if (!isModelName(msg.model) || typeof msg.html !== 'string' || msg.html.length > 500_000) return null;
    return { type: 'inference', model: msg.model, html: msg.html };
  }
  if (msg.type !== 'status') return null;
  if (typeof msg.kind !== 'string' || !STATUS_KINDS.includes(msg.kind)) return null;
  if (typeof msg.message !== 'string' || msg.message.length > 10_000) return null;
  return { type: 'status', kind: msg.kind as Extract<ExtensionMessage, { type: 'status' }>['kind'], message: msg.message };
}

/** Bytes of a validated PNG data URL. */
export function pngBytes(dataUrl: string): Uint8Array {
  const b64 = dataUrl.slice(dataUrl.indexOf(',') + 1);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
