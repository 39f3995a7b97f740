/** Eigen-decomposition of a small symmetric matrix (row-major number[][]) by cyclic Jacobi rotations. */

export interface SymEigen {
  /** Eigenvalues in the order of the rotations' diagonal (not sorted). */
  values: number[];
  /** vectors[i][k]: component i of eigenvector k (identity when not requested). */
  vectors: number[][];
}

/** Eigenvalues and, when `withVectors`, eigenvectors of a symmetric matrix. */
export function symmetricEigen(m: readonly ArrayLike<number>[], withVectors = true): SymEigen {
  const n = m.length;
  const a = m.map((r) => Array.from(r));
  const v: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += a[i][j] * a[i][j];
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        if (a[p][q] === 0) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p], akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k], aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        if (!withVectors) continue;
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p], vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
  }
  return { values: a.map((r, i) => r[i]), vectors: v };
}

/** Eigenvalues of a small symmetric matrix, ascending. */
export function symmetricEigenvalues(m: readonly ArrayLike<number>[]): number[] {
  return symmetricEigen(m, false).values.sort((x, y) => x - y);
}
