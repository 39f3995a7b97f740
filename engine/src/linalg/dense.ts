/**
 * Dense kernels on column-major Float64Array matrices (element (i, j) of an m-row matrix at i + j*m).
 * Lower-triangular Cholesky factors throughout.
 */

import { wasmKernels, wasmSyrk, type WasmSyrk } from './wasmsyrk';

/** Block size of the blocked Cholesky (columns per panel). */
const NB = 64;
/** Panel width of the WebAssembly path (small panels keep the JS panel work low). */
const NBW = 16;

/** From this order on, the trailing updates run in the WebAssembly SIMD kernel when available. */
const WASM_MIN_N = 96;

/** Panel (left-looking) factorization of columns j0..j1-1 of the n×n lower matrix; -1 or failing column. */
function factorPanel(a: Float64Array, n: number, lda: number, j0: number, j1: number, clampLast: boolean): number {
  for (let j = j0; j < j1; j++) {
    const cj = j * lda;
    for (let k = j0; k < j; k++) {
      const ck = k * lda;
      const f = a[j + ck];
      if (f === 0) continue;
      for (let i = j; i < n; i++) a[i + cj] -= f * a[i + ck];
    }
    let d = a[j + cj];
    if (!(d > 0)) {
      if (clampLast && j === n - 1) {
        a[j + cj] = 0;
        return -1;
      }
      return j;
    }
    d = Math.sqrt(d);
    a[j + cj] = d;
    const inv = 1 / d;
    for (let i = j + 1; i < n; i++) a[i + cj] *= inv;
  }
  return -1;
}

/** The lower triangle of a (n×n, leading dimension lda) into B (leading dimension mp ≥ n), zero below row n and in the padding columns. */
function copyLowerIn(B: Float64Array, mp: number, a: Float64Array, n: number, lda: number): void {
  for (let c = 0; c < mp; c++) {
    const o = c * mp;
    if (c < n) {
      B.set(a.subarray(c * lda + c, c * lda + n), o + c);
      B.fill(0, o + n, o + mp);
    } else B.fill(0, o, o + mp);
  }
}

/** The lower triangle of B (leading dimension mp) back into a (leading dimension lda). */
function copyLowerOut(a: Float64Array, lda: number, B: Float64Array, n: number, mp: number): void {
  for (let c = 0; c < n; c++) a.set(B.subarray(c * mp + c, c * mp + n), c * lda + c);
}

/**
 * cholLower with the matrix copied into WebAssembly memory (padded to a multiple of 4), panels
 * factored in JS and trailing updates by the SIMD kernel, then copied back (lower triangle).
 */
function cholLowerWasm(a: Float64Array, n: number, lda: number, clampLast: boolean, w: WasmSyrk): number {
  const mp = (n + 3) & ~3;
  const bBytes = mp * mp * 8;
  const buf = w.ensure(bBytes + mp * NBW * 8);
  if (!buf) return cholLowerJs(a, n, lda, clampLast);
  const B = new Float64Array(buf, 0, mp * mp);
  const P = new Float64Array(buf, bBytes, mp * NBW);
  copyLowerIn(B, mp, a, n, lda);
  let result = -1;
  for (let j0 = 0; j0 < n; j0 += NBW) {
    const j1 = Math.min(n, j0 + NBW);
    const fail = factorPanel(B, n, mp, j0, j1, clampLast);
    if (fail >= 0) {
      result = fail;
      break;
    }
    if (j1 >= n) break;
    const mt = mp - j1;
    const nb = j1 - j0;
    const rows = n - j1;
    for (let k = 0; k < nb; k++) {
      const src = (j0 + k) * mp + j1;
      const dst = k * mt;
      P.set(B.subarray(src, src + rows), dst);
      if (mt > rows) P.fill(0, dst + rows, dst + mt);
    }
    w.syrk(bBytes, (j1 + j1 * mp) * 8, mt, nb, mp);
  }
  copyLowerOut(a, lda, B, n, mp);
  return result;
}

/**
 * In-place lower Cholesky of the leading `n`×`n` part of the symmetric matrix `a` (leading dimension
 * `lda`), reading and writing only the lower triangle. Returns -1 on success or the index of the first
 * non-positive pivot. When `clampLast` is set, a non-positive last pivot is set to 0 instead of failing
 * (used for the response row of an augmented system, whose pivot is sqrt(PWRSS)).
 */
export function cholLower(a: Float64Array, n: number, lda: number = n, clampLast = false): number {
  if (n >= WASM_MIN_N) {
    const w = wasmSyrk();
    if (w) return cholLowerWasm(a, n, lda, clampLast, w);
  }
  return cholLowerJs(a, n, lda, clampLast);
}

/** Dense blocked Cholesky in plain JS (see cholLower). */
export function cholLowerJs(a: Float64Array, n: number, lda: number = n, clampLast = false): number {
  for (let j0 = 0; j0 < n; j0 += NB) {
    const j1 = Math.min(n, j0 + NB);
    // Factor the panel columns j0..j1-1 (left-looking within the panel; the trailing update from
    // earlier panels has already been applied).
    const fail = factorPanel(a, n, lda, j0, j1, clampLast);
    if (fail >= 0) return fail;
    if (j1 < n) syrkPanel(a, n, lda, j0, j1);
  }
  return -1;
}

/**
 * Trailing update A[j1:, j1:] -= P P' (lower triangle) with P = A[j1:, j0:j1]. P is first packed
 * row-major (each row's panel entries contiguous), then a 2×4 register-blocked kernel forms the dot
 * products, so the inner loop reads six contiguous streams and does eight multiply-adds.
 */
let packBuf = new Float64Array(0);
function syrkPanel(a: Float64Array, n: number, lda: number, j0: number, j1: number): void {
  const nb = j1 - j0;
  const m = n - j1;
  if (packBuf.length < m * nb) packBuf = new Float64Array(m * nb);
  const P = packBuf;
  for (let k = 0; k < nb; k++) {
    const ck = (j0 + k) * lda + j1;
    for (let r = 0; r < m; r++) P[r * nb + k] = a[ck + r];
  }
  let c = 0;
  for (; c + 3 < m; c += 4) {
    const q0 = c * nb, q1 = q0 + nb, q2 = q1 + nb, q3 = q2 + nb;
    const a0 = j1 + (j1 + c) * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
    let r = c;
    for (; r + 1 < m; r += 2) {
      const p0 = r * nb, p1 = p0 + nb;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let k = 0; k < nb; k++) {
        const x0 = P[p0 + k], x1 = P[p1 + k];
        const y0 = P[q0 + k], y1 = P[q1 + k], y2 = P[q2 + k], y3 = P[q3 + k];
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
      }
      if (r >= c + 4) {
        a[a0 + r] -= s00; a[a1 + r] -= s01; a[a2 + r] -= s02; a[a3 + r] -= s03;
        a[a0 + r + 1] -= s10; a[a1 + r + 1] -= s11; a[a2 + r + 1] -= s12; a[a3 + r + 1] -= s13;
      } else {
        // the diagonal 4×4 block: only rows ≥ column
        const rr = r - c;
        if (rr >= 0) a[a0 + r] -= s00;
        if (rr >= 1) a[a1 + r] -= s01;
        if (rr >= 2) a[a2 + r] -= s02;
        if (rr >= 3) a[a3 + r] -= s03;
        if (rr + 1 >= 0) a[a0 + r + 1] -= s10;
        if (rr + 1 >= 1) a[a1 + r + 1] -= s11;
        if (rr + 1 >= 2) a[a2 + r + 1] -= s12;
        if (rr + 1 >= 3) a[a3 + r + 1] -= s13;
      }
    }
    for (; r < m; r++) {
      const p0 = r * nb;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < nb; k++) {
        const x0 = P[p0 + k];
        s0 += x0 * P[q0 + k]; s1 += x0 * P[q1 + k]; s2 += x0 * P[q2 + k]; s3 += x0 * P[q3 + k];
      }
      const rr = r - c;
      if (rr >= 0) a[a0 + r] -= s0;
      if (rr >= 1) a[a1 + r] -= s1;
      if (rr >= 2) a[a2 + r] -= s2;
      if (rr >= 3) a[a3 + r] -= s3;
    }
  }
  for (; c < m; c++) {
    const q = c * nb;
    const ac = j1 + (j1 + c) * lda;
    for (let r = c; r < m; r++) {
      const p = r * nb;
      let s0 = 0;
      for (let k = 0; k < nb; k++) s0 += P[p + k] * P[q + k];
      a[ac + r] -= s0;
    }
  }
}

/**
 * Lower Cholesky of a matrix whose leading `c0` columns have sparse factor columns (a fill-reducing
 * order puts the dense part last): right-looking sparse elimination of those columns (updates only
 * between nonzeros), then the blocked dense Cholesky of the trailing block. Same contract as cholLower.
 */
export function cholLowerHybrid(a: Float64Array, n: number, lda: number, c0: number, clampLast = false, schur?: SchurUpdate): number {
  // the copy into WebAssembly memory pays off for a large dense part only
  if (n - c0 >= WASM_MIN_N) {
    const w = wasmSyrk();
    if (w) return cholLowerHybridWasm(a, n, lda, c0, clampLast, w, schur);
  }
  if (schur) applySchurJs(a, lda, schur);
  return cholLowerHybridJs(a, n, lda, c0, clampLast);
}

/**
 * A sparse symmetric update to apply before factoring: for every column c, each entry eb of
 * ceEntry[cePtr[c]..cePtr[c+1]) (whose row is c) times the entries eb..ceEnd-1 of the same group:
 * A[rowIdx[ea], c] -= V[ea]·V[eb]. (The Schur complement of a block-diagonal first block.)
 */
export interface SchurUpdate {
  cePtr: Int32Array;
  ceEntry: Int32Array;
  ceEnd: Int32Array;
  rowIdx: Int32Array;
  V: Float64Array;
  m: number;
}

export function applySchurJs(a: Float64Array, lda: number, u: SchurUpdate): void {
  const { cePtr, ceEntry, ceEnd, rowIdx, V, m } = u;
  for (let c = 0; c < m; c++) {
    const cc = c * lda;
    for (let x = cePtr[c]; x < cePtr[c + 1]; x++) {
      const eb = ceEntry[x];
      const vb = V[eb];
      if (vb === 0) continue;
      const e1 = ceEnd[x];
      for (let ea = eb; ea < e1; ea++) a[rowIdx[ea] + cc] -= V[ea] * vb;
    }
  }
}

/** Byte offsets of a hybrid factorization in WebAssembly memory: the matrix (leading dimension mp) at 0, then scratch and the Schur update's arrays. */
interface HybridLayout {
  mp: number;
  rowsOff: number;
  valsOff: number;
  pOff: number;
  cePtrOff: number;
  ceEntryOff: number;
  ceEndOff: number;
  rowIdxOff: number;
  vOff: number;
  end: number;
}

function hybridLayout(n: number, schur?: { m: number; nnz: number }): HybridLayout {
  const mp = (n + 3) & ~3;
  const al = (x: number): number => (x + 15) & ~15;
  const bBytes = al(mp * mp * 8);
  const rowsOff = bBytes;
  const valsOff = al(rowsOff + n * 4);
  const pOff = al(valsOff + n * 8);
  let end = al(pOff + mp * NBW * 8);
  let cePtrOff = 0, ceEntryOff = 0, ceEndOff = 0, rowIdxOff = 0, vOff = 0;
  if (schur) {
    cePtrOff = end;
    ceEntryOff = al(cePtrOff + (schur.m + 1) * 4);
    ceEndOff = al(ceEntryOff + schur.nnz * 4);
    rowIdxOff = al(ceEndOff + schur.nnz * 4);
    vOff = al(rowIdxOff + schur.nnz * 4);
    end = al(vOff + schur.nnz * 8);
  }
  return { mp, rowsOff, valsOff, pOff, cePtrOff, ceEntryOff, ceEndOff, rowIdxOff, vOff, end };
}

/** The Schur update's index arrays (and values) into their places in memory. */
function placeSchur(buf: ArrayBuffer, L: HybridLayout, schur: SchurUpdate, withValues: boolean): void {
  new Int32Array(buf, L.cePtrOff, schur.m + 1).set(schur.cePtr);
  new Int32Array(buf, L.ceEntryOff, schur.ceEntry.length).set(schur.ceEntry);
  new Int32Array(buf, L.ceEndOff, schur.ceEnd.length).set(schur.ceEnd);
  new Int32Array(buf, L.rowIdxOff, schur.rowIdx.length).set(schur.rowIdx);
  if (withValues) new Float64Array(buf, L.vOff, schur.rowIdx.length).set(schur.V.subarray(0, schur.rowIdx.length));
}

/**
 * The hybrid factorization of the matrix already in memory (lower triangle, leading dimension mp,
 * at byte 0), with the Schur update (schurM rows, arrays in place) first when schurM ≥ 0. -1 or the failing column.
 */
function hybridInPlace(w: WasmSyrk, buf: ArrayBuffer, n: number, c0: number, clampLast: boolean, L: HybridLayout, schurM: number): number {
  const mp = L.mp;
  const c0w = c0 & ~3;
  const B = new Float64Array(buf, 0, mp * mp);
  if (schurM >= 0) w.schur(0, schurM, mp, L.cePtrOff, L.ceEntryOff, L.ceEndOff, L.rowIdxOff, L.vOff);
  let result = c0w > 0 ? w.sparse(0, n, mp, c0w, L.rowsOff, L.valsOff) : -1;
  if (result < 0 && c0w < n) {
    // dense trailing block, in place (its padded size mp - c0w is a multiple of 4)
    const nt = n - c0w;
    const T = B.subarray(c0w + c0w * mp);
    const P = new Float64Array(buf, L.pOff, mp * NBW);
    for (let j0 = 0; j0 < nt; j0 += NBW) {
      const j1 = Math.min(nt, j0 + NBW);
      const fail = factorPanel(T, nt, mp, j0, j1, clampLast);
      if (fail >= 0) {
        result = fail + c0w;
        break;
      }
      if (j1 >= nt) break;
      const mt = mp - c0w - j1;
      const nb = j1 - j0;
      const rows = nt - j1;
      for (let k = 0; k < nb; k++) {
        const src = (j0 + k) * mp + j1;
        const dst = k * mt;
        P.set(T.subarray(src, src + rows), dst);
        if (mt > rows) P.fill(0, dst + rows, dst + mt);
      }
      w.syrk(L.pOff, (c0w + j1 + (c0w + j1) * mp) * 8, mt, nb, mp);
    }
  }
  return result;
}

/** The whole hybrid factorization (and the optional Schur update) in WebAssembly memory. */
function cholLowerHybridWasm(a: Float64Array, n: number, lda: number, c0: number, clampLast: boolean, w: WasmSyrk, schur?: SchurUpdate): number {
  const L = hybridLayout(n, schur ? { m: schur.m, nnz: schur.rowIdx.length } : undefined);
  const mp = L.mp;
  const buf = w.ensure(L.end);
  if (!buf) {
    if (schur) applySchurJs(a, lda, schur);
    return cholLowerHybridJs(a, n, lda, c0, clampLast);
  }
  const B = new Float64Array(buf, 0, mp * mp);
  copyLowerIn(B, mp, a, n, lda);
  if (schur) placeSchur(buf, L, schur, true);
  const result = hybridInPlace(w, buf, n, c0, clampLast, L, schur ? schur.m : -1);
  copyLowerOut(a, lda, B, n, mp);
  return result;
}

/**
 * A hybrid factorization (see cholLowerHybrid) that stays in WebAssembly memory of its own between
 * calls: the caller writes the lower triangle of the matrix into `B` (leading dimension `mp`) and
 * the Schur update's values into `V`, then factor() leaves the factor in `B`. The Schur update's
 * pattern is copied in once. Null where WebAssembly SIMD is unavailable, the dense part is small,
 * or the memory cannot grow.
 */
export class ResidentHybridCholesky {
  readonly n: number;
  readonly mp: number;
  /** the matrix, then its factor (lower triangle; mp×mp column-major) */
  readonly B: Float64Array;
  /** the Schur update's values (one per entry of its pattern) */
  readonly V: Float64Array;
  private constructor(
    private readonly w: WasmSyrk,
    private readonly buf: ArrayBuffer,
    private readonly layout: HybridLayout,
    n: number,
    private readonly c0: number,
    private readonly schurM: number,
    nnz: number,
  ) {
    this.n = n;
    this.mp = layout.mp;
    this.B = new Float64Array(buf, 0, layout.mp * layout.mp);
    this.V = new Float64Array(buf, layout.vOff, nnz);
  }

  static create(n: number, c0: number, schur: Omit<SchurUpdate, 'V'>): ResidentHybridCholesky | null {
    if (n - c0 < WASM_MIN_N) return null;
    const w = wasmKernels();
    if (!w) return null;
    const nnz = schur.rowIdx.length;
    const layout = hybridLayout(n, { m: schur.m, nnz });
    const buf = w.ensure(layout.end);
    if (!buf) return null;
    placeSchur(buf, layout, { ...schur, V: new Float64Array(0) }, false);
    return new ResidentHybridCholesky(w, buf, layout, n, c0, schur.m, nnz);
  }

  /** The lower triangle of B into a (leading dimension lda). */
  copyFactorTo(a: Float64Array, lda: number): void {
    copyLowerOut(a, lda, this.B, this.n, this.mp);
  }

  /** Factor B in place after the Schur update with V; -1 or the failing column (see cholLower's clampLast). */
  factor(clampLast: boolean): number {
    return hybridInPlace(this.w, this.buf, this.n, this.c0, clampLast, this.layout, this.schurM);
  }
}

export function cholLowerHybridJs(a: Float64Array, n: number, lda: number, c0: number, clampLast = false): number {
  const rows = new Int32Array(n);
  const vals = new Float64Array(n);
  for (let j = 0; j < c0; j++) {
    const cj = j * lda;
    let d = a[j + cj];
    if (!(d > 0)) return j;
    d = Math.sqrt(d);
    a[j + cj] = d;
    const inv = 1 / d;
    let nr = 0;
    for (let i = j + 1; i < n; i++) {
      const v = a[i + cj];
      if (v !== 0) {
        const w = v * inv;
        a[i + cj] = w;
        rows[nr] = i;
        vals[nr++] = w;
      }
    }
    for (let x = 0; x < nr; x++) {
      const c = rows[x] * lda;
      const f = vals[x];
      for (let y = x; y < nr; y++) a[rows[y] + c] -= vals[y] * f;
    }
  }
  if (c0 >= n) return -1;
  const fail = cholLower(a.subarray(c0 + c0 * lda), n - c0, lda, clampLast);
  return fail < 0 ? -1 : fail + c0;
}

/** Σ a[ao + i] b[bo + i] over i < n, summed in order (a small loop V8 optimises early). */
export function dotAt(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[ao + i] * b[bo + i];
  return s;
}

/** out[i] = w[i] x[xo + i] for i < n. */
export function scaleInto(out: Float64Array, w: Float64Array, x: Float64Array, xo: number, n: number): void {
  for (let i = 0; i < n; i++) out[i] = w[i] * x[xo + i];
}

/** Solve L x = b in place (L lower n×n, leading dimension lda). */
export function forwardSolve(l: Float64Array, n: number, b: Float64Array, lda: number = n): void {
  for (let j = 0; j < n; j++) {
    const cj = j * lda;
    const xj = (b[j] /= l[j + cj]);
    if (xj === 0) continue;
    for (let i = j + 1; i < n; i++) b[i] -= l[i + cj] * xj;
  }
}

/** Solve L' x = b in place (L lower n×n, leading dimension lda). */
export function backSolveT(l: Float64Array, n: number, b: Float64Array, lda: number = n): void {
  for (let j = n - 1; j >= 0; j--) {
    const cj = j * lda;
    let s = b[j];
    for (let i = j + 1; i < n; i++) s -= l[i + cj] * b[i];
    b[j] = s / l[j + cj];
  }
}

/**
 * Inverse of the lower-triangular leading n×n part of `l` (leading dimension lda, starting at
 * `offset`) as a new n×n lower matrix. Four columns of the inverse at a time, each entry a dot product
 * of a row of L (from a row-major copy, contiguous) with the columns found so far: no stores in the
 * inner loop, and the same operations in the same order as column-oriented forward substitution.
 */
export function invLower(l: Float64Array, n: number, lda: number = n, offset = 0): Float64Array {
  if (n >= WASM_MIN_N) {
    const w = wasmSyrk();
    const out = w ? invLowerWasm(l, n, lda, offset, w) : null;
    if (out) return out;
  }
  return invLowerJs(l, n, lda, offset);
}

/** Column-block width of the WebAssembly triangular inverse. */
const NBI = 32;

/**
 * invLower in WebAssembly memory: block columns of the inverse W of L (padded with an identity to a
 * multiple of 4), each started at the identity and carried down block row by block row: a small
 * triangular solve with the diagonal block of L, then the rows below updated by the SIMD product
 * kernel (W_IJ −= L_IK W_KJ). Null when the memory cannot grow.
 */
function invLowerWasm(l: Float64Array, n: number, lda: number, offset: number, w: WasmSyrk): Float64Array | null {
  const np = (n + 3) & ~3;
  const size = np * np;
  const lOff = 0, wOff = size * 8, qOff = 2 * size * 8;
  const buf = w.ensure(qOff + NBI * NBI * 8);
  if (!buf) return null;
  const f = new Float64Array(buf, 0, 2 * size + NBI * NBI);
  const W0 = size, Q0 = 2 * size;
  for (let c = 0; c < np; c++) {
    const o = c * np;
    f.fill(0, o, o + np);
    if (c < n) f.set(l.subarray(offset + c * lda + c, offset + c * lda + n), o + c);
    else f[o + c] = 1;
  }
  f.fill(0, W0, W0 + size);
  for (let j0 = 0; j0 < np; j0 += NBI) {
    const j1 = Math.min(np, j0 + NBI);
    const wj = j1 - j0;
    for (let c = j0; c < j1; c++) f[W0 + c + c * np] = 1;
    for (let k0 = j0; k0 < np; k0 += NBI) {
      const k1 = Math.min(np, k0 + NBI);
      const wk = k1 - k0;
      // W_KJ = L_KK⁻¹ B_K (forward substitution, column by column of J)
      for (let c = j0; c < j1; c++) {
        const oc = W0 + c * np;
        for (let i = Math.max(k0, c); i < k1; i++) {
          let s = f[oc + i];
          for (let t = Math.max(k0, c); t < i; t++) s -= f[i + t * np] * f[oc + t];
          f[oc + i] = s / f[i + i * np];
        }
      }
      if (k1 >= np) break;
      // the rows below: B −= L[k1:, K] W_KJ, with Q = W_KJ'
      for (let k = 0; k < wk; k++) for (let c = 0; c < wj; c++) f[Q0 + c + k * wj] = f[W0 + k0 + k + (j0 + c) * np];
      w.gemm((lOff + k1 + k0 * np) * 8, qOff, wOff + (k1 + j0 * np) * 8, np - k1, wj, wk, np, wj, np);
    }
  }
  const out = new Float64Array(n * n);
  for (let c = 0; c < n; c++) out.set(f.subarray(W0 + c * np + c, W0 + c * np + n), c * n + c);
  return out;
}

/** invLower in plain JS. */
export function invLowerJs(l: Float64Array, n: number, lda: number = n, offset = 0): Float64Array {
  const R = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    const cc = offset + c * lda;
    for (let i = c; i < n; i++) R[i * n + c] = l[cc + i];
  }
  const inv = new Float64Array(n * n);
  for (let j = 0; j < n; j += 4) {
    const w = Math.min(4, n - j);
    // columns past the last one read column j (their sums are not stored)
    const o0 = j * n, o1 = w > 1 ? o0 + n : o0, o2 = w > 2 ? o0 + 2 * n : o0, o3 = w > 3 ? o0 + 3 * n : o0;
    for (let i = j; i < n; i++) {
      let s0 = i === j ? 1 : 0, s1 = i === j + 1 ? 1 : 0, s2 = i === j + 2 ? 1 : 0, s3 = i === j + 3 ? 1 : 0;
      const ri = i * n;
      for (let k = j; k < i; k++) {
        const v = R[ri + k];
        s0 -= v * inv[o0 + k];
        s1 -= v * inv[o1 + k];
        s2 -= v * inv[o2 + k];
        s3 -= v * inv[o3 + k];
      }
      const d = R[ri + i];
      inv[o0 + i] = s0 / d;
      if (w > 1 && i > j) inv[o1 + i] = s1 / d;
      if (w > 2 && i > j + 1) inv[o2 + i] = s2 / d;
      if (w > 3 && i > j + 2) inv[o3 + i] = s3 / d;
    }
  }
  return inv;
}

/** (L L')⁻¹ = L⁻ᵀ L⁻¹ for a lower-triangular n×n L given by its inverse `li` (n×n lower). Full symmetric result. */
export function crossprodLowerInverse(li: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0;
      const ca = a * n, cb = b * n;
      for (let i = a; i < n; i++) s += li[i + ca] * li[i + cb];
      out[a + b * n] = s;
      out[b + a * n] = s;
    }
  }
  return out;
}

/** Small dense Cholesky of a k×k symmetric matrix stored in `a` at `off` (column-major), in place. Returns false if not positive definite. */
export function cholSmall(a: Float64Array, off: number, k: number): boolean {
  for (let j = 0; j < k; j++) {
    let d = a[off + j + j * k];
    for (let c = 0; c < j; c++) d -= a[off + j + c * k] ** 2;
    if (!(d > 0)) return false;
    d = Math.sqrt(d);
    a[off + j + j * k] = d;
    for (let i = j + 1; i < k; i++) {
      let s = a[off + i + j * k];
      for (let c = 0; c < j; c++) s -= a[off + i + c * k] * a[off + j + c * k];
      a[off + i + j * k] = s / d;
    }
    for (let i = 0; i < j; i++) a[off + i + j * k] = 0;
  }
  return true;
}
