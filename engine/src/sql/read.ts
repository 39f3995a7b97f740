/**
 * The result of the blocks query (compile.ts blocksQuery) → the model frame of a fit without rows:
 * grouping levels in R's order, the basis Gram matrices per level and per cell (lmm/blocks.ts
 * CrossProductBlocks), lme4's term order, and rank-deficient fixed-effects columns dropped as
 * lme4's chkRank.drop.cols does.
 */
import { MlmError } from '../diagnostics';
import { compareR, numberLabelR } from '../data/rsort';
import { orderReTerms } from '../frame/modelframe';
import type { ModelFrame, ReTermFrame } from '../frame/types';
import type { CrossProductBlocks } from '../lmm/blocks';
import { groupedKeys, orderKeyLevels, sumColumn, type Design, type KeyLevels } from './compile';
import type { SqlResult, SqlValue } from './runner';

/** One grouping set of the result: per key of the set the code of each row's value, and each row's basis Gram matrix. */
interface SetRows {
  keys: number[];
  /** codes[i][r]: code (index into KeyValues.values) of key keys[i] in row r */
  codes: Int32Array[];
  rows: number;
  gram: Float64Array;
}

/** The distinct values of each key column met in the result, coded in order of appearance. */
interface KeyValues {
  values: (string | number)[];
  code: Map<string | number, number>;
}

function num(v: SqlValue): number {
  if (v === null) return NaN;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return Number(v);
}

/** The result rows sorted into grouping sets (identified by which keys are not NULL); sets not queried are rolled up. */
export function readSets(design: Design, results: SqlResult | SqlResult[], known?: { centres: Float64Array; nAll: number }): { sets: SetRows[]; keyValues: KeyValues[]; centres: Float64Array; nAll: number } {
  const m1 = design.basis.length;
  const mm = m1 * m1;
  const parts = Array.isArray(results) ? results : [results];
  const keys = design.plan.keys;
  const grouped = groupedKeys(design);
  // per result: where each column is (a result of one cell query has only its keys and its sums)
  const layouts = parts.map((res, pi) => {
    const col = new Map(res.columns.map((c, i) => [c.toLowerCase(), i]));
    const need = (name: string): number => {
      const i = col.get(name);
      if (i === undefined) throw new MlmError({ code: 'sql-blocks-layout', message: `the blocks have no column '${name}' (they were not computed for this model)` });
      return i;
    };
    const gi = grouped.map((k) => col.get(`g${k}`) ?? -1);
    if (pi === 0) grouped.forEach((k) => need(`g${k}`));
    const si: number[] = new Array(mm).fill(-1);
    for (let a = 0; a < m1; a++) for (let b = Math.max(a, 1); b < m1; b++) si[a + b * m1] = col.get(sumColumn(a, b)) ?? -1;
    const ci = known ? [] : Array.from({ length: m1 - 1 }, (_, b) => need(`c_${b + 1}`));
    return { col, gi, ni: need('n'), si, ci };
  });
  const keyValues: KeyValues[] = keys.map(() => ({ values: [], code: new Map() }));
  const codeOf = (k: number, v: SqlValue): number => {
    const kv = keyValues[k];
    const x = keys[k].numeric ? num(v) : String(v);
    let c = kv.code.get(x);
    if (c === undefined) {
      c = kv.values.length;
      kv.values.push(x);
      kv.code.set(x, c);
    }
    return c;
  };
  const setIndex = new Map(design.querySets.map((s, i) => [s.join(','), i]));
  const centres = known ? known.centres : new Float64Array(m1);
  let nAll = known ? known.nAll : NaN;
  // pass 1: the set of each row (by its non-NULL keys); pass 2: codes and Gram matrices into typed arrays
  const setOfRow = parts.map((res) => new Int32Array(res.rows.length).fill(-1));
  const counts = new Int32Array(design.querySets.length);
  const present: number[] = [];
  parts.forEach((res, pi) => {
    const { gi } = layouts[pi];
    for (let r = 0; r < res.rows.length; r++) {
      const row = res.rows[r];
      present.length = 0;
      for (let j = 0; j < grouped.length; j++) if (gi[j] >= 0 && row[gi[j]] !== null) present.push(grouped[j]);
      const s = setIndex.get(present.join(','));
      if (s === undefined) continue;
      setOfRow[pi][r] = s;
      counts[s]++;
    }
  });
  const queried: SetRows[] = design.querySets.map((q, i) => ({ keys: q, codes: q.map(() => new Int32Array(counts[i])), rows: counts[i], gram: new Float64Array(counts[i] * mm) }));
  const fill = new Int32Array(design.querySets.length);
  parts.forEach((res, pi) => {
    const { gi, ni, si, ci, col } = layouts[pi];
    const keyCol = design.querySets.map((q) => q.map((k) => gi[grouped.indexOf(k)]));
    for (let r = 0; r < res.rows.length; r++) {
      const s = setOfRow[pi][r];
      if (s < 0) continue;
      const row = res.rows[r];
      const Q = queried[s];
      const full = design.querySums[s] === null;
      const i = fill[s]++;
      for (let j = 0; j < Q.keys.length; j++) Q.codes[j][i] = codeOf(Q.keys[j], row[keyCol[s][j]]);
      const o = i * mm;
      Q.gram[o] = num(row[ni]);
      for (let b = 0; b < m1; b++)
        for (let a = 0; a < m1; a++) {
          if (a === 0 && b === 0) continue;
          const c = si[Math.min(a, b) + Math.max(a, b) * m1];
          if (c >= 0) Q.gram[o + a + b * m1] = num(row[c]);
          else if (full) throw new MlmError({ code: 'sql-blocks-layout', message: `the blocks have no column '${sumColumn(Math.min(a, b), Math.max(a, b))}' (they were not computed for this model)` });
        }
      if (Number.isNaN(nAll) && !known) {
        // the centres and the row count are the same on every row
        for (let b = 1; b < m1; b++) centres[b] = num(row[ci[b - 1]]);
        const na = col.get('n_all');
        nAll = na === undefined ? NaN : num(row[na]);
      }
    }
  });
  const sets = design.sets.map((keys) => {
    const q = design.querySets.findIndex((x) => x.join(',') === keys.join(','));
    if (q >= 0) return queried[q];
    // a roll-up of a queried set that contains it
    const from = design.querySets.findIndex((x, i) => design.querySums[i] === null && keys.every((k) => x.includes(k)));
    return rollUp(queried[from], keys, m1, keyValues);
  });
  return { sets, keyValues, centres, nAll };
}

/** A combined numeric key of several codes. */
function combined(codes: Int32Array[], r: number, sizes: number[]): number {
  let k = 0;
  for (let i = 0; i < codes.length; i++) k = k * sizes[i] + codes[i][r];
  return k;
}

/** The sums of a coarser grouping (keys ⊂ the set's keys) by adding the set's rows. */
function rollUp(set: SetRows, keys: number[], m1: number, keyValues: KeyValues[]): SetRows {
  const sub = keys.map((k) => set.codes[set.keys.indexOf(k)]);
  const sizes = keys.map((k) => keyValues[k].values.length);
  const index = new Map<number, number>();
  const out: number[][] = keys.map(() => []);
  const rowOf = new Int32Array(set.rows);
  for (let r = 0; r < set.rows; r++) {
    const key = combined(sub, r, sizes);
    let i = index.get(key);
    if (i === undefined) {
      i = index.size;
      index.set(key, i);
      sub.forEach((c, j) => out[j].push(c[r]));
    }
    rowOf[r] = i;
  }
  const mm = m1 * m1;
  const gram = new Float64Array(index.size * mm);
  for (let r = 0; r < set.rows; r++) {
    const o = rowOf[r] * mm, so = r * mm;
    for (let a = 0; a < mm; a++) gram[o + a] += set.gram[so + a];
  }
  return { keys, codes: out.map((c) => Int32Array.from(c)), rows: index.size, gram };
}

/**
 * Levels of a grouping factor from its set: each key in R's order, combinations ordered key by key
 * (as lme4's a:b); `levelOf(codes)` gives the level of a combination of codes (-1 when absent).
 */
function groupLevels(design: Design, keys: number[], set: SetRows, keyValues: KeyValues[]): { labels: string[]; order: Int32Array; levelOf: (codes: Int32Array[], r: number) => number } {
  const plan = design.plan;
  const pos = keys.map((k) => set.keys.indexOf(k));
  const ranks = keys.map((k) => {
    const kc = plan.keys[k];
    const kv = keyValues[k];
    const ordered: KeyLevels = orderKeyLevels(kv.values, kc.numeric, plan.levelOrders.get(kc.column), compareR, numberLabelR);
    const rank = new Int32Array(kv.values.length).fill(-1);
    ordered.values.forEach((v, i) => (rank[kv.code.get(v)!] = i));
    return { rank, labels: ordered.labels };
  });
  const rows = Array.from({ length: set.rows }, (_, r) => r);
  rows.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const d = ranks[i].rank[set.codes[pos[i]][a]] - ranks[i].rank[set.codes[pos[i]][b]];
      if (d !== 0) return d;
    }
    return 0;
  });
  const labels = rows.map((r) => keys.map((_, i) => ranks[i].labels[ranks[i].rank[set.codes[pos[i]][r]]]).join(':'));
  const sizes = keys.map((k) => keyValues[k].values.length);
  let levelOf: (codes: Int32Array[], r: number) => number;
  if (keys.length === 1) {
    const direct = new Int32Array(sizes[0]).fill(-1);
    rows.forEach((r, l) => (direct[set.codes[pos[0]][r]] = l));
    levelOf = (codes, r) => direct[codes[0][r]];
  } else {
    const index = new Map<number, number>();
    const own = pos.map((p) => set.codes[p]);
    rows.forEach((r, l) => index.set(combined(own, r, sizes), l));
    levelOf = (codes, r) => index.get(combined(codes, r, sizes)) ?? -1;
  }
  return { labels, order: Int32Array.from(rows), levelOf };
}

/** Column j of a basis transform: the raw model column of basis entry b (v_b plus its centre). */
function rawColumn(out: Float64Array, m1: number, j: number, b: number, centres: Float64Array): void {
  if (b === 0) out[j * m1] += 1;
  else {
    out[b + j * m1] += 1;
    out[j * m1] += centres[b];
  }
}

/**
 * Columns kept as lme4's chkRank.drop.cols (in-memory: frame/modelmatrix.ts independentColumns): a
 * column is dropped when its part orthogonal to the kept columns before it is below 1e-7 of its norm.
 * From the Gram matrix: projections on the centred columns, norms of the model's own columns.
 */
function keptColumns(cb: { m1: number; total: Float64Array }, x: Float64Array, intercept: number, p: number): number[] {
  const { m1, total } = cb;
  const gram = (A: Float64Array, ja: number, B: Float64Array, jb: number): number => {
    let s = 0;
    for (let a = 0; a < m1; a++) {
      const va = A[a + ja * m1];
      if (va === 0) continue;
      for (let b = 0; b < m1; b++) s += va * total[a + b * m1] * B[b + jb * m1];
    }
    return s;
  };
  // centred copies (constant part removed) when the intercept comes first, for precise projections
  const xc = Float64Array.from(x);
  if (intercept === 0) for (let j = 1; j < p; j++) xc[j * m1] = 0;
  const kept: number[] = [];
  const L: number[][] = []; // Cholesky rows of the kept columns' Gram (centred coordinates)
  for (let j = 0; j < p; j++) {
    const norm0 = Math.sqrt(Math.max(0, gram(x, j, x, j)));
    if (norm0 === 0) continue;
    const g = kept.map((i) => gram(xc, i, xc, j));
    const r: number[] = [];
    for (let i = 0; i < kept.length; i++) {
      let s = g[i];
      for (let k = 0; k < i; k++) s -= L[i][k] * r[k];
      r.push(s / L[i][i]);
    }
    let res = gram(xc, j, xc, j);
    for (const v of r) res -= v * v;
    const norm = Math.sqrt(Math.max(0, res));
    if (norm < 1e-7 * norm0) continue;
    kept.push(j);
    L.push([...r, norm]);
  }
  return kept;
}

/** The model frame (no rows) of a plan's blocks. */
export function frameFromBlocks(design: Design, res: SqlResult | SqlResult[], known?: { centres: Float64Array; nAll: number }): { frame: ModelFrame; nAll: number; centres: Float64Array; termKeys: number[][] } {
  const plan = design.plan;
  const m1 = design.basis.length;
  const { sets, keyValues, centres, nAll } = readSets(design, res, known);
  const total = sets[0];
  if (total.rows !== 1 || total.gram[0] === 0)
    throw new MlmError({ code: 'no-rows', message: `no rows are left after removing the rows with a missing value in a variable of the model (${nAll} rows in ${plan.relation})` });
  const n = total.gram[0];
  const setOf = (keys: number[]): SetRows => sets[design.sets.findIndex((s) => s.join(',') === [...new Set(keys)].sort((a, b) => a - b).join(','))];
  // fixed effects in the basis, rank check
  const p0 = design.x.length;
  const x0 = new Float64Array(m1 * p0);
  design.x.forEach((c, j) => rawColumn(x0, m1, j, c.basis, centres));
  const interceptCol = design.x.findIndex((c) => c.basis === 0);
  const totalGram = total.gram.subarray(0, m1 * m1);
  const kept = keptColumns({ m1, total: totalGram }, x0, interceptCol, p0);
  const droppedCoefs = design.x.filter((_, j) => !kept.includes(j)).map((c) => c.name);
  const x = new Float64Array(m1 * kept.length);
  kept.forEach((j, c) => x.set(x0.subarray(j * m1, (j + 1) * m1), c * m1));
  const y = new Float64Array(m1);
  rawColumn(y, m1, 0, design.y, centres);
  const warnings: string[] = [];
  if (droppedCoefs.length) {
    const k = droppedCoefs.length;
    warnings.push(`fixed-effect model matrix is rank deficient so dropping ${k} column${k === 1 ? '' : 's'} / coefficient${k === 1 ? '' : 's'}: ${droppedCoefs.join(', ')}`);
  }
  // random-effects terms in formula order, then lme4's order
  const terms = design.random.map((r, ri) => {
    const set = setOf(r.keys);
    const lv = groupLevels(design, r.keys, set, keyValues);
    const k = r.columns.length;
    const tz = new Float64Array(m1 * k);
    r.columns.forEach((c, j) => rawColumn(tz, m1, j, c.basis, centres));
    const gram = new Float64Array(lv.labels.length * m1 * m1);
    lv.order.forEach((row, l) => gram.set(set.gram.subarray(row * m1 * m1, (row + 1) * m1 * m1), l * m1 * m1));
    const spec = plan.random[ri].spec;
    const frameTerm: ReTermFrame = {
      group: spec.group,
      levels: lv.labels,
      refs: new Int32Array(0),
      termNames: r.columns.map((c) => c.name),
      k,
      Z: new Float64Array(0),
      text: spec.text,
      span: spec.span,
      fromDoubleBar: spec.fromDoubleBar,
    };
    return { ri, frameTerm, levelOf: lv.levelOf, keys: r.keys, gram, tz };
  });
  const ordered = orderReTerms(terms.map((t) => ({ ...t, levels: t.frameTerm.levels })));
  const pairs: CrossProductBlocks['pairs'] = [];
  for (let s = 0; s < ordered.length; s++)
    for (let t = s + 1; t < ordered.length; t++) {
      const A = ordered[s], B = ordered[t];
      const set = setOf([...A.keys, ...B.keys]);
      const codesA = A.keys.map((k) => set.codes[set.keys.indexOf(k)]);
      const codesB = B.keys.map((k) => set.codes[set.keys.indexOf(k)]);
      const nc = set.rows;
      const ls = new Int32Array(nc), lt = new Int32Array(nc);
      for (let c = 0; c < nc; c++) {
        ls[c] = A.levelOf(codesA, c);
        lt[c] = B.levelOf(codesB, c);
      }
      pairs.push({ s, t, ls, lt, gram: set.gram });
    }
  const blocks: CrossProductBlocks = {
    m1,
    total: Float64Array.from(totalGram),
    terms: ordered.map((t) => ({ gram: t.gram, tz: t.tz })),
    pairs,
    x,
    y,
    intercept: kept.indexOf(interceptCol),
  };
  const frame: ModelFrame = {
    n,
    y: new Float64Array(0),
    responseName: plan.responseName,
    X: new Float64Array(0),
    p: kept.length,
    coefnames: kept.map((j) => design.x[j].name),
    droppedCoefs,
    reTerms: ordered.map((t) => t.frameTerm),
    offset: null,
    weights: null,
    rows: new Int32Array(0),
    rowsDropped: Number.isFinite(nAll) ? nAll - n : 0,
    family: 'gaussian',
    link: 'identity',
    formula: plan.formula,
    warnings,
    blocks,
  };
  return { frame, nAll, centres, termKeys: ordered.map((t) => t.keys) };
}
