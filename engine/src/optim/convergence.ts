/**
 * lme4's post-fit checks (checkConv and checkHess of lme4 1.1-31), one implementation for lmer
 * (derivatives over θ) and glmer (over θ and β), and lme4's singular-fit test.
 *
 * As lme4 does: a singular fit ends the checks; then the gradient scaled by the Hessian's upper
 * Cholesky factor, solve(chol(H), g), whose componentwise minimum with |g| must stay below 0.002; then
 * the eigenvalues of the Hessian (for glmer first those of its fixed-effect block). Every message is
 * worded as lme4 words it, including "component 1" (lme4 takes which.max of the already maximised
 * scalar) and the two spaces of "degenerate  Hessian".
 */
import { cholUpper, solveUpper } from '../linalg/small';
import { symmetricEigenvalues } from '../linalg/eigen';

/** lme4's checkConv settings (lmerControl()$checkConv, the same for glmerControl). */
export interface CheckConvControl {
  /** check.conv.grad tol */
  gradTol: number;
  /** check.conv.singular tol (isSingular's tol) */
  singularTol: number;
  /** check.conv.hess tol */
  hessTol: number;
}

export const CHECK_CONV_DEFAULTS: Readonly<CheckConvControl> = { gradTol: 2e-3, singularTol: 1e-4, hessTol: 1e-6 };

export const SINGULAR_MESSAGE = "boundary (singular) fit: see help('isSingular')";

/** lme4's isSingular: a θ element with lower bound 0 (a diagonal of Λ) below tol. */
export function isSingular(theta: ArrayLike<number>, lower: ArrayLike<number>, tol = CHECK_CONV_DEFAULTS.singularTol): boolean {
  for (let i = 0; i < lower.length; i++) if (lower[i] === 0 && theta[i] < tol) return true;
  return false;
}

export interface Derivs {
  gradient: ArrayLike<number>;
  /** symmetric, as rows */
  hessian: readonly ArrayLike<number>[];
}

export interface ConvCheck {
  /** lme4's codes: -1 gradient, -3 negative eigenvalues, -4 singular Hessian, -5 NA gradient, -6 Hessian not finite, 2/3 nearly unidentifiable */
  code: number[];
  messages: string[];
  singular: boolean;
}

/** C's %g (R's gettextf("%g")): six significant digits, trailing zeros dropped, exponent below 1e-4 or from 1e6. */
export function formatG(x: number, digits = 6): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Inf' : '-Inf';
  if (x === 0) return '0';
  const e = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(digits)))));
  if (e < -4 || e >= digits) {
    const [m, ex] = x.toExponential(digits - 1).split('e');
    const mant = m.includes('.') ? m.replace(/\.?0+$/, '') : m;
    const n = Number(ex);
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const s = x.toFixed(Math.max(0, digits - 1 - e));
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/**
 * lme4's checkConv(derivs, coefs, ctrl, lbound). `coefs` are the parameters (θ for lmer, θ then β
 * for glmer), `lower` θ's lower bounds (its length is the number of θ). `derivs` null: only the
 * singular test (lme4 skips the derivative checks when it computed no derivatives).
 */
export function checkConv(derivs: Derivs | null, coefs: ArrayLike<number>, lower: ArrayLike<number>, ctrl: CheckConvControl = CHECK_CONV_DEFAULTS): ConvCheck {
  const res: ConvCheck = { code: [], messages: [], singular: false };
  const ntheta = lower.length;
  if (isSingular(coefs, lower, ctrl.singularTol)) {
    res.singular = true;
    res.messages.push(SINGULAR_MESSAGE);
    return res;
  }
  if (!derivs) return res;
  const g = derivs.gradient;
  for (let i = 0; i < g.length; i++) {
    if (Number.isNaN(g[i])) return { code: [-5], messages: ['Gradient contains NAs'], singular: false };
  }
  const R = cholUpper(derivs.hessian);
  const scgrad = R ? solveUpper(R, g) : null;
  if (!scgrad || scgrad.some((v) => Number.isNaN(v))) {
    res.code = [-1];
    res.messages.push('unable to evaluate scaled gradient');
  } else {
    let maxmingrad = 0;
    for (let i = 0; i < g.length; i++) maxmingrad = Math.max(maxmingrad, Math.min(Math.abs(scgrad[i]), Math.abs(g[i])));
    if (maxmingrad > ctrl.gradTol) {
      res.code = [-1];
      // lme4: w <- which.max(maxmingrad), of a scalar: always 1
      res.messages.push(`Model failed to converge with max|grad| = ${formatG(maxmingrad)} (tol = ${formatG(ctrl.gradTol)}, component 1)`);
    }
  }
  const H = derivs.hessian;
  if (coefs.length > ntheta) {
    const Hb = H.slice(ntheta).map((r) => Array.prototype.slice.call(r, ntheta) as number[]);
    const rb = checkHess(Hb, ctrl.hessTol, 'fixed-effect');
    if (rb.code.some((c) => c !== 0)) {
      res.code = rb.code;
      res.messages.push(...rb.messages);
    }
  }
  const rh = checkHess(H, ctrl.hessTol, '');
  if (rh.code.some((c) => c !== 0)) {
    res.code = rh.code;
    res.messages.push(...rh.messages);
  }
  return res;
}

/** lme4's checkHess: eigenvalues of a symmetric H (both "nearly unidentifiable" messages can apply). */
export function checkHess(H: readonly ArrayLike<number>[], tol: number, hesstype: string): { code: number[]; messages: string[] } {
  for (const r of H) {
    for (let j = 0; j < r.length; j++) {
      if (!Number.isFinite(r[j])) return { code: [-6], messages: ['Problem with Hessian check (infinite or missing values?)'] };
    }
  }
  const evd = symmetricEigenvalues(H);
  const negative = evd.filter((e) => e < -tol).length;
  if (negative) return { code: [-3], messages: [`Model failed to converge: degenerate ${hesstype} Hessian with ${negative} negative eigenvalues`] };
  const zero = evd.filter((e) => Math.abs(e) < tol).length;
  if (zero || !cholUpper(H)) return { code: [-4], messages: [`${hesstype} Hessian is numerically singular: parameters are not uniquely determined`] };
  const code: number[] = [];
  const messages: string[] = [];
  const mx = evd[evd.length - 1];
  const mn = evd[0];
  if (mx * tol > 1) {
    code.push(2);
    messages.push('Model is nearly unidentifiable: very large eigenvalue\n - Rescale variables?');
  }
  if (mn / mx < tol) {
    code.push(3);
    messages.push('Model is nearly unidentifiable: large eigenvalue ratio\n - Rescale variables?');
  }
  return { code: code.length ? code : [0], messages };
}

/** Whether lme4's codes say the optimum failed a convergence test (gradient, negative curvature, NA gradient). */
export function convergenceFailed(c: ConvCheck): boolean {
  return c.code.some((k) => k === -1 || k === -3 || k === -5);
}
