/**
 * Bounded Nelder-Mead (lme4's second-stage glmer optimizer is a Nelder-Mead too). Bounds are
 * honoured by clamping trial points. Used for the joint (θ, β) stage; async so long fits yield.
 */

export interface NMOptions {
  lower: ArrayLike<number>;
  upper?: ArrayLike<number>;
  /** initial step per coordinate */
  step: ArrayLike<number>;
  ftolAbs?: number;
  xtolRel?: number;
  maxEval?: number;
}

export interface NMResult {
  x: Float64Array;
  f: number;
  evaluations: number;
  converged: boolean;
}

export async function nelderMead(
  fn: (x: Float64Array) => number | Promise<number>,
  x0: ArrayLike<number>,
  opts: NMOptions,
): Promise<NMResult> {
  const d = x0.length;
  const lo = opts.lower;
  const hi = opts.upper;
  const ftol = opts.ftolAbs ?? 1e-10;
  const xtol = opts.xtolRel ?? 1e-9;
  const maxEval = opts.maxEval ?? 4000;
  const clamp = (x: Float64Array) => {
    for (let i = 0; i < d; i++) {
      if (x[i] < lo[i]) x[i] = lo[i];
      if (hi && x[i] > hi[i]) x[i] = hi[i];
    }
    return x;
  };
  let evals = 0;
  const f = async (x: Float64Array) => {
    evals++;
    const v = await fn(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  const pts: Float64Array[] = [];
  const vals: number[] = [];
  const start = clamp(Float64Array.from(x0));
  pts.push(start);
  vals.push(await f(start));
  for (let i = 0; i < d; i++) {
    const x = Float64Array.from(start);
    let s = opts.step[i];
    x[i] += s;
    if (hi && x[i] > hi[i]) {
      s = -s;
      x[i] = start[i] + s;
    }
    clamp(x);
    if (x[i] === start[i]) x[i] = start[i] - s;
    pts.push(x);
    vals.push(await f(x));
  }
  let converged = false;
  const order = () => {
    const idx = pts.map((_, i) => i).sort((a, b) => vals[a] - vals[b]);
    const p2 = idx.map((i) => pts[i]);
    const v2 = idx.map((i) => vals[i]);
    for (let i = 0; i <= d; i++) {
      pts[i] = p2[i];
      vals[i] = v2[i];
    }
  };
  while (evals < maxEval) {
    order();
    // convergence: function spread and simplex size
    const fspread = vals[d] - vals[0];
    let xsize = 0;
    for (let i = 1; i <= d; i++) {
      for (let j = 0; j < d; j++) {
        const s = Math.abs(pts[i][j] - pts[0][j]) / Math.max(1e-3, Math.abs(pts[0][j]));
        if (s > xsize) xsize = s;
      }
    }
    if (fspread <= ftol && xsize <= xtol * 1e3) {
      converged = true;
      break;
    }
    if (xsize <= xtol) {
      converged = true;
      break;
    }
    const cen = new Float64Array(d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) cen[j] += pts[i][j] / d;
    const worst = pts[d];
    const along = (t: number) => {
      const x = new Float64Array(d);
      for (let j = 0; j < d; j++) x[j] = cen[j] + t * (worst[j] - cen[j]);
      return clamp(x);
    };
    const xr = along(-1);
    const fr = await f(xr);
    if (fr < vals[0]) {
      const xe = along(-2);
      const fe = await f(xe);
      if (fe < fr) {
        pts[d] = xe;
        vals[d] = fe;
      } else {
        pts[d] = xr;
        vals[d] = fr;
      }
      continue;
    }
    if (fr < vals[d - 1]) {
      pts[d] = xr;
      vals[d] = fr;
      continue;
    }
    const outside = fr < vals[d];
    const xc = along(outside ? -0.5 : 0.5);
    const fc = await f(xc);
    if (fc < (outside ? fr : vals[d])) {
      pts[d] = xc;
      vals[d] = fc;
      continue;
    }
    // shrink towards the best
    for (let i = 1; i <= d; i++) {
      const x = new Float64Array(d);
      for (let j = 0; j < d; j++) x[j] = pts[0][j] + 0.5 * (pts[i][j] - pts[0][j]);
      pts[i] = clamp(x);
      vals[i] = await f(pts[i]);
    }
  }
  order();
  return { x: pts[0], f: vals[0], evaluations: evals, converged };
}
