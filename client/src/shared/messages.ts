/**
 * Messages between the results webview and the extension, with validators. The extension treats
 * everything from the webview as untrusted: a message is acted on only when its type is known and
 * every field has the expected type and form; anything else is ignored (validate returns null).
 */
import { isModelName } from '../../../engine/src/index';
import type { DataRowsQuery } from '../../../protocol/index';

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
  | { type: 'exportPlot'; format: 'png'; plotId: string; data: string }
  /** Data preview: one page of rows for the query (sorted and filtered by the language server). */
  | ({ type: 'dataRows'; id: number; offset: number; count: number } & DataRowsQuery)
  /** Results page: the group level under the pointer or focus (null: none), relayed to the data preview. */
  | { type: 'linkedLevel'; group: string | null; level: string | null };

/** Longest column name, level, or filter text a message may carry. */
const MAX_TEXT = 1000;
const isText = (x: unknown): x is string => typeof x === 'string' && x.length <= MAX_TEXT;
const isCount = (x: unknown, max: number): x is number => Number.isInteger(x) && (x as number) >= 0 && (x as number) <= max;

function dataRowsQuery(msg: Record<string, unknown>): DataRowsQuery | null {
  const q: DataRowsQuery = {};
  if (msg.sort !== undefined && msg.sort !== null) {
    if (!isObject(msg.sort) || !isText(msg.sort.column) || typeof msg.sort.descending !== 'boolean') return null;
    q.sort = { column: msg.sort.column, descending: msg.sort.descending };
  }
  if (msg.filter !== undefined) {
    if (!isText(msg.filter)) return null;
    q.filter = msg.filter;
  }
  if (msg.match !== undefined && msg.match !== null) {
    const m = msg.match;
    if (!isObject(m) || !Array.isArray(m.columns) || !Array.isArray(m.values) || m.columns.length !== m.values.length || m.columns.length > 10) return null;
    if (!m.columns.every(isText) || !m.values.every(isText)) return null;
    q.match = { columns: m.columns as string[], values: m.values as string[] };
  }
  return q;
}

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
    case 'dataRows': {
      if (!isCount(msg.id, 2 ** 31) || !isCount(msg.offset, 2 ** 31) || !isCount(msg.count, 1000)) return null;
      const q = dataRowsQuery(msg);
      if (!q) return null;
      return { type: 'dataRows', id: msg.id as number, offset: msg.offset as number, count: msg.count as number, ...q };
    }
    case 'linkedLevel': {
      if (msg.group === null && msg.level === null) return { type: 'linkedLevel', group: null, level: null };
      if (!isText(msg.group) || !isText(msg.level)) return null;
      return { type: 'linkedLevel', group: msg.group, level: msg.level };
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
  | { type: 'inference'; model: string; html: string }
  /** Data preview: a page of rows answering the page's request `id`. */
  | { type: 'dataRows'; id: number; total: number; offset: number; rows: { n: number; cells: string[] }[] }
  /** Data preview: the group level hovered or focused in a results panel (null: none). */
  | { type: 'linkedLevel'; group: string | null; level: string | null };

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
  if (msg.type === 'dataRows') {
    if (!isCount(msg.id, 2 ** 31) || !isCount(msg.total, 2 ** 31) || !isCount(msg.offset, 2 ** 31) || !Array.isArray(msg.rows) || msg.rows.length > 1000) return null;
    const rows: { n: number; cells: string[] }[] = [];
    for (const r of msg.rows as unknown[]) {
      if (!isObject(r) || !isCount(r.n, 2 ** 31) || !Array.isArray(r.cells) || !r.cells.every((c) => typeof c === 'string')) return null;
      rows.push({ n: r.n as number, cells: r.cells as string[] });
    }
    return { type: 'dataRows', id: msg.id as number, total: msg.total as number, offset: msg.offset as number, rows };
  }
  if (msg.type === 'linkedLevel') {
    if (msg.group === null && msg.level === null) return { type: 'linkedLevel', group: null, level: null };
    if (!isText(msg.group) || !isText(msg.level)) return null;
    return { type: 'linkedLevel', group: msg.group, level: msg.level };
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
