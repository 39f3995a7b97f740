/** The pseudo-inverse of a symmetric matrix from its eigen-decomposition (linalg/eigen.ts). */
import { symmetricEigen, type SymEigen } from '../linalg/eigen';

export { symmetricEigen, type SymEigen };

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
