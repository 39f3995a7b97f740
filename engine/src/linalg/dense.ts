/**
 * Dense kernels on column-major Float64Array matrices (element (i, j) of an m-row matrix at i + j*m).
 * Lower-triangular Cholesky factors throughout.
 */

/** Block size of the blocked Cholesky (columns per panel). */
const NB = 64;

/**
 * In-place lower Cholesky of the leading `n`×`n` part of the symmetric matrix `a` (leading dimension
 * `lda`), reading and writing only the lower triangle. Returns -1 on success or the index of the first
 * non-positive pivot. When `clampLast` is set, a non-positive last pivot is set to 0 instead of failing
 * (used for the response row of an augmented system, whose pivot is sqrt(PWRSS)).
 */
export function cholLower(a: Float64Array, n: number, lda: number = n, clampLast = false): number {
  for (let j0 = 0; j0 < n; j0 += NB) {
    const j1 = Math.min(n, j0 + NB);
    // Factor the panel columns j0..j1-1 (left-looking within the panel; the trailing update from
    // earlier panels has already been applied).
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
    if (j1 < n) syrkPanel(a, n, lda, j0, j1);
  }
  return -1;
}

/**
 * Trailing update A[j1:, j1:] -= P P' (lower triangle) with P = A[j1:, j0:j1], processed four
 * target columns at a time so each panel column is read once per four target columns.
 */
function syrkPanel(a: Float64Array, n: number, lda: number, j0: number, j1: number): void {
  let c = j1;
  for (; c + 3 < n; c += 4) {
    const c0 = c * lda, c1 = c0 + lda, c2 = c1 + lda, c3 = c2 + lda;
    for (let k = j0; k < j1; k++) {
      const ck = k * lda;
      const f0 = a[c + ck], f1 = a[c + 1 + ck], f2 = a[c + 2 + ck], f3 = a[c + 3 + ck];
      // rows c..c+3 of the 4 columns (triangle), then the rectangle below
      a[c + c0] -= f0 * f0;
      a[c + 1 + c0] -= f1 * f0;
      a[c + 2 + c0] -= f2 * f0;
      a[c + 3 + c0] -= f3 * f0;
      a[c + 1 + c1] -= f1 * f1;
      a[c + 2 + c1] -= f2 * f1;
      a[c + 3 + c1] -= f3 * f1;
      a[c + 2 + c2] -= f2 * f2;
      a[c + 3 + c2] -= f3 * f2;
      a[c + 3 + c3] -= f3 * f3;
      if (f0 === 0 && f1 === 0 && f2 === 0 && f3 === 0) continue;
      for (let i = c + 4; i < n; i++) {
        const v = a[i + ck];
        a[i + c0] -= f0 * v;
        a[i + c1] -= f1 * v;
        a[i + c2] -= f2 * v;
        a[i + c3] -= f3 * v;
      }
    }
  }
  for (; c < n; c++) {
    const cc = c * lda;
    for (let k = j0; k < j1; k++) {
      const ck = k * lda;
      const f = a[c + ck];
      if (f === 0) continue;
      for (let i = c; i < n; i++) a[i + cc] -= f * a[i + ck];
    }
  }
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

/** Inverse of the lower-triangular leading n×n part of `l` (leading dimension lda) as a new n×n lower matrix. */
export function invLower(l: Float64Array, n: number, lda: number = n, offset = 0): Float64Array {
  const inv = new Float64Array(n * n);
  const col = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    col.fill(0);
    col[j] = 1;
    // forward solve starting at j
    for (let c = j; c < n; c++) {
      const cc = offset + c * lda;
      const x = (col[c] /= l[offset + c + c * lda]);
      if (x === 0) continue;
      for (let i = c + 1; i < n; i++) col[i] -= l[cc + i] * x;
    }
    inv.set(col.subarray(j), j + j * n);
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

/**
 * Left-looking lower Cholesky that skips zero multipliers (L[j,k] = 0): efficient for a matrix
 * stored densely but ordered to keep its factor sparse (few nonzeros in the leading columns).
 * Same contract as cholLower.
 */
export function cholLowerSparseSkip(a: Float64Array, n: number, lda: number = n, clampLast = false): number {
  const ks = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const cj = j * lda;
    let nk = 0;
    for (let k = 0; k < j; k++) if (a[j + k * lda] !== 0) ks[nk++] = k;
    for (let x = 0; x < nk; x++) {
      const ck = ks[x] * lda;
      const f = a[j + ck];
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
