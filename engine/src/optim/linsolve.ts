/**
 * Small dense linear systems for the optimizer (row-major Float64Array; sizes of a few dozen). Flat
 * typed arrays keep these loops monomorphic, so they are optimised early in a fresh process.
 */

/** LU factorization with partial pivoting of a square n×n row-major matrix: a holds L (unit, below) and U. */
export interface LU {
  a: Float64Array;
  piv: Int32Array;
  n: number;
}

/** LU of the n×n row-major matrix m (copied, or factored in place when `inPlace`). Returns null when singular. */
export function luFactor(m: Float64Array, n: number, inPlace = false): LU | null {
  const a = inPlace ? m : m.slice(0, n * n);
  const piv = new Int32Array(n);
  for (let i = 0; i < n; i++) piv[i] = i;
  for (let k = 0; k < n; k++) {
    let best = k;
    let bv = Math.abs(a[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]);
      if (v > bv) {
        bv = v;
        best = i;
      }
    }
    if (!(bv > 0) || !Number.isFinite(bv)) return null;
    if (best !== k) {
      swapRows(a, n, k, best);
      const t = piv[k];
      piv[k] = piv[best];
      piv[best] = t;
    }
    eliminate(a, n, k);
  }
  return { a, piv, n };
}

function swapRows(a: Float64Array, n: number, r: number, s: number): void {
  const ro = r * n, so = s * n;
  for (let j = 0; j < n; j++) {
    const t = a[ro + j];
    a[ro + j] = a[so + j];
    a[so + j] = t;
  }
}

/** One elimination step of column k below the pivot a[k][k]. */
function eliminate(a: Float64Array, n: number, k: number): void {
  const ko = k * n;
  const akk = a[ko + k];
  for (let i = k + 1; i < n; i++) {
    const io = i * n;
    const f = (a[io + k] /= akk);
    if (f === 0) continue;
    for (let j = k + 1; j < n; j++) a[io + j] -= f * a[ko + j];
  }
}

/** Solve A x = b from A's LU; the result goes to `out` (allocated when absent). */
export function luSolve(lu: LU, b: ArrayLike<number>, out?: Float64Array): Float64Array {
  const { a, piv, n } = lu;
  const x = out ?? new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = b[piv[i]];
  for (let i = 0; i < n; i++) {
    const io = i * n;
    let s = x[i];
    for (let j = 0; j < i; j++) s -= a[io + j] * x[j];
    x[i] = s;
  }
  for (let i = n - 1; i >= 0; i--) {
    const io = i * n;
    let s = x[i];
    for (let j = i + 1; j < n; j++) s -= a[io + j] * x[j];
    x[i] = s / a[io + i];
  }
  return x;
}
