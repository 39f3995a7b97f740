/**
 * The variance of a prediction with random effects, x'β̂ + z'b̂, as an error of estimating x'β + z'b:
 * the joint conditional covariance of (β̂, b̂) from the penalized least-squares system (Henderson's
 * mixed-model equations). With A = Λ'Z'WZΛ + I (the random-effects block of the PLS system),
 * B = Λ'Z'WX and a = Λ'z, the inverse of the full system gives
 *
 *   Var = σ²·a'A⁻¹a + d'V_β d,   d = x − B'A⁻¹a,
 *
 * i.e. the conditional variance of z'b given β (lme4's condVar, with every covariance between the
 * row's effects, within a group and across crossed or nested terms) plus the fixed part, carried
 * through the correlation between β̂ and b̂ (d rather than x). For a linear mixed model V_β = σ²(X'WX −
 * B'A⁻¹B)⁻¹ is vcov(β̂), so this is exactly [a; x]'σ²M⁻¹[a; x] with M the PLS matrix; for a binomial or
 * Poisson GLMM, W are the working weights at the conditional modes (as glmer's condVar) and V_β is the
 * fit's vcov.
 *
 * Nothing n×n: the term with the most levels is block diagonal (k×k per level); the other terms' q₂
 * effects form a dense Schur complement, factored once (q₂ ≤ CONDVAR_MAX_DENSE).
 */
import type { ModelFrame } from '../frame/types';
import type { FitResult } from '../result';
import type { LinkName } from '../frame/types';
import { ReTerms } from '../lmm/reterms';
import { backSolveT, cholLower, cholSmall, forwardSolve, invLower } from '../linalg/dense';
import { makeFamily } from '../glmm/family';
import { fittedValues } from './predict';

/** Above this many effects outside the largest term, the dense Schur complement is not formed. */
export const CONDVAR_MAX_DENSE = 3000;

/** One random-effects column of a new row: term (index in frame.reTerms), level index in that term, column, z value. */
export interface ReEntry {
  term: number;
  level: number;
  col: number;
  z: number;
}

/** Why the exact variance is not available for a fit (then the caller falls back), or null. */
export function condVarUnavailable(frame: ModelFrame, result: FitResult): string | null {
  if (result.fitter === 'nlme') return "models with nlme's residual structures";
  if (frame.blocks) return 'data aggregated by SQL (the rows are not in memory)';
  if (result.dispersion) return `the ${result.family} family`;
  if (frame.reTerms.length === 0) return 'models without random effects';
  const big = largestTerm(frame);
  const q2 = frame.reTerms.reduce((s, t, i) => s + (i === big ? 0 : t.k * t.levels.length), 0);
  if (q2 > CONDVAR_MAX_DENSE) return `models with more than ${CONDVAR_MAX_DENSE} random effects outside the largest term`;
  return null;
}

function largestTerm(frame: ModelFrame): number {
  let best = 0;
  frame.reTerms.forEach((t, i) => {
    if (t.levels.length > frame.reTerms[best].levels.length) best = i;
  });
  return best;
}

/**
 * The factored system for one fit; `variance(x, entries)` per new row. Throws when
 * condVarUnavailable(frame, result) is not null.
 */
export class PredictionVariance {
  private readonly p: number;
  private readonly k1: number;
  private readonly big: number;
  /** offsets of the other terms in the dense part (-1 for the big term) */
  private readonly restOff: number[];
  private readonly q2: number;
  private readonly lam: { data: Float64Array; offsets: number[] };
  /** Cholesky factors of the k1×k1 blocks D_j (column-major, lower) */
  private readonly Dl: Float64Array;
  /** per level of the big term: the dense indices it couples to and u_r = L_j⁻¹ v_r (k1 each) */
  private readonly nzIdx: Int32Array[];
  private readonly nzU: Float64Array[];
  /** Cholesky factor of the Schur complement S₂₂ (q2×q2, column-major lower) and its inverse */
  private readonly L22: Float64Array;
  /** L₂₂⁻¹, formed once enough rows have been asked for (before that, forward solves) */
  private L22inv: Float64Array | null = null;
  private calls = 0;
  private readonly inverseAfter: number;
  /** scratch vectors of length q2 for variance() */
  private readonly r2: Float64Array;
  private readonly w2: Float64Array;
  /** C = A⁻¹B split into the big term's rows (q1×p) and the others (q2×p), row-major */
  private readonly C1: Float64Array;
  private readonly C2: Float64Array;
  private readonly s2: number;
  private readonly V: number[][];

  /**
   * @param opts.inverseAfter after this many rows L₂₂⁻¹ is formed (q₂³/3 once, then q₂ per nonzero of a row
   * instead of q₂²/2 per row); default 2q₂/3, where the two costs meet
   */
  constructor(
    readonly frame: ModelFrame,
    readonly result: FitResult,
    opts: { inverseAfter?: number } = {},
  ) {
    const why = condVarUnavailable(frame, result);
    if (why) throw new Error(`the conditional variance of predictions is not available for ${why}`);
    const { n, p } = frame;
    this.p = p;
    const terms = frame.reTerms;
    const big = largestTerm(frame);
    this.big = big;
    const k1 = terms[big].k;
    this.k1 = k1;
    const L1 = terms[big].levels.length;
    const restOff: number[] = [];
    let q2 = 0;
    terms.forEach((t, i) => {
      restOff.push(i === big ? -1 : q2);
      if (i !== big) q2 += t.k * t.levels.length;
    });
    this.restOff = restOff;
    this.q2 = q2;
    this.lam = new ReTerms(terms).lambdaBlocks(result.theta);
    this.s2 = result.family === 'gaussian' ? result.sigma * result.sigma : 1;
    this.V = result.vcov;
    const w = this.weights();
    // accumulate D (k1×k1 per level), A12 (per level: dense index → k1 vector), A22, B1 (q1×p), B2 (q2×p)
    const D = new Float64Array(L1 * k1 * k1);
    const A12: Map<number, Float64Array>[] = Array.from({ length: L1 }, () => new Map());
    const A22 = new Float64Array(q2 * q2);
    const B1 = new Float64Array(L1 * k1 * p);
    const B2 = new Float64Array(q2 * p);
    const g = terms.map((t) => new Float64Array(t.k));
    const idx2: number[] = [];
    const val2: number[] = [];
    for (let i = 0; i < n; i++) {
      const wi = w ? w[i] : 1;
      if (wi === 0) continue;
      terms.forEach((t, ti) => this.lambdaZ(ti, (a) => t.Z[i + a * n], g[ti]));
      const j = terms[big].refs[i];
      const g1 = g[big];
      for (let a = 0; a < k1; a++) {
        for (let c = 0; c < k1; c++) D[j * k1 * k1 + a + c * k1] += wi * g1[a] * g1[c];
        for (let col = 0; col < p; col++) B1[(j * k1 + a) * p + col] += wi * g1[a] * frame.X[i + col * n];
      }
      idx2.length = 0;
      val2.length = 0;
      terms.forEach((t, ti) => {
        if (ti === big) return;
        const base = restOff[ti] + t.refs[i] * t.k;
        for (let c = 0; c < t.k; c++) {
          idx2.push(base + c);
          val2.push(g[ti][c]);
        }
      });
      for (let u = 0; u < idx2.length; u++) {
        const r = idx2[u], vr = wi * val2[u];
        let e = A12[j].get(r);
        if (!e) A12[j].set(r, (e = new Float64Array(k1)));
        for (let a = 0; a < k1; a++) e[a] += vr * g1[a];
        for (let v = 0; v < idx2.length; v++) A22[r + idx2[v] * q2] += vr * val2[v];
        for (let col = 0; col < p; col++) B2[r * p + col] += vr * frame.X[i + col * n];
      }
    }
    for (let j = 0; j < L1; j++) {
      for (let a = 0; a < k1; a++) D[j * k1 * k1 + a + a * k1] += 1;
      if (!cholSmall(D, j * k1 * k1, k1)) throw new Error('the random-effects block is not positive definite');
    }
    for (let r = 0; r < q2; r++) A22[r + r * q2] += 1;
    // u_r = L_j⁻¹ v_r; S₂₂ = A₂₂ − Σ_j Σ_{r,s} u_r·u_s (lower triangle only: the upper one is never read again)
    this.Dl = D;
    this.nzIdx = [];
    this.nzU = [];
    for (let j = 0; j < L1; j++) {
      // sorted, so the update below touches only the lower triangle (all cholLower reads)
      const keys = Int32Array.from(A12[j].keys()).sort();
      const U = new Float64Array(keys.length * k1);
      keys.forEach((r, m) => {
        U.set(A12[j].get(r)!, m * k1);
        this.lowerSolve(j, U, m * k1);
      });
      for (let m2 = 0; m2 < keys.length; m2++) {
        const col = keys[m2] * q2;
        for (let m1 = m2; m1 < keys.length; m1++) {
          let s = 0;
          for (let a = 0; a < k1; a++) s += U[m1 * k1 + a] * U[m2 * k1 + a];
          A22[keys[m1] + col] -= s;
        }
      }
      this.nzIdx.push(keys);
      this.nzU.push(U);
    }
    if (q2 > 0 && cholLower(A22, q2) >= 0) throw new Error('the Schur complement of the random-effects block is not positive definite');
    this.L22 = A22;
    this.inverseAfter = opts.inverseAfter ?? (2 * q2) / 3;
    this.r2 = new Float64Array(q2);
    this.w2 = new Float64Array(q2);
    // C = A⁻¹B, column by column
    this.C1 = new Float64Array(L1 * k1 * p);
    this.C2 = new Float64Array(q2 * p);
    const b1 = new Float64Array(L1 * k1), b2 = new Float64Array(q2);
    for (let col = 0; col < p; col++) {
      for (let r = 0; r < L1 * k1; r++) b1[r] = B1[r * p + col];
      for (let r = 0; r < q2; r++) b2[r] = B2[r * p + col];
      this.solveA(b1, b2);
      for (let r = 0; r < L1 * k1; r++) this.C1[r * p + col] = b1[r];
      for (let r = 0; r < q2; r++) this.C2[r * p + col] = b2[r];
    }
  }

  /** Prior weights (LMM) or the working weights at the conditional modes (GLMM), or null for all 1. */
  private weights(): Float64Array | null {
    const { frame, result } = this;
    if (result.family === 'gaussian') return frame.weights;
    const fam = makeFamily(frame.family, frame.link as LinkName);
    const eta = fittedValues(frame, result, 'link').conditional as number[];
    return Float64Array.from(eta, (e, i) => {
      const mu = fam.link.linkinv(e);
      const d = fam.link.muEta(e);
      return (frame.weights ? frame.weights[i] : 1) * (d * d) / fam.variance(mu);
    });
  }

  /** out = Λ_t' z for a term (z given by column). */
  private lambdaZ(t: number, z: (a: number) => number, out: Float64Array): void {
    const k = this.frame.reTerms[t].k, lo = this.lam.offsets[t], L = this.lam.data;
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let a = c; a < k; a++) s += L[lo + a + c * k] * z(a);
      out[c] = s;
    }
  }

  /** In place: x[o..o+k1) ← L_j⁻¹ x (L_j the Cholesky factor of D_j). */
  private lowerSolve(j: number, x: Float64Array, o: number): void {
    const k = this.k1, off = j * k * k, L = this.Dl;
    for (let c = 0; c < k; c++) {
      let s = x[o + c];
      for (let r = 0; r < c; r++) s -= L[off + c + r * k] * x[o + r];
      x[o + c] = s / L[off + c + c * k];
    }
  }

  /** In place: x[o..o+k1) ← L_j⁻ᵀ x. */
  private upperSolve(j: number, x: Float64Array, o: number): void {
    const k = this.k1, off = j * k * k, L = this.Dl;
    for (let c = k - 1; c >= 0; c--) {
      let s = x[o + c];
      for (let r = c + 1; r < k; r++) s -= L[off + r + c * k] * x[o + r];
      x[o + c] = s / L[off + c + c * k];
    }
  }

  /** Solve A w = b in place (b1: the big term's effects, b2: the others). */
  private solveA(b1: Float64Array, b2: Float64Array): void {
    const k1 = this.k1, q2 = this.q2;
    const L1 = b1.length / k1;
    for (let j = 0; j < L1; j++) {
      this.lowerSolve(j, b1, j * k1);
      const keys = this.nzIdx[j], U = this.nzU[j];
      for (let m = 0; m < keys.length; m++) {
        let s = 0;
        for (let a = 0; a < k1; a++) s += U[m * k1 + a] * b1[j * k1 + a];
        b2[keys[m]] -= s;
      }
    }
    if (q2 > 0) {
      forwardSolve(this.L22, q2, b2);
      backSolveT(this.L22, q2, b2);
    }
    for (let j = 0; j < L1; j++) {
      const keys = this.nzIdx[j], U = this.nzU[j];
      for (let m = 0; m < keys.length; m++) {
        const v = b2[keys[m]];
        if (v === 0) continue;
        for (let a = 0; a < k1; a++) b1[j * k1 + a] -= U[m * k1 + a] * v;
      }
      this.upperSolve(j, b1, j * k1);
    }
  }

  /**
   * Tells the object that `rows` rows with random effects will be asked for: when they outnumber
   * `inverseAfter`, L₂₂⁻¹ is formed now instead of after that many forward solves (the variances are the
   * same either way; only the work differs).
   */
  expectRows(rows: number): void {
    if (this.q2 > 0 && !this.L22inv && this.calls + rows > this.inverseAfter) this.L22inv = invLower(this.L22, this.q2);
  }

  /**
   * The variance of x'β̂ + z'b̂ − (x'β + z'b) for a new row: x its fixed-effects row (length p), entries its
   * random-effects columns in seen levels (columns of unseen levels are left out: population for that term).
   */
  variance(x: ArrayLike<number>, entries: ReEntry[]): number {
    const { p, k1, q2, big } = this;
    const terms = this.frame.reTerms;
    // a = Λ'z per (term, level)
    const groups = new Map<string, { term: number; level: number; z: Float64Array }>();
    for (const e of entries) {
      const key = `${e.term}:${e.level}`;
      let gz = groups.get(key);
      if (!gz) groups.set(key, (gz = { term: e.term, level: e.level, z: new Float64Array(terms[e.term].k) }));
      gz.z[e.col] += e.z;
    }
    const d = Float64Array.from(x);
    const a2 = this.r2;
    const touched = new Set<number>();
    let quad = 0;
    const a1 = new Float64Array(k1);
    let level1 = -1;
    for (const gz of groups.values()) {
      const k = terms[gz.term].k;
      const av = new Float64Array(k);
      this.lambdaZ(gz.term, (c) => gz.z[c], av);
      if (gz.term === big) {
        level1 = gz.level;
        a1.set(av);
        for (let c = 0; c < k; c++) for (let col = 0; col < p; col++) d[col] -= av[c] * this.C1[(gz.level * k1 + c) * p + col];
      } else {
        const base = this.restOff[gz.term] + gz.level * k;
        for (let c = 0; c < k; c++) {
          a2[base + c] += av[c];
          touched.add(base + c);
          for (let col = 0; col < p; col++) d[col] -= av[c] * this.C2[(base + c) * p + col];
        }
      }
    }
    if (level1 >= 0) {
      this.lowerSolve(level1, a1, 0);
      for (let a = 0; a < k1; a++) quad += a1[a] * a1[a];
      const keys = this.nzIdx[level1], U = this.nzU[level1];
      for (let m = 0; m < keys.length; m++) {
        let s = 0;
        for (let a = 0; a < k1; a++) s += U[m * k1 + a] * a1[a];
        a2[keys[m]] -= s;
        touched.add(keys[m]);
      }
    }
    if (touched.size > 0 && !this.L22inv && ++this.calls > this.inverseAfter) this.L22inv = invLower(this.L22, q2);
    if (touched.size > 0 && !this.L22inv) {
      // ‖L₂₂⁻¹ r‖² by a forward solve from r's first nonzero
      let lo = q2;
      for (const c of touched) if (c < lo) lo = c;
      const L = this.L22;
      for (let j = lo; j < q2; j++) {
        const cj = j * q2;
        const xj = (a2[j] /= L[j + cj]);
        if (xj === 0) continue;
        quad += xj * xj;
        for (let i = j + 1; i < q2; i++) a2[i] -= L[i + cj] * xj;
      }
      a2.fill(0, lo);
    } else if (touched.size > 0) {
      // ‖L₂₂⁻¹ r‖² from the columns of the inverse at r's nonzeros (rows at or below each column)
      const w = this.w2, Li = this.L22inv!;
      let lo = q2;
      for (const c of touched) {
        const v = a2[c];
        a2[c] = 0;
        if (v === 0) continue;
        if (c < lo) lo = c;
        const o = c * q2;
        for (let r = c; r < q2; r++) w[r] += Li[o + r] * v;
      }
      for (let r = lo; r < q2; r++) {
        quad += w[r] * w[r];
        w[r] = 0;
      }
    }
    let fixed = 0;
    for (let i = 0; i < p; i++) {
      if (d[i] === 0) continue;
      let s = 0;
      for (let j = 0; j < p; j++) s += this.V[i][j] * d[j];
      fixed += d[i] * s;
    }
    return this.s2 * quad + fixed;
  }
}
