/**
 * Bound-constrained derivative-free minimisation after Powell's BOBYQA (2009): a quadratic model
 * interpolating f at 2n+1 points, updated by the least Frobenius-norm change of its Hessian whenever
 * a point is replaced, minimised in a trust region intersected with the bounds; a resolution ρ that
 * decreases from rhobeg to rhoend; geometry-improving steps that maximise a Lagrange function when
 * the interpolation set degenerates.
 *
 * Unlike Powell's code, the interpolation system (size 2n+1 + n+1) is solved afresh at each iteration
 * instead of being updated; the models are the same, and for the small n of mixed models (a handful
 * of θ parameters) the cost is negligible next to one objective evaluation. Vectors and matrices are
 * Float64Arrays (the interpolation system flat, row-major), the loops small functions: in a fresh
 * process they run (and are optimised) early, before the first fit ends.
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
  center: Float64Array; // point the model is expanded about (the best point)
  c: number; // value at center
  g: Float64Array;
  H: Float64Array[]; // rows
}

/** A quadratic c + g'd + ½ d'Hd in the step d. */
interface Quad {
  c: number;
  g: Float64Array;
  H: Float64Array[];
}

function zeroRows(n: number): Float64Array[] {
  const H: Float64Array[] = [];
  for (let i = 0; i < n; i++) H.push(new Float64Array(n));
  return H;
}

function modelValue(m: Model, x: ArrayLike<number>): number {
  const n = m.g.length;
  let lin = 0, quad = 0;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = x[i] - m.center[i];
  for (let i = 0; i < n; i++) {
    lin += m.g[i] * d[i];
    const Hi = m.H[i];
    let s = 0;
    for (let j = 0; j < n; j++) s += Hi[j] * d[j];
    quad += d[i] * s;
  }
  return m.c + lin + 0.5 * quad;
}

function recenter(m: Model, x: Float64Array): Model {
  const n = m.g.length;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = x[i] - m.center[i];
  const g = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const Hi = m.H[i];
    let s = m.g[i];
    for (let j = 0; j < n; j++) s += Hi[j] * d[j];
    g[i] = s;
  }
  return { center: x.slice(), c: modelValue(m, x), g, H: m.H.map((r) => r.slice()) };
}

function evalQuad(q: Quad, d: ArrayLike<number>): number {
  const n = q.g.length;
  let v = q.c;
  for (let i = 0; i < n; i++) {
    v += q.g[i] * d[i];
    const Hi = q.H[i];
    let s = 0;
    for (let j = 0; j < n; j++) s += Hi[j] * d[j];
    v += 0.5 * d[i] * s;
  }
  return v;
}

/** Smallest eigenvalue estimate of a small symmetric matrix (Gershgorin-free: via Jacobi). */
function minCurvature(H: Float64Array[]): number {
  return symmetricEigenvalues(H)[0];
}

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** ‖a − b‖ */
function dist(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i] - b[i];
    s += v * v;
  }
  return Math.sqrt(s);
}

/** x clamped to [lo, hi] after adding d (d absent: x itself). */
function clampStep(x: ArrayLike<number>, d: ArrayLike<number> | null, lo: ArrayLike<number>, hi: ArrayLike<number>): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.min(hi[i], Math.max(lo[i], d ? x[i] + d[i] : x[i]));
  return out;
}

/** The interpolation system about the best point, its offsets scaled by the largest distance. */
interface System {
  lu: LU;
  scale: number;
  ys: Float64Array[]; // scaled offsets ŷ_k
}

/**
 * The KKT matrix of the least Frobenius-norm interpolation (row-major, N = npt + n + 1) at the
 * scaled offsets ys: [½(ŷᵢ'ŷₖ)², 1, ŷᵢ'; 1, 0, 0; ŷₖ, 0, 0].
 */
function kktMatrix(ys: Float64Array[], n: number, K: Float64Array): void {
  const npt = ys.length;
  const N = npt + n + 1;
  K.fill(0);
  for (let i = 0; i < npt; i++) {
    const yi = ys[i];
    for (let k = 0; k <= i; k++) {
      const yk = ys[k];
      let dp = 0;
      for (let j = 0; j < n; j++) dp += yi[j] * yk[j];
      K[i * N + k] = K[k * N + i] = 0.5 * dp * dp;
    }
    K[i * N + npt] = K[npt * N + i] = 1;
    for (let j = 0; j < n; j++) K[i * N + npt + 1 + j] = K[(npt + 1 + j) * N + i] = yi[j];
  }
}

/** H += Σₖ λₖ yₖyₖ' with λₖ = sol[k] / s² (the Hessian of the least-change interpolant). */
function addHessian(H: Float64Array[], sol: Float64Array, ys: Float64Array[], s: number): void {
  const n = H.length;
  for (let k = 0; k < ys.length; k++) {
    const lam = sol[k] / (s * s);
    if (lam === 0) continue;
    const y = ys[k];
    for (let i = 0; i < n; i++) {
      const Hi = H[i];
      for (let j = 0; j < n; j++) Hi[j] += lam * y[i] * y[j];
    }
  }
}

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
  const lo = Float64Array.from(lower);
  const hi = Float64Array.from(upper);
  const start = new Float64Array(n);
  for (let i = 0; i < n; i++) start[i] = Math.min(hi[i], Math.max(lo[i], x0[i]));
  let rhobeg = opts.rhobeg ?? 0.2 * Math.max(1, ...Array.from(start, Math.abs));
  for (let i = 0; i < n; i++) if (hi[i] - lo[i] < 2 * rhobeg) rhobeg = Math.max(1e-12, (hi[i] - lo[i]) / 2);
  const rhoend = Math.min(opts.rhoend ?? 1e-7, rhobeg);
  const maxEval = opts.maxEval ?? 10000;
  const ftolAbs = opts.ftolAbs ?? 0;
  const ftolRel = opts.ftolRel ?? 0;
  let rhoStop = false;
  const stage = opts.stage ?? 'optimizing';
  let nf = 0;
  let bestF = Infinity;
  let bestX: number[] = Array.from(start);

  const evaluate = async (x: ArrayLike<number>): Promise<number> => {
    if (opts.ticker) await opts.ticker.tick({ stage, evaluations: nf, objective: Number.isFinite(bestF) ? bestF : undefined });
    const xc = clampStep(x, null, lo, hi);
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
  const pts: Float64Array[] = [start.slice()];
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
  const N = npt + n + 1;
  const fv = new Float64Array(npt);
  for (let k = 0; k < npt; k++) fv[k] = await evaluate(pts[k]);

  const finite = (v: number): number => (Number.isFinite(v) ? v : Number.MAX_VALUE / 1e10);
  let kopt = 0;
  for (let k = 1; k < npt; k++) if (fv[k] < fv[kopt]) kopt = k;

  // buffers reused from iteration to iteration
  const K = new Float64Array(N * N);
  const rhs = new Float64Array(N);
  const sol = new Float64Array(N);
  const buildSystem = (): System | null => {
    const xo = pts[kopt];
    let scale = 0;
    const ys: Float64Array[] = [];
    for (let k = 0; k < npt; k++) {
      const y = new Float64Array(n);
      const p = pts[k];
      for (let i = 0; i < n; i++) y[i] = p[i] - xo[i];
      scale = Math.max(scale, norm(y));
      ys.push(y);
    }
    if (!(scale > 0)) return null;
    for (const y of ys) for (let i = 0; i < n; i++) y[i] = y[i] / scale;
    kktMatrix(ys, n, K);
    const lu = luFactor(K, N);
    return lu ? { lu, scale, ys } : null;
  };
  /** The quadratic (about pts[kopt]) of least Frobenius-norm Hessian taking values r at the points. */
  const interpolant = (sys: System, r: Float64Array): Quad => {
    rhs.fill(0);
    rhs.set(r);
    luSolve(sys.lu, rhs, sol);
    const s = sys.scale;
    const H = zeroRows(n);
    addHessian(H, sol, sys.ys, s);
    const g = new Float64Array(n);
    for (let j = 0; j < n; j++) g[j] = sol[npt + 1 + j] / s;
    return { c: sol[npt], g, H };
  };

  let sys = buildSystem();
  let model: Model = { center: pts[kopt].slice(), c: fv[kopt], g: new Float64Array(n), H: zeroRows(n) };
  const resid = new Float64Array(npt);
  const refit = (): void => {
    // new model = old model + least-change correction interpolating the current values
    sys = buildSystem();
    const base = recenter(model, pts[kopt]);
    if (!sys) {
      model = base;
      return;
    }
    for (let k = 0; k < npt; k++) resid[k] = finite(fv[k]) - modelValue(base, pts[k]);
    const corr = interpolant(sys, resid);
    for (let i = 0; i < n; i++) {
      base.g[i] = base.g[i] + corr.g[i];
      const Hi = base.H[i], Ci = corr.H[i];
      for (let j = 0; j < n; j++) Hi[j] = Hi[j] + Ci[j];
    }
    model = { center: pts[kopt].slice(), c: base.c + corr.c, g: base.g, H: base.H };
  };
  refit();
  const unit = new Float64Array(npt);
  const lagrange = (k: number): Quad | null => {
    if (!sys) return null;
    unit.fill(0);
    unit[k] = 1;
    return interpolant(sys, unit);
  };

  let rho = rhobeg;
  let delta = rhobeg;
  let converged = false;
  let message = '';
  let ftolStop = false;

  /** Replace point k by x (value fx), keep kopt and the model current. */
  const replace = (k: number, x: Float64Array, fx: number): void => {
    pts[k] = x.slice();
    fv[k] = fx;
    kopt = 0;
    for (let t = 1; t < npt; t++) if (fv[t] < fv[kopt]) kopt = t;
    refit();
  };

  /** The bounds as steps from xo: sl = lo − xo, su = hi − xo. */
  const stepBounds = (xo: Float64Array): { sl: number[]; su: number[] } => {
    const sl: number[] = [], su: number[] = [];
    for (let i = 0; i < n; i++) {
      sl.push(lo[i] - xo[i]);
      su.push(hi[i] - xo[i]);
    }
    return { sl, su };
  };

  /** The point farthest from the best one, and its distance. */
  const farthest = (): { far: number; fd: number } => {
    let far = -1;
    let fd = 0;
    const xo = pts[kopt];
    for (let t = 0; t < npt; t++) {
      const d = dist(pts[t], xo);
      if (d > fd) {
        fd = d;
        far = t;
      }
    }
    return { far, fd };
  };

  /** Geometry step: move point k to where its Lagrange function is largest within radius r. */
  const geometryStep = async (k: number, r: number): Promise<void> => {
    const L = lagrange(k);
    const xo = pts[kopt];
    const { sl, su } = stepBounds(xo);
    const dirs: Float64Array[] = [];
    for (let t = 0; t < npt; t++) {
      if (t === kopt) continue;
      const dir = new Float64Array(n);
      for (let i = 0; i < n; i++) dir[i] = pts[t][i] - xo[i];
      dirs.push(dir);
    }
    for (let i = 0; i < n; i++) {
      const e = new Float64Array(n);
      e[i] = 1;
      dirs.push(e);
    }
    if (L) dirs.push(L.g.slice());
    let bestD: Float64Array | null = null;
    let bestV = -1;
    for (const dir of dirs) {
      const dn = norm(dir);
      if (!(dn > 0)) continue;
      for (let sign = 1; sign >= -1; sign -= 2) {
        let a = (sign * r) / dn;
        // shorten to stay within bounds
        for (let i = 0; i < n; i++) {
          const di = a * dir[i];
          if (di > su[i]) a = su[i] / dir[i];
          else if (di < sl[i]) a = sl[i] / dir[i];
        }
        const d = new Float64Array(n);
        for (let i = 0; i < n; i++) d[i] = a * dir[i];
        if (norm(d) < 1e-3 * r) continue;
        const v = L ? Math.abs(evalQuad(L, d)) : norm(d);
        if (v > bestV) {
          bestV = v;
          bestD = d;
        }
      }
    }
    if (!bestD) return;
    const x = clampStep(xo, bestD, lo, hi);
    const fx = await evaluate(x);
    replace(k, x, fx);
  };

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

  const wk = new Float64Array(npt);
  const dh = new Float64Array(n);
  const lsol = new Float64Array(N);
  /** Which point x replaces: the largest |Lagrange value| at x weighted by distance from the best point (-1: none). */
  const pointToReplace = (s: System, x: Float64Array, skipBest: boolean): { knew: number; bestScore: number } => {
    const xb = pts[kopt];
    // Lagrange function t at x: c + ĝ'd/s + ½ Σ_k λ_k (ŷ_k'd/s)², from one solve per t
    const sc = s.scale;
    for (let i = 0; i < n; i++) dh[i] = (x[i] - xb[i]) / sc;
    for (let k = 0; k < npt; k++) {
      const y = s.ys[k];
      let dp = 0;
      for (let j = 0; j < n; j++) dp += y[j] * dh[j];
      wk[k] = 0.5 * dp * dp;
    }
    let knew = -1;
    let bestScore = -1;
    for (let t = 0; t < npt; t++) {
      if (t === kopt && skipBest) continue;
      unit.fill(0);
      unit[t] = 1;
      rhs.fill(0);
      rhs.set(unit);
      luSolve(s.lu, rhs, lsol);
      let lval = lsol[npt];
      for (let k = 0; k < npt; k++) lval += lsol[k] * wk[k];
      for (let j = 0; j < n; j++) lval += lsol[npt + 1 + j] * dh[j];
      const lv = Math.abs(lval);
      const pt = pts[t];
      let dist2 = 0;
      for (let i = 0; i < n; i++) dist2 = dist2 + (pt[i] - xb[i]) ** 2;
      const w = Math.max(1, dist2 / Math.max(delta * delta, rho * rho));
      const score = lv * w * w;
      if (score > bestScore) {
        bestScore = score;
        knew = t;
      }
    }
    return { knew, bestScore };
  };

  while (nf < maxEval) {
    const xo = pts[kopt];
    const { sl, su } = stepBounds(xo);
    const d = trsbox(model.g, model.H, delta, sl, su);
    const dn = norm(d);
    if (!(dn >= 0.5 * rho)) {
      // the model's minimiser is close: check geometry at this resolution, else refine ρ
      const { far, fd } = farthest();
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
    const x = clampStep(xo, d, lo, hi);
    const pred = -evalQuad({ c: 0, g: model.g, H: model.H }, d);
    const fold = fv[kopt];
    const fx = await evaluate(x);
    recentErr.push(Math.abs(fx - fold + pred));
    const ratio = pred > 0 ? (fold - fx) / pred : fx < fold ? 1 : -1;
    if (ratio <= 0.1) delta = Math.min(0.5 * delta, dn);
    else if (ratio <= 0.7) delta = Math.max(0.5 * delta, dn);
    else delta = Math.max(0.5 * delta, 2 * dn);
    if (delta <= 1.5 * rho) delta = rho;
    const { knew, bestScore } = sys ? pointToReplace(sys, x, fx >= fold) : { knew: kopt === 0 ? 1 : 0, bestScore: -1 };
    if (knew >= 0 && bestScore !== 0) replace(knew, x, fx);
    if (ftolAbs > 0 && fx < fold && fold - fx < ftolAbs) {
      ftolStop = true;
      converged = true;
      message = 'ftol_abs reached';
      break;
    }
    if (ratio < 0.1) {
      const { far, fd } = farthest();
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
