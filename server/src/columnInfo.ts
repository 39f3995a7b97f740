/** Short descriptions of data columns for completion documentation, hovers and the data preview. */
import type { DataColumn, DataTable } from '../../engine/src/index';

export interface LevelCount {
  label: string;
  count: number;
}

export interface ColumnInfo {
  name: string;
  /** 'factor' for text columns; numeric columns stay 'numeric' (they become factors only by `factors:` or `factor()`). */
  type: 'numeric' | 'factor';
  missing: number;
  /** Every present value is a whole number (an id column such as school or Subject). */
  integer: boolean;
  /**
   * Whole numbers that look like identifiers rather than a measurement: not a short run 0..k or 1..k
   * (Days 0–9 is a measurement; Subject 308–372 or school 1224–9586 are ids).
   */
  idLike: boolean;
  /** Number of distinct present values. */
  distinct: number;
  min?: number;
  max?: number;
  mean?: number;
  /** Levels in R's order with their counts (factors, and whole-number columns with few distinct values). */
  levels?: LevelCount[];
  /** 'range 0–9, mean 4.5' or '18 levels: 308 (10), 309 (10), …' */
  summary: string;
}

const SHOWN_LEVELS = 6;

export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-4) return x.toExponential(3).replace(/\.?0+e/, 'e');
  if (Number.isInteger(x)) return String(x);
  // 1743.6, 612.1 | 24.74, 5.922 | 0.0656
  if (a >= 100) return Number(x.toFixed(1)).toString();
  if (a >= 1) return Number(x.toPrecision(4)).toString();
  return Number(x.toPrecision(3)).toString();
}

export function levelsSummary(levels: LevelCount[]): string {
  const shown = levels.slice(0, SHOWN_LEVELS).map((l) => `${l.label} (${l.count})`);
  const more = levels.length > SHOWN_LEVELS ? ', …' : '';
  return `${levels.length} level${levels.length === 1 ? '' : 's'}: ${shown.join(', ')}${more}`;
}

export function describeColumn(col: DataColumn): ColumnInfo {
  if (col.kind === 'text') {
    const counts = new Array<number>(col.levels.length).fill(0);
    let missing = 0;
    for (const c of col.codes) {
      if (c < 0) missing++;
      else counts[c]++;
    }
    const levels = col.levels.map((label, i) => ({ label, count: counts[i] }));
    return {
      name: col.name,
      type: 'factor',
      missing,
      integer: false,
      idLike: false,
      distinct: levels.filter((l) => l.count > 0).length,
      levels,
      summary: levelsSummary(levels),
    };
  }
  let missing = 0;
  let n = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let integer = true;
  const distinct = new Map<number, number>();
  for (const v of col.values) {
    if (Number.isNaN(v)) {
      missing++;
      continue;
    }
    n++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
    if (integer && !Number.isInteger(v)) integer = false;
    if (distinct.size <= 100000) distinct.set(v, (distinct.get(v) ?? 0) + 1);
  }
  if (n === 0) {
    return { name: col.name, type: 'numeric', missing, integer: false, idLike: false, distinct: 0, summary: 'all values missing' };
  }
  // Means that are rounding noise of an exact zero (centred columns) print as 0.
  const rawMean = sum / n;
  const mean = Math.abs(rawMean) < 1e-10 * Math.max(Math.abs(min), Math.abs(max), 1e-300) ? 0 : rawMean;
  const info: ColumnInfo = {
    name: col.name,
    type: 'numeric',
    missing,
    integer,
    idLike: integer && !((min === 0 || min === 1) && distinct.size === max - min + 1 && distinct.size <= 20),
    distinct: distinct.size,
    min,
    max,
    mean,
    summary: `range ${formatNumber(min)}–${formatNumber(max)}, mean ${formatNumber(mean)}`,
  };
  if (integer && distinct.size <= 1000) {
    info.levels = [...distinct.entries()].sort((a, b) => a[0] - b[0]).map(([v, count]) => ({ label: String(v), count }));
    info.summary += `; ${distinct.size} distinct value${distinct.size === 1 ? '' : 's'}`;
  }
  return info;
}

/** Column descriptions of a table, computed once per table object. */
const cache = new WeakMap<DataTable, Map<string, ColumnInfo>>();

export function columnInfo(table: DataTable, name: string): ColumnInfo | undefined {
  let m = cache.get(table);
  if (!m) {
    m = new Map();
    cache.set(table, m);
  }
  let info = m.get(name);
  if (!info) {
    const col = table.columns.get(name);
    if (!col) return undefined;
    info = describeColumn(col);
    m.set(name, info);
  }
  return info;
}

export function allColumnInfo(table: DataTable): ColumnInfo[] {
  return table.names.map((n) => columnInfo(table, n)!).filter(Boolean);
}

/** A column that can serve as a grouping factor: text, id-like whole numbers, or declared/used as a factor. */
export function isFactorLike(info: ColumnInfo, knownFactors: ReadonlySet<string> = new Set()): boolean {
  return info.type === 'factor' || info.idLike || knownFactors.has(info.name);
}
