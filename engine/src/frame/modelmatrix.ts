/**
 * Model matrices as R's model.matrix() with treatment contrasts (or the factor's own: sum, helmert, poly): columns per term in term order,
 * a factor coded by contrasts (levels 2..L) when the term without it is contained in an earlier
 * term (or is empty), else by indicators of all levels; without an intercept, the first factor of
 * the first term containing one gets indicators. In an interaction the first variable varies fastest.
 */
import { ROWS_PER_STEP, runSteps, type Steps } from '../hooks';
import type { TermsResult } from '../formula/terms';
import { dotAt } from '../linalg/dense';
import { contrastMatrix } from './basis';
import type { VarValue } from './evaluate';

export interface ModelMatrix {
  /** n × p, column-major. */
  X: Float64Array;
  n: number;
  p: number;
  names: string[];
  /** Term index of each column (-1 for the intercept). */
  assign: number[];
}

/** A factor in a term with a single level under contrasts (R: "contrasts can be applied only to factors with 2 or more levels"). */
export class SingleLevelFactorError extends Error {
  constructor(readonly variable: number, readonly level: string) {
    super('single-level factor');
  }
}

function isSubset(a: number[], b: number[]): boolean {
  return a.every((v) => b.includes(v));
}

/** Coding of each factor variable of each term: 1 = contrasts, 2 = indicators (R's factor pattern). */
export function termCoding(model: TermsResult, values: VarValue[]): Map<number, number>[] {
  const codes = model.terms.map((t, ti) => {
    const m = new Map<number, number>();
    for (const v of t.vars) {
      if (values[v].kind !== 'factor') continue;
      const margin = t.vars.filter((u) => u !== v);
      if (margin.length === 0) {
        m.set(v, 1);
        continue;
      }
      let found = false;
      for (let j = 0; j < ti; j++) if (isSubset(margin, model.terms[j].vars)) found = true;
      m.set(v, found ? 1 : 2);
    }
    return m;
  });
  if (!model.intercept) {
    outer: for (let ti = 0; ti < model.terms.length; ti++) {
      const t = model.terms[ti];
      for (const v of [...t.vars].sort((a, b) => a - b)) {
        const val = values[v];
        if (val.kind === 'factor' && val.levels.length > 1) {
          codes[ti].set(v, 2);
          break outer;
        }
      }
    }
  }
  return codes;
}

/**
 * One factor of a column product: a numeric column, a factor's indicator of one level, or a contrast
 * column looked up by the factor's codes.
 */
type Piece =
  | { name: string; kind: 'values'; x: Float64Array }
  | { name: string; kind: 'indicator'; codes: Int32Array; level: number }
  | { name: string; kind: 'contrast'; codes: Int32Array; column: ArrayLike<number> };

function piecesOf(v: number, name: string, value: VarValue, coding: number | undefined): Piece[] {
  if (value.kind === 'numeric') return [{ name, kind: 'values', x: value.values }];
  if (value.kind === 'matrix') return value.columns.map((x, k) => ({ name: name + value.suffixes[k], kind: 'values', x }));
  const codes = value.codes;
  const first = coding === 2 ? 0 : 1;
  if (first === 1 && value.levels.length < 2) throw new SingleLevelFactorError(v, value.levels[0] ?? '');
  const out: Piece[] = [];
  if (first === 1 && value.contrasts && value.contrasts !== 'treatment') {
    const cm = contrastMatrix(value.contrasts, value.levels);
    cm.columns.forEach((c, k) => out.push({ name: name + cm.suffixes[k], kind: 'contrast', codes, column: c }));
    return out;
  }
  for (let l = first; l < value.levels.length; l++) out.push({ name: name + value.levels[l], kind: 'indicator', codes, level: l });
  return out;
}

/** out[i] *= the piece's value in row i, for rows start..end-1 (one small loop per kind). */
function multiplyPiece(out: Float64Array, p: Piece, start: number, end: number): void {
  if (p.kind === 'values') {
    const x = p.x;
    for (let i = start; i < end; i++) out[i] *= x[i];
  } else if (p.kind === 'indicator') {
    const codes = p.codes, l = p.level;
    for (let i = start; i < end; i++) out[i] *= codes[i] === l ? 1 : 0;
  } else {
    const codes = p.codes, c = p.column;
    for (let i = start; i < end; i++) out[i] *= c[codes[i]];
  }
}

/** The model matrix would be too large to build (a many-level factor used as a fixed effect or slope). */
export class TooManyColumnsError extends Error {
  constructor(
    readonly columns: number,
    /** Index of the term with the most columns. */
    readonly term: number,
    readonly termColumns: number,
  ) {
    super('too many columns');
  }
}

/** Number of columns of each term (before building anything). */
export function termColumnCounts(model: TermsResult, values: VarValue[]): number[] {
  const coding = termCoding(model, values);
  return model.terms.map((t, ti) => {
    let c = 1;
    for (const v of t.vars) {
      const val = values[v];
      if (val.kind === 'factor') c *= coding[ti].get(v) === 2 ? val.levels.length : Math.max(0, val.levels.length - 1);
      else if (val.kind === 'matrix') c *= val.columns.length;
    }
    return c;
  });
}

/**
 * Builds the model matrix; `values[v]` holds variable v on the n used rows. `maxCells` (default 5e7)
 * bounds n × p: beyond it TooManyColumnsError is thrown instead of allocating.
 */
export function buildModelMatrix(model: TermsResult, values: VarValue[], n: number, maxCells = 5e7): ModelMatrix {
  return runSteps(buildModelMatrixSteps(model, values, n, maxCells));
}

/** buildModelMatrix in steps (hooks.ts Steps): a yield every ROWS_PER_STEP rows of each column. */
export function* buildModelMatrixSteps(model: TermsResult, values: VarValue[], n: number, maxCells = 5e7): Steps<ModelMatrix> {
  const counts = termColumnCounts(model, values);
  const total = counts.reduce((a, b) => a + b, model.intercept ? 1 : 0);
  if (total * n > maxCells) {
    let worst = 0;
    counts.forEach((c, i) => {
      if (c > counts[worst]) worst = i;
    });
    throw new TooManyColumnsError(total, worst, counts[worst] ?? 0);
  }
  const coding = termCoding(model, values);
  const names: string[] = [];
  const assign: number[] = [];
  const cols: Float64Array[] = [];
  if (model.intercept) {
    names.push('(Intercept)');
    assign.push(-1);
    cols.push(new Float64Array(n).fill(1));
  }
  for (let ti = 0; ti < model.terms.length; ti++) {
    const t = model.terms[ti];
    // combinations with the first variable varying fastest
    let combos: { name: string; parts: Piece[] }[] = [{ name: '', parts: [] }];
    for (const v of t.vars) {
      const pcs = piecesOf(v, model.variables[v].name, values[v], coding[ti].get(v));
      const next: { name: string; parts: Piece[] }[] = [];
      for (const p of pcs) for (const c of combos) next.push({ name: c.name ? `${c.name}:${p.name}` : p.name, parts: [...c.parts, p] });
      combos = next;
    }
    for (const c of combos) {
      // the product of the parts, left to right from 1 (as R's model.matrix)
      const x = new Float64Array(n).fill(1);
      for (let start = 0; start < n; start += ROWS_PER_STEP) {
        const end = Math.min(n, start + ROWS_PER_STEP);
        for (const p of c.parts) multiplyPiece(x, p, start, end);
        yield;
      }
      names.push(c.name);
      assign.push(ti);
      cols.push(x);
    }
  }
  const p = cols.length;
  const X = new Float64Array(n * p);
  for (let j = 0; j < p; j++) {
    X.set(cols[j], j * n);
    if (n >= ROWS_PER_STEP) yield;
  }
  return { X, n, p, names, assign };
}

/**
 * Columns kept as lme4's chkRank.drop.cols (R's qr with tolerance 1e-7, limited pivoting): a column is
 * dropped when its part orthogonal to the kept columns before it is below 1e-7 of its norm.
 */
export function independentColumns(X: Float64Array, n: number, p: number, tol = 1e-7): number[] {
  return runSteps(independentColumnsSteps(X, n, p, tol));
}

/** independentColumns in steps: a yield after about ROWS_PER_STEP rows of work (hooks.ts Steps). */
export function* independentColumnsSteps(X: Float64Array, n: number, p: number, tol = 1e-7): Steps<number[]> {
  const basis: Float64Array[] = [];
  let work = 0;
  const keep: number[] = [];
  for (let j = 0; j < p; j++) {
    const v = X.slice(j * n, (j + 1) * n);
    const norm0 = Math.sqrt(dotAt(v, 0, v, 0, n));
    if (norm0 === 0) continue;
    if (n >= ROWS_PER_STEP) yield;
    for (let pass = 0; pass < 2; pass++) {
      for (const q of basis) {
        subtractMultiple(v, dotAt(q, 0, v, 0, n), q, n);
        work += n;
        if (work >= ROWS_PER_STEP) {
          work = 0;
          yield;
        }
      }
    }
    const norm = Math.sqrt(dotAt(v, 0, v, 0, n));
    if (norm < tol * norm0) continue;
    for (let i = 0; i < n; i++) v[i] /= norm;
    if (n >= ROWS_PER_STEP) yield;
    basis.push(v);
    keep.push(j);
  }
  return keep;
}

/** v −= d q over i < n. */
function subtractMultiple(v: Float64Array, d: number, q: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) v[i] -= d * q[i];
}
