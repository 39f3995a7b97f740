/**
 * Small dense matrices held as arrays of rows (Hessians of a few parameters, p×p covariance blocks):
 * upper Cholesky, triangular and Cholesky solves, inverse. The large systems use dense.ts.
 */

/** Upper Cholesky factor R (RᵀR = H, R's `chol(H)`) of a symmetric matrix; null when not positive definite or not finite. */
export function cholUpper(H: readonly ArrayLike<number>[]): Float64Array[] | null {
  const n = H.length;
  const R = H.map((r) => Float64Array.from(r));
  if (R.some((r) => r.some((v) => !Number.isFinite(v)))) return null;
  for (let j = 0; j < n; j++) {
    let d = R[j][j];
    for (let k = 0; k < j; k++) d -= R[k][j] * R[k][j];
    if (!(d > 0)) return null;
    d = Math.sqrt(d);
    R[j][j] = d;
    for (let c = j + 1; c < n; c++) {
      let v = R[j][c];
      for (let k = 0; k < j; k++) v -= R[k][j] * R[k][c];
      R[j][c] = v / d;
    }
    for (let c = 0; c < j; c++) R[j][c] = 0;
  }
  return R;
}

/** Solve R x = b for an upper-triangular R (R's `solve(chol(H), b)`: back substitution). */
export function solveUpper(R: readonly ArrayLike<number>[], b: ArrayLike<number>): Float64Array {
  const n = R.length;
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let j = i + 1; j < n; j++) s -= R[i][j] * x[j];
    x[i] = s / R[i][i];
  }
  return x;
}

/** Solve RᵀR x = b given the upper Cholesky factor R. */
export function cholSolve(R: readonly ArrayLike<number>[], b: ArrayLike<number>): Float64Array {
  const n = R.length;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v = b[i];
    for (let k = 0; k < i; k++) v -= R[k][i] * y[k];
    y[i] = v / R[i][i];
  }
  return solveUpper(R, y);
}

/** Inverse of a square matrix by Gauss-Jordan with partial pivoting; null when singular. */
export function invert(A: readonly ArrayLike<number>[]): Float64Array[] | null {
  const n = A.length;
  const M = A.map((r) => Float64Array.from(r));
  const I = Array.from({ length: n }, (_, i) => {
    const r = new Float64Array(n);
    r[i] = 1;
    return r;
  });
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[piv][c])) piv = r;
    if (!(Math.abs(M[piv][c]) > 1e-300)) return null;
    [M[c], M[piv]] = [M[piv], M[c]];
    [I[c], I[piv]] = [I[piv], I[c]];
    const d = M[c][c];
    for (let k = 0; k < n; k++) {
      M[c][k] /= d;
      I[c][k] /= d;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r][c];
      if (f === 0) continue;
      for (let k = 0; k < n; k++) {
        M[r][k] -= f * M[c][k];
        I[r][k] -= f * I[c][k];
      }
    }
  }
  return I;
}
