/**
 * Numerical derivatives with Richardson extrapolation, in the manner of R's numDeriv (the package
 * lmerTest uses): initial step d·|x| (or eps when x is ~0), halved r times, and the central
 * differences extrapolated to step 0. Used for the Hessian of the deviance and the Jacobian of vcov(β).
 */

export interface DerivOptions {
  d?: number; // relative initial step (0.1)
  eps?: number; // absolute step for x near zero (1e-4)
  zeroTol?: number; // |x| below which x counts as zero
  r?: number; // Richardson iterations (4)
}

function steps(x: number[], o: Required<DerivOptions>): number[] {
  return x.map((xi) => (Math.abs(xi) < o.zeroTol ? o.eps : o.d * Math.abs(xi)));
}

function richardson(a: number[]): number {
  // a[k] computed with step h / 2^k; central differences have error series in h², h⁴, ...
  const t = a.slice();
  for (let m = 1; m < t.length; m++) {
    const f = Math.pow(4, m);
    for (let k = 0; k < t.length - m; k++) t[k] = (f * t[k + 1] - t[k]) / (f - 1);
  }
  return t[0];
}

const defaults = (o: DerivOptions): Required<DerivOptions> => ({ d: o.d ?? 0.1, eps: o.eps ?? 1e-4, zeroTol: o.zeroTol ?? Math.sqrt(2.220446049250313e-16 / 7e-7), r: o.r ?? 4 });

/** Hessian of f at x (symmetric matrix), by extrapolated central differences. */
export async function hessian(f: (x: number[]) => Promise<number> | number, x: number[], opts: DerivOptions = {}): Promise<number[][]> {
  const o = defaults(opts);
  const m = x.length;
  const h0 = steps(x, o);
  const f0 = await f(x);
  const H: number[][] = Array.from({ length: m }, () => new Array(m).fill(0));
  const at = async (delta: [number, number][]): Promise<number> => {
    const y = x.slice();
    for (const [i, v] of delta) y[i] += v;
    return f(y);
  };
  // f(x ± h_k e_i) for every i and step k, reused by the off-diagonal terms (as numDeriv's genD)
  const fPlus: number[][] = Array.from({ length: m }, () => []);
  const fMinus: number[][] = Array.from({ length: m }, () => []);
  for (let i = 0; i < m; i++) {
    const a: number[] = [];
    for (let k = 0; k < o.r; k++) {
      const h = h0[i] / Math.pow(2, k);
      fPlus[i].push(await at([[i, h]]));
      fMinus[i].push(await at([[i, -h]]));
      a.push((fPlus[i][k] - 2 * f0 + fMinus[i][k]) / (h * h));
    }
    H[i][i] = richardson(a);
  }
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < i; j++) {
      const a: number[] = [];
      for (let k = 0; k < o.r; k++) {
        const hi = h0[i] / Math.pow(2, k);
        const hj = h0[j] / Math.pow(2, k);
        const fpp = await at([[i, hi], [j, hj]]);
        const fmm = await at([[i, -hi], [j, -hj]]);
        // f(x+hi+hj) + f(x-hi-hj) = 2f0 + hi²Hii + hj²Hjj + 2 hi hj Hij + O(h⁴), with the pure terms
        // from the same-step diagonal differences
        a.push((fpp - fPlus[i][k] - fPlus[j][k] + 2 * f0 - fMinus[i][k] - fMinus[j][k] + fmm) / (2 * hi * hj));
      }
      H[i][j] = H[j][i] = richardson(a);
    }
  }
  return H;
}

/** Jacobian of a vector-valued f at x: J[k][i] = ∂f_k/∂x_i. */
export async function jacobian(f: (x: number[]) => Promise<number[]> | number[], x: number[], opts: DerivOptions = {}): Promise<number[][]> {
  const o = defaults(opts);
  const m = x.length;
  const h0 = steps(x, o);
  let J: number[][] | null = null;
  for (let i = 0; i < m; i++) {
    const est: number[][] = [];
    for (let k = 0; k < o.r; k++) {
      const h = h0[i] / Math.pow(2, k);
      const xp = x.slice();
      const xm = x.slice();
      xp[i] += h;
      xm[i] -= h;
      const fp = await f(xp);
      const fm = await f(xm);
      est.push(fp.map((v, q) => (v - fm[q]) / (2 * h)));
    }
    const col = est[0].map((_, q) => richardson(est.map((e) => e[q])));
    if (!J) J = col.map(() => new Array(m).fill(0));
    col.forEach((v, q) => (J![q][i] = v));
  }
  return J ?? [];
}
