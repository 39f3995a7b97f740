/**
 * Bound-constrained derivative-free minimisation after Powell's BOBYQA (2009): a quadratic model
 * interpolating f at 2n+1 points, updated by the least Frobenius-norm change of its Hessian whenever
 * a point is replaced, minimised in a trust region intersected with the bounds; a resolution ρ that
 * decreases from rhobeg to rhoend; geometry-improving steps that maximise a Lagrange function when
 * the interpolation set degenerates.
 *
 * Unlike Powell's code, the interpolation system (size 2n+1 + n+1) is solved afresh at each iteration
 * instead of being updated; the models are the same, and for the small n of mixed models (a handful
 * of θ parameters) the cost is negligible next to one objective evaluation.
 */
import type { Ticker } from '../hooks';
import { symmetricEigenvalues } from '../linalg/eigen';
import { luFactor, luSolve, type LU } from './linsolve';
import { trsbox } from './trsbox';

export interface MinimizeOptions {
  /** Initial trust-region radius (default 0.2·max(1, ‖x0‖∞) capped by half the smallest bound range). */
  rhobeg?: number;
  /** Final resolution (default 1e-7). */
  rhoend?: number;
  /** Maximum number of evaluations (default 10000). */
  maxEval?: number;
  /** Stop when a successful step improves f by less than this (absolute), as nlopt's ftol_abs; default 0 (off). */
  ftolAbs?: number;
  /** Number of interpolation points, 2n+1 ≤ npt ≤ (n+1)(n+2)/2 (default: the full quadratic for n ≤ 4, else 2n+1). */
  npt?: number;
  /**
   * Stop when, at a resolution ρ ≤ 1e-4, a whole stage (between two reductions of ρ) improved f by
   * less than ftolRel·(|f| + 1); default 0 (off).
   */
  ftolRel?: number;
  /** Awaited between evaluations: progress, yielding, cancellation. */
  ticker?: Ticker;
  /** Progress stage name (default 'optimizing'). */
  stage?: string;
}

export interface MinimizeResult {
  x: number[];
  fval: number;
  evaluations: number;
  /** False when maxEval was reached before the resolution rhoend. */
  converged: boolean;
  message: string;
}

/** Use the full quadratic interpolation set up to this many variables (0: always 2n+1, Powell's recommendation). */
const NPT_FULL_MAX_N = 0;
/** Geometry thresholds (in units of ρ / max(Δ, 2ρ)) after a short step / a poor step, as Powell's BOBYQA. */
const SHORT_GEOM = 10;
const POOR_GEOM = 2;

type Objective = (x: Float64Array) => number | Promise<number>;

interface Model {
  center: number[]; // point the model is expanded about (the best point)
  c: number; // value at center
  g: number[];
  H: number[][];
}

function modelValue(m: Model, x: ArrayLike<number>): number {
  const n = m.g.length;
  let lin = 0, quad = 0;
  const d = new Array<number>(n);
  for (let i = 0; i < n; i++) d[i] = x[i] - m.center[i];
  for (let i = 0; i < n; i++) {
    lin += m.g[i] * d[i];
    let s = 0;
    for (let j = 0; j < n; j++) s += m.H[i][j] * d[j];
    quad += d[i] * s;
  }
  return m.c + lin + 0.5 * quad;
}

function recenter(m: Model, x: number[]): Model {
  const n = m.g.length;
  const d = x.map((v, i) => v - m.center[i]);
  const g = m.g.map((gi, i) => {
    let s = gi;
    for (let j = 0; j < n; j++) s += m.H[i][j] * d[j];
    return s;
  });
  return { center: x.slice(), c: modelValue(m, x), g, H: m.H.map((r) => r.slice()) };
}

/** Smallest eigenvalue estimate of a small symmetric matrix (Gershgorin-free: via Jacobi). */
function minCurvature(H: number[][]): number {
  return symmetricEigenvalues(H)[0];
}

const norm = (v: number[]): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

/**
 * Minimise f over the box lower ≤ x ≤ upper (±Infinity allowed) without derivatives.
 * f may return +Infinity where it cannot be evaluated (treated as a very poor value).
 */
export async function minimize(
  f: Objective,
  x0: ArrayLike<number>,
  lower: ArrayLike<number>,
  upper: ArrayLike<number>,
  opts: MinimizeOptions = {},
): Promise<MinimizeResult> {
  const n = x0.length;
  const lo = Array.from(lower, (v) => v);
  const hi = Array.from(upper, (v) => v);
  const start = Array.from(x0, (v, i) => Math.min(hi[i], Math.max(lo[i], v)));
  let rhobeg = opts.rhobeg ?? 0.2 * Math.max(1, ...start.map(Math.abs));
  for (let i = 0; i < n; i++) if (hi[i] - lo[i] < 2 * rhobeg) rhobeg = Math.max(1e-12, (hi[i] - lo[i]) / 2);
  const rhoend = Math.min(opts.rhoend ?? 1e-7, rhobeg);
  const maxEval = opts.maxEval ?? 10000;
  const ftolAbs = opts.ftolAbs ?? 0;
  const ftolRel = opts.ftolRel ?? 0;
  let rhoStop = false;
  const stage = opts.stage ?? 'optimizing';
  let nf = 0;
  let bestF = Infinity;
  let bestX = start.slice();

  const evaluate = async (x: number[]): Promise<number> => {
    if (opts.ticker) await opts.ticker.tick({ stage, evaluations: nf, objective: Number.isFinite(bestF) ? bestF : undefined });
    const xc = new Float64Array(n);
    for (let i = 0; i < n; i++) xc[i] = Math.min(hi[i], Math.max(lo[i], x[i]));
    let v = await f(xc);
    nf++;
    if (Number.isNaN(v)) v = Infinity;
    if (v < bestF) {
      bestF = v;
      bestX = Array.from(xc);
    }
    return v;
  };

  if (n === 0) {
    const v = await evaluate([]);
    return { x: [], fval: v, evaluations: nf, converged: true, message: 'no parameters' };
  }

  // initial interpolation points: x0, x0 ± rhobeg e_i (moved inside the bounds as BOBYQA does)
  for (let i = 0; i < n; i++) {
    if (start[i] - lo[i] < rhobeg && start[i] > lo[i]) start[i] = start[i] - lo[i] <= 0.5 * rhobeg ? lo[i] : lo[i] + rhobeg;
    if (hi[i] - start[i] < rhobeg && start[i] < hi[i]) start[i] = hi[i] - start[i] <= 0.5 * rhobeg ? hi[i] : hi[i] - rhobeg;
  }
  const pts: number[][] = [start.slice()];
  for (let i = 0; i < n; i++) {
    const a = start.slice();
    const b = start.slice();
    if (start[i] + rhobeg <= hi[i]) a[i] += rhobeg;
    else a[i] -= rhobeg;
    if (start[i] - rhobeg >= lo[i] && a[i] > start[i]) b[i] -= rhobeg;
    else b[i] = a[i] > start[i] ? start[i] + 2 * rhobeg : start[i] - 2 * rhobeg;
    pts.push(a, b);
  }
  // extra points x0 + σᵢρ eᵢ + σⱼρ eⱼ (as BOBYQA's initial design) up to npt interpolation points
  const nptWanted = Math.min(opts.npt ?? (n <= NPT_FULL_MAX_N ? ((n + 1) * (n + 2)) / 2 : 2 * n + 1), ((n + 1) * (n + 2)) / 2);
  for (let i = 0; i < n && pts.length < nptWanted; i++)
    for (let j = i + 1; j < n && pts.length < nptWanted; j++) {
      const a = start.slice();
      a[i] = pts[1 + 2 * i][i];
      a[j] = pts[1 + 2 * j][j];
      pts.push(a);
    }
  const npt = pts.length;
  const fv: number[] = [];
  for (const p of pts) fv.push(await evaluate(p));

  const finite = (v: number): number => (Number.isFinite(v) ? v : Number.MAX_VALUE / 1e10);
  let kopt = 0;
  for (let k = 1; k < npt; k++) if (fv[k] < fv[kopt]) kopt = k;

  // the interpolation system about the best point, scaled by the largest distance
  interface System {
    lu: LU;
    scale: number;
    ys: number[][]; // scaled offsets ŷ_k
  }
  const buildSystem = (): System | null => {
    const xo = pts[kopt];
    let scale = 0;
    const ys0 = pts.map((p) => p.map((v, i) => v - xo[i]));
    for (const y of ys0) scale = Math.max(scale, norm(y));
    if (!(scale > 0)) return null;
    const ys = ys0.map((y) => y.map((v) => v / scale));
    const N = npt + n + 1;
    const K: number[][] = Array.from({ length: N }, () => new Array<number>(N).fill(0));
    for (let i = 0; i < npt; i++) {
      for (let k = 0; k <= i; k++) {
        let dp = 0;
        for (let j = 0; j < n; j++) dp += ys[i][j] * ys[k][j];
        K[i][k] = K[k][i] = 0.5 * dp * dp;
      }
      K[i][npt] = K[npt][i] = 1;
      for (let j = 0; j < n; j++) K[i][npt + 1 + j] = K[npt + 1 + j][i] = ys[i][j];
    }
    const lu = luFactor(K);
    return lu ? { lu, scale, ys } : null;
  };
  /** The quadratic (about pts[kopt]) of least Frobenius-norm Hessian taking values r at the points. */
  const interpolant = (sys: System, r: number[]): { c: number; g: number[]; H: number[][] } => {
    const rhs = r.concat(new Array<number>(n + 1).fill(0));
    const sol = luSolve(sys.lu, rhs);
    const s = sys.scale;
    const H: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let k = 0; k < npt; k++) {
      const lam = sol[k] / (s * s);
      if (lam === 0) continue;
      const y = sys.ys[k];
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) H[i][j] += lam * y[i] * y[j];
    }
    const g = sol.slice(npt + 1, npt + 1 + n).map((v) => v / s);
    return { c: sol[npt], g, H };
  };
  const evalQuad = (q: { c: number; g: number[]; H: number[][] }, d: number[]): number => {
    let v = q.c;
    for (let i = 0; i < n; i++) {
      v += q.g[i] * d[i];
      let s = 0;
      for (let j = 0; j < n; j++) s += q.H[i][j] * d[j];
      v += 0.5 * d[i] * s;
    }
    return v;
  };

  let sys = buildSystem();
  let model: Model = { center: pts[kopt].slice(), c: fv[kopt], g: new Array<number>(n).fill(0), H: Array.from({ length: n }, () => new Array<number>(n).fill(0)) };
  const refit = (): void => {
    // new model = old model + least-change correction interpolating the current values
    sys = buildSystem();
    const base = recenter(model, pts[kopt]);
    if (!sys) {
      model = base;
      return;
    }
    const r = pts.map((p, k) => finite(fv[k]) - modelValue(base, p));
    const corr = interpolant(sys, r);
    model = {
      center: pts[kopt].slice(),
      c: base.c + corr.c,
      g: base.g.map((v, i) => v + corr.g[i]),
      H: base.H.map((row, i) => row.map((v, j) => v + corr.H[i][j])),
    };
  };
  refit();
  const lagrange = (k: number): { c: number; g: number[]; H: number[][] } | null => {
    if (!sys) return null;
    const e = new Array<number>(npt).fill(0);
    e[k] = 1;
    return interpolant(sys, e);
  };

  let rho = rhobeg;
  let delta = rhobeg;
  let converged = false;
  let message = '';
  let ftolStop = false;

  /** Replace point k by x (value fx), keep kopt and the model current. */
  const replace = (k: number, x: number[], fx: number): void => {
    pts[k] = x.slice();
    fv[k] = fx;
    kopt = 0;
    for (let t = 1; t < npt; t++) if (fv[t] < fv[kopt]) kopt = t;
    refit();
  };

  /** Geometry step: move point k to where its Lagrange function is largest within radius r. */
  const geometryStep = async (k: number, r: number): Promise<void> => {
    const L = lagrange(k);
    const xo = pts[kopt];
    const sl = xo.map((v, i) => lo[i] - v);
    const su = xo.map((v, i) => hi[i] - v);
    const dirs: number[][] = [];
    for (let t = 0; t < npt; t++) if (t !== kopt) dirs.push(pts[t].map((v, i) => v - xo[i]));
    for (let i = 0; i < n; i++) {
      const e = new Array<number>(n).fill(0);
      e[i] = 1;
      dirs.push(e);
    }
    if (L) dirs.push(L.g.slice());
    let bestD: number[] | null = null;
    let bestV = -1;
    for (const dir of dirs) {
      const dn = norm(dir);
      if (!(dn > 0)) continue;
      for (const sign of [1, -1]) {
        let a = (sign * r) / dn;
        // shorten to stay within bounds
        for (let i = 0; i < n; i++) {
          const di = a * dir[i];
          if (di > su[i]) a = su[i] / dir[i];
          else if (di < sl[i]) a = sl[i] / dir[i];
        }
        const d = dir.map((v) => a * v);
        if (norm(d) < 1e-3 * r) continue;
        const v = L ? Math.abs(evalQuadAt(L, d, xo)) : norm(d);
        if (v > bestV) {
          bestV = v;
          bestD = d;
        }
      }
    }
    if (!bestD) return;
    const x = xo.map((v, i) => Math.min(hi[i], Math.max(lo[i], v + bestD![i])));
    const fx = await evaluate(x);
    replace(k, x, fx);
  };
  // Lagrange functions are expanded about the point they were built at (pts[kopt] then)
  const evalQuadAt = (q: { c: number; g: number[]; H: number[][] }, d: number[], _xo: number[]): number => evalQuad(q, d);

  const recentErr: number[] = [];
  let nfAtRho = 0;
  let fAtRho = Infinity;
  const reduceRho = (): boolean => {
    if (rho <= rhoend) return false;
    // relative-change stop: a whole stage at a fine resolution improved f negligibly
    const fNow = fv[kopt];
    if (ftolRel > 0 && rho <= 1e-4 && Number.isFinite(fAtRho) && fAtRho - fNow <= ftolRel * (Math.abs(fNow) + 1)) {
      rhoStop = true;
      return false;
    }
    fAtRho = fNow;
    nfAtRho = nf;
    recentErr.length = 0;
    const old = rho;
    const ratio = rho / rhoend;
    if (ratio <= 16) rho = rhoend;
    else if (ratio <= 250) rho = Math.sqrt(ratio) * rhoend;
    else rho = 0.1 * rho;
    delta = Math.max(0.5 * old, rho);
    return true;
  };

  while (nf < maxEval) {
    const xo = pts[kopt];
    const sl = xo.map((v, i) => lo[i] - v);
    const su = xo.map((v, i) => hi[i] - v);
    const d = trsbox(model.g, model.H, delta, sl, su);
    const dn = norm(d);
    if (!(dn >= 0.5 * rho)) {
      // the model's minimiser is close: check geometry at this resolution, else refine ρ
      let far = -1;
      let fd = 0;
      for (let t = 0; t < npt; t++) {
        const dist = norm(pts[t].map((v, i) => v - xo[i]));
        if (dist > fd) {
          fd = dist;
          far = t;
        }
      }
      delta = Math.max(0.1 * delta, rho);
      if (delta <= 1.5 * rho) delta = rho;
      // Powell's test: when the last three model errors are small against the curvature at this
      // resolution, the model is good enough and ρ is reduced without a geometry step.
      let modelGood = false;
      if (nf > nfAtRho + 2 && recentErr.length >= 3) {
        const errbig = Math.max(...recentErr.slice(-3));
        const crv = minCurvature(model.H);
        modelGood = !(crv > 0 && errbig > 0.125 * rho * rho * crv);
      }
      if (!modelGood && far >= 0 && fd > SHORT_GEOM * rho) {
        await geometryStep(far, Math.max(Math.min(0.1 * fd, delta), rho));
        continue;
      }
      if (!reduceRho()) {
        converged = true;
        message = rhoStop ? 'relative change of f below ftolRel' : 'rho reached rhoend';
        break;
      }
      continue;
    }
    const x = xo.map((v, i) => Math.min(hi[i], Math.max(lo[i], v + d[i])));
    const pred = -(evalQuad({ c: 0, g: model.g, H: model.H }, d));
    const fold = fv[kopt];
    const fx = await evaluate(x);
    recentErr.push(Math.abs(fx - fold + pred));
    const ratio = pred > 0 ? (fold - fx) / pred : fx < fold ? 1 : -1;
    if (ratio <= 0.1) delta = Math.min(0.5 * delta, dn);
    else if (ratio <= 0.7) delta = Math.max(0.5 * delta, dn);
    else delta = Math.max(0.5 * delta, 2 * dn);
    if (delta <= 1.5 * rho) delta = rho;
    // which point to replace: largest |Lagrange value| at x weighted by distance from the best point
    let knew = -1;
    let bestScore = -1;
    if (sys) {
      const e = new Array<number>(npt + n + 1).fill(0);
      const dx = x.map((v, i) => v - pts[kopt][i]);
      // Lagrange function t at x: c + ĝ'd/s + ½ Σ_k λ_k (ŷ_k'd/s)², from one solve per t
      const sc = sys.scale;
      const dh = dx.map((v) => v / sc);
      const wk = sys.ys.map((y) => {
        let dp = 0;
        for (let j = 0; j < n; j++) dp += y[j] * dh[j];
        return 0.5 * dp * dp;
      });
      for (let t = 0; t < npt; t++) {
        if (t === kopt && fx >= fold) continue;
        e.fill(0);
        e[t] = 1;
        const sol = luSolve(sys.lu, e);
        let lval = sol[npt];
        for (let k = 0; k < npt; k++) lval += sol[k] * wk[k];
        for (let j = 0; j < n; j++) lval += sol[npt + 1 + j] * dh[j];
        const lv = Math.abs(lval);
        const dist2 = pts[t].reduce((s, v, i) => s + (v - pts[kopt][i]) ** 2, 0);
        const w = Math.max(1, dist2 / Math.max(delta * delta, rho * rho));
        const score = lv * w * w;
        if (score > bestScore) {
          bestScore = score;
          knew = t;
        }
      }
    } else {
      knew = kopt === 0 ? 1 : 0;
    }
    if (knew >= 0 && bestScore !== 0) replace(knew, x, fx);
    if (ftolAbs > 0 && fx < fold && fold - fx < ftolAbs) {
      ftolStop = true;
      converged = true;
      message = 'ftol_abs reached';
      break;
    }
    if (ratio < 0.1) {
      let far = -1;
      let fd = 0;
      const xb = pts[kopt];
      for (let t = 0; t < npt; t++) {
        const dist = norm(pts[t].map((v, i) => v - xb[i]));
        if (dist > fd) {
          fd = dist;
          far = t;
        }
      }
      if (far >= 0 && fd > POOR_GEOM * Math.max(delta, 2 * rho) / 2) {
        await geometryStep(far, Math.max(Math.min(0.1 * fd, delta), rho));
        continue;
      }
      if (Math.max(delta, dn) <= rho) {
        if (!reduceRho()) {
          converged = true;
          message = 'rho reached rhoend';
          break;
        }
      }
    }
  }
  if (!converged && !ftolStop) message = `maximum number of evaluations (${maxEval}) reached`;
  return { x: bestX, fval: bestF, evaluations: nf, converged, message };
}
