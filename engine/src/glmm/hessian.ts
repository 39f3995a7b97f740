/**
 * Central finite-difference gradient and Hessian with lme4's deriv12 scheme (step 1e-4, the
 * four-point formula for the cross terms). glmer's vcov() uses the inverse of this Hessian of the
 * deviance over (θ, β), and its convergence checks use the gradient.
 */

export async function deriv12(
  fn: (x: Float64Array) => number | Promise<number>,
  x: ArrayLike<number>,
  fx: number,
  delta = 1e-4,
): Promise<{ gradient: Float64Array; hessian: Float64Array[] }> {
  const d = x.length;
  const at = (mods: [number, number][]) => {
    const z = Float64Array.from(x);
    for (const [i, s] of mods) z[i] += s;
    return fn(z);
  };
  const g = new Float64Array(d);
  const H: Float64Array[] = Array.from({ length: d }, () => new Float64Array(d));
  for (let j = 0; j < d; j++) {
    const fadd = await at([[j, delta]]);
    const fsub = await at([[j, -delta]]);
    H[j][j] = (fadd - 2 * fx + fsub) / (delta * delta);
    g[j] = (fadd - fsub) / (2 * delta);
    for (let i = 0; i < j; i++) {
      const faa = await at([[i, delta], [j, delta]]);
      const fas = await at([[i, delta], [j, -delta]]);
      const fsa = await at([[i, -delta], [j, delta]]);
      const fss = await at([[i, -delta], [j, -delta]]);
      const h = (faa - fas - fsa + fss) / (4 * delta * delta);
      H[i][j] = h;
      H[j][i] = h;
    }
  }
  return { gradient: g, hessian: H };
}

/** Inverse of a symmetric matrix by Gauss-Jordan with partial pivoting; null when singular. */
export function invert(A: Float64Array[]): Float64Array[] | null {
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

/** Eigenvalues of a small symmetric matrix (cyclic Jacobi). */
export function symEigenvalues(A: Float64Array[]): number[] {
  const n = A.length;
  const M = A.map((r) => Float64Array.from(r));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += M[i][j] * M[i][j];
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(M[p][q]) < 1e-300) continue;
        const theta = (M[q][q] - M[p][p]) / (2 * M[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = M[k][p];
          const mkq = M[k][q];
          M[k][p] = c * mkp - s * mkq;
          M[k][q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = M[p][k];
          const mqk = M[q][k];
          M[p][k] = c * mpk - s * mqk;
          M[q][k] = s * mpk + c * mqk;
        }
      }
    }
  }
  return M.map((r, i) => r[i]);
}
