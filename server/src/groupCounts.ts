/** Number of groups of a grouping factor (`g` or an interaction `a:b`) in the data, before any fit. */
import type { DataTable } from '../../engine/src/index';

const cache = new WeakMap<DataTable, Map<string, number>>();

/** Distinct combinations of the columns among rows where none is missing; null when a column is unknown. */
export function countGroups(table: DataTable, columns: string[]): number | null {
  const key = columns.join('\u0000');
  let m = cache.get(table);
  if (!m) cache.set(table, (m = new Map()));
  const hit = m.get(key);
  if (hit !== undefined) return hit;
  const cols = columns.map((c) => table.columns.get(c));
  if (cols.some((c) => !c)) return null;
  const seen = new Set<string>();
  for (let i = 0; i < table.nrow; i++) {
    let k = '';
    let missing = false;
    for (const c of cols) {
      if (c!.kind === 'numeric') {
        const v = c!.values[i];
        if (Number.isNaN(v)) missing = true;
        k += v + '\u0000';
      } else {
        const v = c!.codes[i];
        if (v < 0) missing = true;
        k += v + '\u0000';
      }
    }
    if (!missing) seen.add(k);
  }
  m.set(key, seen.size);
  return seen.size;
}
