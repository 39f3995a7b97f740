/** Eigen-decomposition of a small symmetric matrix (cyclic Jacobi rotations) and the pseudo-inverse built from it. */

export interface SymEigen {
  values: number[];
  /** vectors[i][k]: component i of eigenvector k. */
  vectors: number[][];
}

export function symmetricEigen(A: number[][]): SymEigen {
  const n = A.length;
  const a = A.map((r) => r.slice());
  const v: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += a[i][j] * a[i][j];
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (a[p][q] === 0) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p];
          const vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: a.map((r, i) => r[i]), vectors: v };
}

/** Pseudo-inverse over eigenvalues above tol (as lmerTest inverts the deviance Hessian). */
export function pseudoInverse(A: number[][], tol = 1e-8): { inverse: number[][]; values: number[] } {
  const { values, vectors } = symmetricEigen(A);
  const n = A.length;
  const inv: number[][] = Array.from({ length: n }, () => new Array(n).fill(0));
  values.forEach((lam, k) => {
    if (!(lam > tol)) return;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) inv[i][j] += (vectors[i][k] * vectors[j][k]) / lam;
  });
  return { inverse: inv, values };
}
