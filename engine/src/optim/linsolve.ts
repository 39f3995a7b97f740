/** Small dense linear systems for the optimizer (row-major number[][]; sizes of a few dozen). */

/** LU factorization with partial pivoting of a square matrix (copied). Returns null when singular. */
export interface LU {
  a: number[][];
  piv: number[];
}

export function luFactor(m: number[][]): LU | null {
  const n = m.length;
  const a = m.map((r) => r.slice());
  const piv = Array.from({ length: n }, (_, i) => i);
  for (let k = 0; k < n; k++) {
    let best = k;
    let bv = Math.abs(a[k][k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i][k]);
      if (v > bv) {
        bv = v;
        best = i;
      }
    }
    if (!(bv > 0) || !Number.isFinite(bv)) return null;
    if (best !== k) {
      [a[k], a[best]] = [a[best], a[k]];
      [piv[k], piv[best]] = [piv[best], piv[k]];
    }
    const akk = a[k][k];
    for (let i = k + 1; i < n; i++) {
      const f = (a[i][k] /= akk);
      if (f === 0) continue;
      const ai = a[i], ak = a[k];
      for (let j = k + 1; j < n; j++) ai[j] -= f * ak[j];
    }
  }
  return { a, piv };
}

export function luSolve(lu: LU, b: number[]): number[] {
  const n = b.length;
  const { a, piv } = lu;
  const x = piv.map((p) => b[p]);
  for (let i = 0; i < n; i++) {
    let s = x[i];
    for (let j = 0; j < i; j++) s -= a[i][j] * x[j];
    x[i] = s;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let j = i + 1; j < n; j++) s -= a[i][j] * x[j];
    x[i] = s / a[i][i];
  }
  return x;
}
