/**
 * lme4's post-fit convergence checks (checkConv): a finite-difference gradient and Hessian of the
 * criterion at the optimum; the gradient scaled by the Hessian's Cholesky factor must be below 0.002,
 * and the Hessian must be positive definite and not nearly singular.
 */
import { symmetricEigenvalues } from '../linalg/eigen';

const GRAD_TOL = 2e-3;
const HESS_TOL = 1e-6;

/** Central-difference gradient and Hessian (lme4's deriv12, step 1e-4), stepping inside the bounds. */
export function deriv12(f: (x: Float64Array) => number, x: readonly number[], lower: readonly number[], h = 1e-4): { gradient: number[]; hessian: number[][] } {
  const n = x.length;
  const at = (d: number[]): number => f(Float64Array.from(x, (v, i) => v + d[i]));
  const f0 = at(new Array(n).fill(0));
  const gradient = new Array<number>(n).fill(0);
  const hessian: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const step = (i: number): number => h;
  const fp: number[] = [], fm: number[] = [];
  for (let i = 0; i < n; i++) {
    const e = new Array(n).fill(0);
    e[i] = step(i);
    fp.push(at(e));
    e[i] = -step(i);
    fm.push(x[i] - step(i) < lower[i] ? NaN : at(e));
    if (Number.isNaN(fm[i])) {
      // one-sided at a bound
      const e2 = new Array(n).fill(0);
      e2[i] = 2 * step(i);
      const f2 = at(e2);
      gradient[i] = (-3 * f0 + 4 * fp[i] - f2) / (2 * h);
      hessian[i][i] = (f0 - 2 * fp[i] + f2) / (h * h);
    } else {
      gradient[i] = (fp[i] - fm[i]) / (2 * h);
      hessian[i][i] = (fp[i] - 2 * f0 + fm[i]) / (h * h);
    }
  }
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i; j++) {
      const d = new Array(n).fill(0);
      d[i] = h;
      d[j] = h;
      const fpp = at(d);
      d[i] = -h;
      d[j] = -h;
      const okMinus = x[i] - h >= lower[i] && x[j] - h >= lower[j];
      if (okMinus) {
        const fmm = at(d);
        hessian[i][j] = hessian[j][i] = (fpp - fp[i] - fp[j] + 2 * f0 - fm[i] - fm[j] + fmm) / (2 * h * h);
      } else {
        hessian[i][j] = hessian[j][i] = (fpp - fp[i] - fp[j] + f0) / (h * h);
      }
    }
  return { gradient, hessian };
}

/** Warning messages as lme4 words them (empty when the fit passes). */
export function checkConvergence(f: (x: Float64Array) => number, x: readonly number[], lower: readonly number[]): string[] {
  const out: string[] = [];
  const { gradient, hessian } = deriv12(f, x, lower);
  if (gradient.some((g) => !Number.isFinite(g))) return ['Gradient contains NAs'];
  const n = x.length;
  // scaled gradient: solve(chol(H), g) where chol is upper R with R'R = H
  const R = cholUpper(hessian);
  let maxmin = 0;
  let comp = 0;
  if (!R) {
    out.push('unable to evaluate scaled gradient');
  } else {
    const sg = new Array<number>(n).fill(0);
    for (let i = n - 1; i >= 0; i--) {
      let s = gradient[i];
      for (let j = i + 1; j < n; j++) s -= R[i][j] * sg[j];
      sg[i] = s / R[i][i];
    }
    for (let i = 0; i < n; i++) {
      const v = Math.min(Math.abs(sg[i]), Math.abs(gradient[i]));
      if (v > maxmin) {
        maxmin = v;
        comp = i;
      }
    }
    if (maxmin > GRAD_TOL)
      out.push(`Model failed to converge with max|grad| = ${maxmin.toPrecision(6)} (tol = ${GRAD_TOL}, component ${comp + 1})`);
  }
  const ev = symmetricEigenvalues(hessian);
  const negative = ev.filter((e) => e < -HESS_TOL).length;
  if (negative > 0) out.push(`Model failed to converge: degenerate  Hessian with ${negative} negative eigenvalues`);
  else {
    const zero = ev.filter((e) => Math.abs(e) < HESS_TOL).length;
    if (zero > 0 || !R) out.push('Hessian is numerically singular: parameters are not uniquely determined');
    else {
      if (ev[n - 1] * HESS_TOL > 1) out.push('Model is nearly unidentifiable: very large eigenvalue\n - Rescale variables?');
      if (ev[0] / ev[n - 1] < HESS_TOL) out.push('Model is nearly unidentifiable: large eigenvalue ratio\n - Rescale variables?');
    }
  }
  return out;
}

function cholUpper(h: number[][]): number[][] | null {
  const n = h.length;
  const R: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let j = 0; j < n; j++) {
    let d = h[j][j];
    for (let k = 0; k < j; k++) d -= R[k][j] * R[k][j];
    if (!(d > 0)) return null;
    R[j][j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      let s = h[j][i];
      for (let k = 0; k < j; k++) s -= R[k][j] * R[k][i];
      R[j][i] = s / R[j][j];
    }
  }
  return R;
}
