/**
 * A quasi-Newton method within box bounds: BFGS on the free variables with gradients by central
 * differences, steps projected into the box, a backtracking (Armijo) line search, and variables at
 * a bound whose gradient points outwards held there (the active set of L-BFGS-B, without its
 * limited-memory Cauchy-point machinery, which small θ vectors do not need).
 */
import type { Ticker } from '../hooks';
import type { MinimizeResult } from './bobyqa';

export interface QuasiNewtonOptions {
  /** Relative step of the central differences (default 1e-5). */
  h?: number;
  /** Stop when the projected gradient's largest component is below this (default 1e-6). */
  gtol?: number;
  /** Stop when an iteration improves f by less than ftolRel·(|f| + 1) (default 1e-12). */
  ftolRel?: number;
  maxIter?: number;
  ticker?: Ticker;
  stage?: string;
}

type Objective = (x: Float64Array) => number | Promise<number>;

export async function quasiNewtonBounds(f: Objective, x0: ArrayLike<number>, lower: ArrayLike<number>, upper: ArrayLike<number>, opts: QuasiNewtonOptions = {}): Promise<MinimizeResult> {
  const n = x0.length;
  const hRel = opts.h ?? 1e-5;
  const gtol = opts.gtol ?? 1e-6;
  const ftolRel = opts.ftolRel ?? 1e-12;
  const maxIter = opts.maxIter ?? 500;
  let evaluations = 0;
  const clamp = (x: number[]) => x.map((v, i) => Math.min(upper[i], Math.max(lower[i], v)));
  const evalAt = async (x: number[]): Promise<number> => {
    if (opts.ticker) await opts.ticker.tick({ stage: opts.stage ?? 'quasi-Newton', evaluations });
    evaluations++;
    const v = await f(Float64Array.from(x));
    return Number.isFinite(v) ? v : Infinity;
  };
  const gradient = async (x: number[], fx: number): Promise<number[]> => {
    const g = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      const h = hRel * Math.max(1, Math.abs(x[i]));
      const up = Math.min(upper[i], x[i] + h);
      const lo = Math.max(lower[i], x[i] - h);
      const xu = x.slice();
      xu[i] = up;
      const xl = x.slice();
      xl[i] = lo;
      const fu = up === x[i] ? fx : await evalAt(xu);
      const fl = lo === x[i] ? fx : await evalAt(xl);
      g[i] = up - lo > 0 ? (fu - fl) / (up - lo) : 0;
    }
    return g;
  };
  let x = clamp(Array.from(x0));
  let fx = await evalAt(x);
  let g = await gradient(x, fx);
  // inverse-Hessian approximation
  let Hinv: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  let converged = false;
  let message = 'maximum iterations reached';
  for (let iter = 0; iter < maxIter; iter++) {
    // active set: at a bound with the gradient pushing outwards
    const free = x.map((v, i) => !((v <= lower[i] && g[i] > 0) || (v >= upper[i] && g[i] < 0)));
    const pg = g.map((gi, i) => (free[i] ? gi : 0));
    if (Math.max(0, ...pg.map(Math.abs)) < gtol) {
      converged = true;
      message = 'projected gradient below tolerance';
      break;
    }
    let d = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      if (!free[i]) continue;
      let s = 0;
      for (let j = 0; j < n; j++) if (free[j]) s -= Hinv[i][j] * g[j];
      d[i] = s;
    }
    let slope = d.reduce((s, di, i) => s + di * g[i], 0);
    if (!(slope < 0)) {
      d = pg.map((v) => -v);
      slope = d.reduce((s, di, i) => s + di * g[i], 0);
      Hinv = Hinv.map((row, i) => row.map((_, j) => (i === j ? 1 : 0)));
    }
    let t = 1;
    let xn = x;
    let fn = fx;
    let accepted = false;
    for (let ls = 0; ls < 40; ls++) {
      xn = clamp(x.map((v, i) => v + t * d[i]));
      fn = await evalAt(xn);
      const decrease = xn.reduce((s, v, i) => s + g[i] * (v - x[i]), 0);
      if (fn <= fx + 1e-4 * decrease) {
        accepted = true;
        break;
      }
      t *= 0.5;
    }
    if (!accepted) {
      converged = true;
      message = 'no further decrease along the search direction';
      break;
    }
    const gn = await gradient(xn, fn);
    const s = xn.map((v, i) => v - x[i]);
    const y = gn.map((v, i) => v - g[i]);
    const sy = s.reduce((a, si, i) => a + si * y[i], 0);
    const improvement = fx - fn;
    x = xn;
    g = gn;
    const fOld = fx;
    fx = fn;
    if (sy > 1e-12) {
      const Hy = Hinv.map((row) => row.reduce((a, h, j) => a + h * y[j], 0));
      const yHy = y.reduce((a, yi, i) => a + yi * Hy[i], 0);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) Hinv[i][j] += ((sy + yHy) * s[i] * s[j]) / (sy * sy) - (Hy[i] * s[j] + s[i] * Hy[j]) / sy;
    }
    if (improvement <= ftolRel * (Math.abs(fOld) + 1)) {
      converged = true;
      message = 'relative improvement below tolerance';
      break;
    }
  }
  return { x, fval: fx, evaluations, converged, message };
}
