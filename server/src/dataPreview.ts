/**
 * mlm/dataPreview: the linked CSV's columns (type, missing count, summary), its rows, and for each
 * grouping factor of the file's models (a column after `|` in a formula) its levels, rows per level
 * (min / median / max) and the factors it is nested in. mlm/dataRows: pages of its rows, sorted and
 * filtered here, where the rows are (the preview page holds only what is on screen).
 */
import type { DocumentAnalysis } from './analysis';
import { allColumnInfo } from './columnInfo';
import type { DataPreviewResponse, DataRowsParams, DataRowsQuery, DataRowsResponse } from '../../protocol/index';
import { cellText, type DataTable } from '../../engine/src/index';

/** Columns named as grouping factors in the formulas' random-effects terms: `(x | a/b)`, `(1 || a:b)`. */
export function groupingColumns(formulas: string[], names: string[]): string[] {
  const out: string[] = [];
  for (const f of formulas) {
    for (const m of f.matchAll(/\|\|?([^()|]+)\)/g)) {
      for (const part of m[1].split(/[:/]/)) {
        const name = part.trim();
        if (names.includes(name) && !out.includes(name)) out.push(name);
      }
    }
  }
  return out;
}

function describeGrouping(col: string, raw: string[], others: { name: string; raw: string[] }[]): string {
  const rows = new Map<string, number>();
  for (const v of raw) if (v !== '') rows.set(v, (rows.get(v) ?? 0) + 1);
  const counts = [...rows.values()].sort((a, b) => a - b);
  if (!counts.length) return 'no levels';
  const median = counts.length % 2 ? counts[(counts.length - 1) / 2] : (counts[counts.length / 2 - 1] + counts[counts.length / 2]) / 2;
  let s = `grouping factor: ${counts.length} levels; rows per level min ${counts[0]}, median ${median}, max ${counts[counts.length - 1]}`;
  // Nested in another grouping factor: every level of this one sits within one level of the other.
  const nestedIn = others.filter((o) => {
    const seen = new Map<string, string>();
    for (let i = 0; i < raw.length; i++) {
      const prev = seen.get(raw[i]);
      if (prev === undefined) seen.set(raw[i], o.raw[i]);
      else if (prev !== o.raw[i]) return false;
    }
    return new Set(o.raw).size < rows.size;
  });
  if (nestedIn.length) s += `; nested in ${nestedIn.map((o) => o.name).join(', ')}`;
  return s;
}

export function dataPreview(a: DocumentAnalysis, maxRows = 50): DataPreviewResponse | null {
  const t = a.table;
  if (!t) return null;
  const n = Math.max(0, Math.min(t.nrow, Math.floor(maxRows ?? 50)));
  const head: string[][] = [];
  const cols = t.names.map((name) => t.columns.get(name)!);
  for (let i = 0; i < n; i++) head.push(cols.map((c) => cellText(c, i)));
  const formulas = a.doc.models.map((m) => m.formula?.text ?? '').filter((f) => f);
  const groups = groupingColumns(formulas, t.names);
  const rawOf = (name: string) => Array.from({ length: t.nrow }, (_, i) => cellText(t.columns.get(name)!, i));
  const groupRaw = groups.map((name) => ({ name, raw: rawOf(name) }));
  return {
    file: a.doc.data?.value ?? t.fileName,
    rows: t.nrow,
    columns: allColumnInfo(t).map((c) => {
      const g = groupRaw.find((o) => o.name === c.name);
      return {
        name: c.name,
        type: c.type,
        missing: c.missing,
        summary: c.summary,
        ...(g ? { grouping: describeGrouping(c.name, g.raw, groupRaw.filter((o) => o !== g)) } : {}),
      };
    }),
    head,
    ...(a.dataSource ? { source: a.dataSource } : {}),
  };
}

/** Row orders per table and query, newest last (a few kept: sorting a million rows takes a moment). */
const orders = new WeakMap<DataTable, Map<string, Int32Array>>();
const ORDERS_KEPT = 6;

/** The rows (0-based) that pass the query's match and filter, in its sort order. */
export function dataRowOrder(t: DataTable, q: DataRowsQuery): Int32Array {
  const key = JSON.stringify([q.sort ?? null, (q.filter ?? '').trim().toLowerCase(), q.match ?? null]);
  let kept = orders.get(t);
  if (!kept) orders.set(t, (kept = new Map()));
  const hit = kept.get(key);
  if (hit) {
    kept.delete(key);
    kept.set(key, hit);
    return hit;
  }
  const cols = t.names.map((n) => t.columns.get(n)!);
  let rows: number[] = [];
  const match = q.match && q.match.columns.length === q.match.values.length ? q.match.columns.map((c, k) => ({ col: t.columns.get(c), value: q.match!.values[k] })) : [];
  const needle = (q.filter ?? '').trim().toLowerCase();
  for (let i = 0; i < t.nrow; i++) {
    if (match.some((m) => !m.col || cellText(m.col, i) !== m.value)) continue;
    if (needle && !cols.some((c) => cellText(c, i).toLowerCase().includes(needle))) continue;
    rows.push(i);
  }
  const sortCol = q.sort && q.sort.column ? t.columns.get(q.sort.column) : undefined;
  const dir = q.sort?.descending ? -1 : 1;
  if (sortCol) {
    // numbers by value and text by R's level order (the levels are kept sorted); missing values last either way
    const keyOf = sortCol.kind === 'numeric' ? (i: number) => sortCol.values[i] : (i: number) => (sortCol.codes[i] < 0 ? NaN : sortCol.codes[i]);
    rows.sort((a, b) => {
      const x = keyOf(a);
      const y = keyOf(b);
      if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) === Number.isNaN(y) ? a - b : Number.isNaN(x) ? 1 : -1;
      return x === y ? a - b : dir * (x - y);
    });
  } else if (q.sort?.descending) rows = rows.reverse();
  const order = Int32Array.from(rows);
  kept.set(key, order);
  if (kept.size > ORDERS_KEPT) kept.delete(kept.keys().next().value as string);
  return order;
}

/** One page of rows for the data preview (see DataRowsParams). */
export function dataRows(t: DataTable, p: DataRowsParams): DataRowsResponse {
  const order = dataRowOrder(t, p);
  const offset = Math.max(0, Math.min(order.length, Math.floor(p.offset)));
  const count = Math.max(0, Math.min(1000, Math.floor(p.count)));
  const cols = t.names.map((n) => t.columns.get(n)!);
  const rows: DataRowsResponse['rows'] = [];
  for (let k = offset; k < Math.min(order.length, offset + count); k++) {
    const i = order[k];
    rows.push({ n: i + 1, cells: cols.map((c) => cellText(c, i)) });
  }
  return { total: order.length, offset, rows };
}
