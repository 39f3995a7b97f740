/**
 * Nelder-Mead simplex minimisation within box bounds (points are projected into the box), the
 * second opinion lme4's allFit() gets from its Nelder_Mead optimizer. Standard coefficients
 * (reflection 1, expansion 2, contraction ½, shrink ½); stops when the simplex's function values
 * agree to ftolRel or its vertices to xtolAbs, or after maxEval evaluations.
 */
import type { Ticker } from '../hooks';
import type { MinimizeResult } from './bobyqa';

export interface NelderMeadOptions {
  /** Initial step along each coordinate (default 0.1·max(1, |x0_i|), kept inside the bounds). */
  step?: number;
  ftolRel?: number;
  xtolAbs?: number;
  maxEval?: number;
  ticker?: Ticker;
  stage?: string;
}

type Objective = (x: Float64Array) => number | Promise<number>;

export async function nelderMead(f: Objective, x0: ArrayLike<number>, lower: ArrayLike<number>, upper: ArrayLike<number>, opts: NelderMeadOptions = {}): Promise<MinimizeResult> {
  // A simplex projected onto a bound can collapse; restart from the best point until a fresh simplex no longer improves.
  let r = await simplexRun(f, x0, lower, upper, opts, 0);
  let used = r.evaluations;
  for (let restart = 0; restart < 5 && used < (opts.maxEval ?? 20000); restart++) {
    const again = await simplexRun(f, r.x, lower, upper, opts, used);
    used += again.evaluations;
    const better = again.fval < r.fval - (opts.ftolRel ?? 1e-12) * (Math.abs(r.fval) + 1);
    if (again.fval <= r.fval) r = again;
    if (!better) break;
  }
  return { ...r, evaluations: used };
}

async function simplexRun(f: Objective, x0: ArrayLike<number>, lower: ArrayLike<number>, upper: ArrayLike<number>, opts: NelderMeadOptions, already: number): Promise<MinimizeResult> {
  const n = x0.length;
  const ftolRel = opts.ftolRel ?? 1e-12;
  const xtolAbs = opts.xtolAbs ?? 1e-9;
  const maxEval = (opts.maxEval ?? 20000) - already;
  const clamp = (x: number[]) => x.map((v, i) => Math.min(upper[i], Math.max(lower[i], v)));
  let evaluations = 0;
  const evalAt = async (x: number[]): Promise<number> => {
    if (opts.ticker) await opts.ticker.tick({ stage: opts.stage ?? 'Nelder-Mead', evaluations });
    evaluations++;
    const v = await f(Float64Array.from(x));
    return Number.isFinite(v) ? v : Infinity;
  };
  const start = clamp(Array.from(x0));
  const pts: number[][] = [start];
  for (let i = 0; i < n; i++) {
    const p = start.slice();
    const h = opts.step ?? 0.1 * Math.max(1, Math.abs(start[i]));
    p[i] = start[i] + h <= upper[i] ? start[i] + h : start[i] - h;
    pts.push(clamp(p));
  }
  const vals: number[] = [];
  for (const p of pts) vals.push(await evalAt(p));
  const combine = (c: number[], w: number[], t: number) => clamp(c.map((ci, i) => ci + t * (w[i] - ci)));
  let converged = false;
  while (evaluations < maxEval) {
    const order = vals.map((_, i) => i).sort((a, b) => vals[a] - vals[b]);
    const sorted = order.map((i) => pts[i]);
    const sv = order.map((i) => vals[i]);
    pts.splice(0, pts.length, ...sorted);
    vals.splice(0, vals.length, ...sv);
    const fBest = vals[0];
    const fWorst = vals[n];
    let spread = 0;
    for (let k = 1; k <= n; k++) for (let i = 0; i < n; i++) spread = Math.max(spread, Math.abs(pts[k][i] - pts[0][i]));
    if (Math.abs(fWorst - fBest) <= ftolRel * (Math.abs(fBest) + 1e-30) || spread <= xtolAbs) {
      converged = true;
      break;
    }
    const centroid = new Array<number>(n).fill(0);
    for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) centroid[i] += pts[k][i] / n;
    const xr = combine(centroid, pts[n], -1);
    const fr = await evalAt(xr);
    if (fr < vals[0]) {
      const xe = combine(centroid, pts[n], -2);
      const fe = await evalAt(xe);
      if (fe < fr) [pts[n], vals[n]] = [xe, fe];
      else [pts[n], vals[n]] = [xr, fr];
      continue;
    }
    if (fr < vals[n - 1]) {
      [pts[n], vals[n]] = [xr, fr];
      continue;
    }
    const outside = fr < vals[n];
    const xc = outside ? combine(centroid, xr, 0.5) : combine(centroid, pts[n], 0.5);
    const fc = await evalAt(xc);
    if (fc < (outside ? fr : vals[n])) {
      [pts[n], vals[n]] = [xc, fc];
      continue;
    }
    for (let k = 1; k <= n; k++) {
      pts[k] = combine(pts[0], pts[k], 0.5);
      vals[k] = await evalAt(pts[k]);
    }
  }
  let best = 0;
  for (let k = 1; k < vals.length; k++) if (vals[k] < vals[best]) best = k;
  return { x: pts[best], fval: vals[best], evaluations, converged, message: converged ? 'simplex converged' : 'maximum evaluations reached' };
}
