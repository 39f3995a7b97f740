/**
 * Profile-likelihood confidence intervals as lme4's confint(method = "profile"): for each
 * parameter, the signed square root of the deviance increase when the parameter is held fixed and
 * all others are re-optimised, ζ(x) = sign(x − x̂) √(dev(x) − dev(x̂)); the interval is where
 * |ζ| ≤ Φ⁻¹((1 + level)/2). As in lme4 the deviance is the ML deviance (a REML fit is refitted by ML
 * first), random-effect parameters are on the standard deviation / correlation scale and include
 * σ, and fixed effects are profiled by refitting with the coefficient's column moved to the offset.
 * lme4 interpolates ζ with splines on a grid; we solve ζ(x) = ±z directly (secant with bracketing).
 * Also Wald intervals for the fixed effects (estimate ± z·SE, lme4's method = "Wald").
 */
import type { ModelFrame } from '../frame/types';
import { MlmError } from '../diagnostics';
import { Ticker, type FitHooks } from '../hooks';
import type { FitResult } from '../result';
import type { LinearMixedModel } from '../lmm';
import { minimize } from '../optim/bobyqa';
import { qnorm } from './distributions';
import { formatColumn, printMatrix } from './rformat';

export interface ConfintTable {
  method: 'profile' | 'Wald' | 'bootstrap';
  level: number;
  /** lme4's row names: '.sig01', '.sig02', ..., '.sigma', then the coefficient names. */
  names: string[];
  /** Readable labels as lme4's oldNames = FALSE: 'sd_(Intercept)|Subject', 'cor_Days.(Intercept)|Subject', 'sigma', coefficient names. */
  labels: string[];
  /** Point estimates the intervals were profiled around (ML estimates for profile intervals). */
  estimates: number[];
  lower: (number | null)[];
  upper: (number | null)[];
  notes: string[];
}

/** Wald intervals for the fixed effects: estimate ± Φ⁻¹((1+level)/2) · SE. */
export function waldConfint(result: FitResult, level = 0.95): ConfintTable {
  const z = qnorm((1 + level) / 2);
  const est = result.coefnames.map((n) => result.fixef[n]);
  return {
    method: 'Wald',
    level,
    names: [...result.coefnames],
    labels: [...result.coefnames],
    estimates: est,
    lower: result.coefnames.map((n, i) => est[i] - z * result.se[n]),
    upper: result.coefnames.map((n, i) => est[i] + z * result.se[n]),
    notes: [],
  };
}

// ---------- the (sd, cor, sigma) parametrisation ----------

export interface ParSpec {
  kind: 'sd' | 'cor' | 'sigma';
  label: string;
}

/** Names and kinds of the variance parameters, in θ's layout (per term, lower triangle by columns), then sigma. */
export function varParSpecs(frame: ModelFrame): ParSpec[] {
  const out: ParSpec[] = [];
  for (const t of frame.reTerms) {
    for (let c = 0; c < t.k; c++) {
      for (let r = c; r < t.k; r++) {
        if (r === c) out.push({ kind: 'sd', label: `sd_${t.termNames[r]}|${t.group}` });
        else out.push({ kind: 'cor', label: `cor_${t.termNames[r]}.${t.termNames[c]}|${t.group}` });
      }
    }
  }
  out.push({ kind: 'sigma', label: 'sigma' });
  return out;
}

/** (θ, σ) to (sd, cor, ..., σ). */
export function thetaToSdCor(ks: number[], theta: ArrayLike<number>, sigma: number): number[] {
  const out: number[] = [];
  let ti = 0;
  for (const k of ks) {
    const L = new Float64Array(k * k);
    for (let c = 0; c < k; c++) for (let r = c; r < k; r++) L[r + c * k] = theta[ti++];
    const S = new Float64Array(k * k); // Σ/σ² = L L'
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let m = 0; m < k; m++) s += L[i + m * k] * L[j + m * k];
        S[i + j * k] = s;
      }
    for (let c = 0; c < k; c++)
      for (let r = c; r < k; r++) {
        if (r === c) out.push(sigma * Math.sqrt(S[r + r * k]));
        else {
          const d = Math.sqrt(S[r + r * k] * S[c + c * k]);
          out.push(d > 0 ? S[r + c * k] / d : 0);
        }
      }
  }
  out.push(sigma);
  return out;
}

/** (sd, cor, ..., σ) to (θ, σ); null when a correlation block is not positive semi-definite. */
export function sdCorToTheta(ks: number[], par: ArrayLike<number>): { theta: number[]; sigma: number } | null {
  const sigma = par[par.length - 1];
  const theta: number[] = [];
  let pi = 0;
  for (const k of ks) {
    const sd = new Float64Array(k);
    const R = new Float64Array(k * k);
    for (let c = 0; c < k; c++)
      for (let r = c; r < k; r++) {
        const v = par[pi++];
        if (r === c) {
          sd[r] = v;
          R[r + r * k] = 1;
        } else R[r + c * k] = R[c + r * k] = v;
      }
    // Cholesky of Σ/σ² = D R D / σ²
    const A = new Float64Array(k * k);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) A[i + j * k] = (sd[i] * R[i + j * k] * sd[j]) / (sigma * sigma);
    const L = new Float64Array(k * k);
    for (let j = 0; j < k; j++) {
      let d = A[j + j * k];
      for (let m = 0; m < j; m++) d -= L[j + m * k] ** 2;
      if (d < -1e-12) return null;
      const ljj = Math.sqrt(Math.max(d, 0));
      L[j + j * k] = ljj;
      for (let i = j + 1; i < k; i++) {
        let s = A[i + j * k];
        for (let m = 0; m < j; m++) s -= L[i + m * k] * L[j + m * k];
        L[i + j * k] = ljj > 0 ? s / ljj : 0;
      }
    }
    for (let c = 0; c < k; c++) for (let r = c; r < k; r++) theta.push(L[r + c * k]);
  }
  return { theta, sigma };
}

// Unconstrained coordinates for the inner optimisation: log for sds and sigma, atanh for correlations.
const SD_FLOOR = 1e-10;
export function toFree(kind: ParSpec['kind'], v: number): number {
  if (kind === 'cor') return Math.atanh(Math.max(-0.999999, Math.min(0.999999, v)));
  return Math.log(Math.max(v, SD_FLOOR));
}
export function fromFree(kind: ParSpec['kind'], u: number): number {
  return kind === 'cor' ? Math.tanh(u) : Math.exp(u);
}

export interface ProfileOptions {
  level?: number;
  /** Which parameters to profile, by name ('.sig01', '.sigma', '(Intercept)'); default all. */
  which?: string[];
}

interface ZetaPoint {
  x: number;
  zeta: number;
}

/** Finds x with ζ(x) = target on the side given by dir (+1 above the estimate, −1 below). */
export async function solveSide(
  zeta: (x: number) => Promise<number>,
  est: number,
  dir: 1 | -1,
  target: number,
  scale: { toU: (x: number) => number; fromU: (u: number) => number; uMin: number; uMax: number; step: number },
): Promise<number | null> {
  const u0 = scale.toU(est);
  let prev: ZetaPoint = { x: u0, zeta: 0 };
  let step = scale.step;
  let cur: ZetaPoint | null = null;
  // march outwards, extrapolating linearly in ζ, until the target is bracketed
  for (let iter = 0; iter < 40; iter++) {
    let u = prev.x + dir * step;
    if (u <= scale.uMin || u >= scale.uMax) {
      const edge = dir > 0 ? scale.uMax : scale.uMin;
      if (!Number.isFinite(edge)) u = prev.x + dir * step;
      else {
        const zEdge = await zeta(scale.fromU(edge));
        if (Math.abs(zEdge) < Math.abs(target)) return scale.fromU(edge); // interval reaches the boundary
        cur = { x: edge, zeta: zEdge };
        break;
      }
    }
    const z = await zeta(scale.fromU(u));
    const p: ZetaPoint = { x: u, zeta: z };
    if (Math.abs(z) >= Math.abs(target)) {
      cur = p;
      break;
    }
    // next step from the local slope, at most 4× the last step
    const slope = (p.zeta - prev.zeta) / (p.x - prev.x);
    const need = slope !== 0 ? (target - p.zeta) / slope : Infinity;
    const nextStep = Number.isFinite(need) && need * dir > 0 ? Math.min(Math.abs(need) * 1.1, 4 * step) : 2 * step;
    prev = p;
    step = Math.max(nextStep, 1e-6);
  }
  if (!cur) return null;
  // Illinois regula falsi between prev (|ζ| < |target|) and cur (|ζ| ≥ |target|)
  let a = prev;
  let b = cur;
  let fa = a.zeta - target;
  let fb = b.zeta - target;
  let side = 0;
  for (let iter = 0; iter < 60; iter++) {
    const u = (a.x * fb - b.x * fa) / (fb - fa);
    const z = await zeta(scale.fromU(u));
    const fu = z - target;
    if (Math.abs(fu) < 1e-7 || Math.abs(b.x - a.x) < 1e-12 * Math.max(1, Math.abs(u))) return scale.fromU(u);
    if (fu * fb > 0) {
      b = { x: u, zeta: z };
      fb = fu;
      if (side === -1) fa /= 2;
      side = -1;
    } else {
      a = { x: u, zeta: z };
      fa = fu;
      if (side === 1) fb /= 2;
      side = 1;
    }
  }
  return scale.fromU((a.x + b.x) / 2);
}

/** Profile-likelihood confidence intervals of an LMM fit (gaussian only). */
export async function profileConfint(model: LinearMixedModel, result: FitResult, opts: ProfileOptions = {}, hooks?: FitHooks): Promise<ConfintTable> {
  const frame = model.frame;
  if (result.family !== 'gaussian') {
    throw new MlmError({ code: 'profile-glmm', message: 'Profile intervals are available for linear mixed models; use bootstrap intervals for GLMMs.' });
  }
  const level = opts.level ?? 0.95;
  const z = qnorm((1 + level) / 2);
  const ticker = new Ticker(hooks);
  const notes: string[] = [];
  if (result.REML) notes.push('Profiles use the ML deviance (the REML fit is refitted by ML), as lme4 does.');

  // ML fit
  const ml = model.withREML(false);
  const ks = frame.reTerms.map((t) => t.k);
  const fit = await minimize((th) => ml.objective(th), result.theta, ml.lower, ml.lower.map(() => Infinity), {
    ticker,
    rhobeg: 0.2,
    rhoend: 1e-8,
    stage: 'profile: ML refit',
  });
  const thetaHat = fit.x;
  const base = ml.objective(thetaHat);
  const sigmaHat = ml.sigma();
  const betaHat = Array.from(ml.beta());
  const seHat = (() => {
    const v = ml.vcovBeta(thetaHat, sigmaHat);
    const p = frame.p;
    return Array.from({ length: p }, (_, j) => Math.sqrt(v[j + j * p]));
  })();
  const specs = varParSpecs(frame);
  const parHat = thetaToSdCor(ks, thetaHat, sigmaHat);
  const nv = specs.length;
  const names = [...specs.map((s, i) => (s.kind === 'sigma' ? '.sigma' : `.sig${String(i + 1).padStart(2, '0')}`)), ...frame.coefnames];
  const labels = [...specs.map((s) => s.label), ...frame.coefnames];
  const estimates = [...parHat, ...betaHat];
  const lower: (number | null)[] = names.map(() => null);
  const upper: (number | null)[] = names.map(() => null);
  const wanted = (name: string) => !opts.which || opts.which.includes(name);
  const total = names.filter(wanted).length;
  let done = 0;

  const devAt = (par: number[]): number => {
    const tp = sdCorToTheta(ks, par);
    if (!tp || !(tp.sigma > 0)) return Infinity;
    return ml.objectiveAt(tp.theta, tp.sigma);
  };

  // variance parameters
  for (let w = 0; w < nv; w++) {
    if (!wanted(names[w])) continue;
    hooks?.onProgress?.({ stage: `profile ${names[w]}`, evaluations: 0, fraction: done / total });
    const others = specs.map((_, i) => i).filter((i) => i !== w);
    let start = others.map((i) => toFree(specs[i].kind, parHat[i]));
    const zeta = async (x: number): Promise<number> => {
      const f = (u: Float64Array): number => {
        const par = parHat.slice();
        par[w] = x;
        others.forEach((i, j) => (par[i] = fromFree(specs[i].kind, u[j])));
        return devAt(par);
      };
      let dev: number;
      if (others.length === 0) dev = f(new Float64Array(0));
      else {
        const r = await minimize(f, start, others.map(() => -Infinity), others.map(() => Infinity), { ticker, rhobeg: 0.1, rhoend: 1e-8, stage: `profile ${names[w]}` });
        start = r.x;
        dev = r.fval;
      }
      const d = Math.max(0, dev - base);
      return Math.sign(x - parHat[w]) * Math.sqrt(d);
    };
    const kind = specs[w].kind;
    const scale =
      kind === 'cor'
        ? { toU: (x: number) => Math.atanh(Math.max(-1, Math.min(1, x))), fromU: (u: number) => Math.tanh(u), uMin: -Math.atanh(0.9999999), uMax: Math.atanh(0.9999999), step: 0.2 }
        : { toU: (x: number) => Math.log(x), fromU: (u: number) => Math.exp(u), uMin: Math.log(Math.max(parHat[w], 1e-8) * 1e-6), uMax: Infinity, step: 0.1 };
    if (kind !== 'cor' && !(parHat[w] > 1e-8)) {
      // on the boundary: the lower limit is 0
      lower[w] = 0;
      start = others.map((i) => toFree(specs[i].kind, parHat[i]));
      upper[w] = await solveSide(zeta, Math.max(parHat[w], 1e-6), 1, z, { ...scale, uMin: -Infinity });
    } else {
      const lo = await solveSide(zeta, parHat[w], -1, -z, scale);
      lower[w] = lo !== null && kind !== 'cor' && lo <= Math.exp(scale.uMin) * 1.0000001 ? 0 : lo;
      if (kind === 'cor' && lo !== null && lo <= -0.9999999) lower[w] = -1;
      start = others.map((i) => toFree(specs[i].kind, parHat[i]));
      const hi = await solveSide(zeta, parHat[w], 1, z, scale);
      upper[w] = kind === 'cor' && hi !== null && hi >= 0.9999999 ? 1 : hi;
    }
    done++;
  }

  // fixed effects: refit with column j moved into the offset
  for (let j = 0; j < frame.p; j++) {
    const name = frame.coefnames[j];
    if (!wanted(name)) continue;
    hooks?.onProgress?.({ stage: `profile ${name}`, evaluations: 0, fraction: done / total });
    let thStart = thetaHat.slice();
    const zeta = async (x: number): Promise<number> => {
      const m = model.withFixedCoef(j, x);
      const r = await minimize((th) => m.objective(th), thStart, m.lower, m.lower.map(() => Infinity), { ticker, rhobeg: 0.05, rhoend: 1e-8, stage: `profile ${name}` });
      thStart = r.x;
      const d = Math.max(0, r.fval - base);
      return Math.sign(x - betaHat[j]) * Math.sqrt(d);
    };
    const se = seHat[j] > 0 ? seHat[j] : Math.max(1e-8, Math.abs(betaHat[j]) * 1e-3);
    const scale = { toU: (x: number) => x, fromU: (u: number) => u, uMin: -Infinity, uMax: Infinity, step: z * se };
    lower[nv + j] = await solveSide(zeta, betaHat[j], -1, -z, scale);
    thStart = thetaHat.slice();
    upper[nv + j] = await solveSide(zeta, betaHat[j], 1, z, scale);
    done++;
  }
  hooks?.onProgress?.({ stage: 'profile', evaluations: 0, fraction: 1 });
  // leave nothing half-evaluated: keep names/labels for the rows asked for
  const keep = names.map((nm) => wanted(nm));
  const pick = <T>(a: T[]) => a.filter((_, i) => keep[i]);
  return { method: 'profile', level, names: pick(names), labels: pick(labels), estimates: pick(estimates), lower: pick(lower), upper: pick(upper), notes };
}

/** Prints an interval table as R prints confint()'s matrix (columns '2.5 %' and '97.5 %', 7 significant digits). */
export function formatConfint(table: ConfintTable, useLabels = false): string {
  const a = (1 - table.level) / 2;
  const pct = (x: number) => `${parseFloat((100 * x).toPrecision(3))} %`;
  const rows = useLabels ? table.labels : table.names;
  const lines = printMatrix(rows, [pct(a), pct(1 - a)], rows.map(() => ['', '']).map((_, i) => [formatColumn(table.lower, 7)[i], formatColumn(table.upper, 7)[i]]));
  return lines.join('\n');
}
