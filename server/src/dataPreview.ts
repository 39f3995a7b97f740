/**
 * mlm/dataPreview: the linked CSV's columns (type, missing count, summary), its rows, and for each
 * grouping factor of the file's models (a column after `|` in a formula) its levels, rows per level
 * (min / median / max) and the factors it is nested in.
 */
import type { DocumentAnalysis } from './analysis';
import { allColumnInfo } from './columnInfo';
import type { DataPreviewResponse } from '../../protocol/index';
import { cellText } from '../../engine/src/index';

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
