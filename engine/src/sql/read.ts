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

/** One grouping set of the result: its rows' key tuples and basis Gram matrices. */
interface SetRows {
  keys: number[];
  tuples: (string | number)[][];
  gram: Float64Array;
}

function num(v: SqlValue): number {
  if (v === null) return NaN;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return Number(v);
}

/** The result rows sorted into grouping sets (identified by which keys are not NULL). */
export function readSets(design: Design, res: SqlResult): { sets: SetRows[]; centres: Float64Array; nAll: number } {
  const m1 = design.basis.length;
  const col = new Map(res.columns.map((c, i) => [c.toLowerCase(), i]));
  const need = (name: string): number => {
    const i = col.get(name);
    if (i === undefined) throw new MlmError({ code: 'sql-blocks-layout', message: `the blocks have no column '${name}' (they were not computed for this model)` });
    return i;
  };
  const nk = design.plan.keys.length;
  const grouped = new Set(groupedKeys(design));
  const gi = Array.from({ length: nk }, (_, i) => (grouped.has(i) ? need(`g${i}`) : -1));
  const ni = need('n');
  const si: number[] = new Array(m1 * m1).fill(-1);
  for (let a = 0; a < m1; a++) for (let b = Math.max(a, 1); b < m1; b++) si[a + b * m1] = need(sumColumn(a, b));
  const ci = Array.from({ length: m1 - 1 }, (_, b) => need(`c_${b + 1}`));
  const setIndex = new Map(design.sets.map((s, i) => [s.join(','), i]));
  const lists: { tuples: (string | number)[][]; grams: number[] }[] = design.sets.map(() => ({ tuples: [], grams: [] }));
  const centres = new Float64Array(m1);
  let nAll = NaN;
  for (const row of res.rows) {
    const present: number[] = [];
    for (let k = 0; k < nk; k++) if (gi[k] >= 0 && row[gi[k]] !== null) present.push(k);
    const s = setIndex.get(present.join(','));
    if (s === undefined) continue;
    const L = lists[s];
    L.tuples.push(present.map((k) => {
      const v = row[gi[k]];
      return design.plan.keys[k].numeric ? num(v) : String(v);
    }));
    const n = num(row[ni]);
    for (let b = 0; b < m1; b++)
      for (let a = 0; a < m1; a++) {
        if (a === 0 && b === 0) L.grams.push(n);
        else L.grams.push(num(row[si[Math.min(a, b) + Math.max(a, b) * m1]]));
      }
    if (present.length === 0) {
      for (let b = 1; b < m1; b++) centres[b] = num(row[ci[b - 1]]);
      const na = col.get('n_all');
      nAll = na === undefined ? n : num(row[na]);
    }
  }
  return { sets: design.sets.map((keys, i) => ({ keys, tuples: lists[i].tuples, gram: Float64Array.from(lists[i].grams) })), centres, nAll };
}

/** Levels of a grouping factor from the tuples of its set: each part in R's order, combinations ordered by part. */
function groupLevels(design: Design, keys: number[], set: SetRows): { labels: string[]; index: Map<string, number>; order: Int32Array } {
  const plan = design.plan;
  const pos = keys.map((k) => set.keys.indexOf(k));
  const parts: KeyLevels[] = keys.map((k, i) => {
    const kc = plan.keys[k];
    return orderKeyLevels(set.tuples.map((t) => t[pos[i]]), kc.numeric, plan.levelOrders.get(kc.column), compareR, numberLabelR);
  });
  const rank = parts.map((p) => new Map(p.values.map((v, i) => [String(v), i])));
  const ranked = set.tuples.map((t, row) => ({ row, r: pos.map((p, i) => rank[i].get(String(t[p]))!) }));
  ranked.sort((a, b) => {
    for (let i = 0; i < a.r.length; i++) if (a.r[i] !== b.r[i]) return a.r[i] - b.r[i];
    return 0;
  });
  const labels = ranked.map((x) => x.r.map((ri, i) => parts[i].labels[ri]).join(':'));
  const index = new Map<string, number>();
  ranked.forEach((x, l) => index.set(tupleKey(keys.map((_, i) => set.tuples[x.row][pos[i]])), l));
  return { labels, index, order: Int32Array.from(ranked.map((x) => x.row)) };
}

function tupleKey(values: (string | number)[]): string {
  return values.map(String).join('\u0001');
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
export function frameFromBlocks(design: Design, res: SqlResult): { frame: ModelFrame; nAll: number; centres: Float64Array; termKeys: number[][] } {
  const plan = design.plan;
  const m1 = design.basis.length;
  const { sets, centres, nAll } = readSets(design, res);
  const total = sets[0];
  if (total.tuples.length !== 1 || total.gram[0] === 0)
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
    const lv = groupLevels(design, r.keys, set);
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
    return { ri, frameTerm, index: lv.index, keys: r.keys, gram, tz };
  });
  const ordered = orderReTerms(terms.map((t) => ({ ...t, levels: t.frameTerm.levels })));
  const pairs: CrossProductBlocks['pairs'] = [];
  for (let s = 0; s < ordered.length; s++)
    for (let t = s + 1; t < ordered.length; t++) {
      const A = ordered[s], B = ordered[t];
      const set = setOf([...A.keys, ...B.keys]);
      const posA = A.keys.map((k) => set.keys.indexOf(k));
      const posB = B.keys.map((k) => set.keys.indexOf(k));
      const nc = set.tuples.length;
      const ls = new Int32Array(nc), lt = new Int32Array(nc);
      set.tuples.forEach((tu, c) => {
        ls[c] = A.index.get(tupleKey(posA.map((i) => tu[i])))!;
        lt[c] = B.index.get(tupleKey(posB.map((i) => tu[i])))!;
      });
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
    rowsDropped: nAll - n,
    family: 'gaussian',
    link: 'identity',
    formula: plan.formula,
    warnings,
    blocks,
  };
  return { frame, nAll, centres, termKeys: ordered.map((t) => t.keys) };
}
