/**
 * nlme's lme likelihood with residual structures (Pinheiro & Bates 2000, ch. 5): independent blocks
 * (outermost group joined with the correlation groups), in each V_b = Z_b Ψ Z_b' + S_b C_b S_b (relative
 * to σ²): Ψ the random-effects covariance per term (log-Cholesky parameters as nlme's pdLogChol), C the
 * correlation structure, S the variance function's standard-deviation multipliers. β and σ are profiled
 * out; the criterion is −2 log L (ML) or −2 log L_REML = Σ log|V_b| + log|X'V⁻¹X| + (n−p)(1 + log(2π σ̂²)).
 * Every block is dense (cholLower), so blocks are limited to MAX_BLOCK observations.
 */
import { MlmError } from '../diagnostics';
import type { ModelFrame } from '../frame/types';
import { cholLower, forwardSolve, backSolveT } from '../linalg/dense';
import type { StructureData } from './data';
import { correlationModel, varianceModel, type CorrelationModel, type VarianceModel } from './structures';

const LOG2PI = Math.log(2 * Math.PI);
export const MAX_BLOCK = 3000;

interface Block {
  rows: Int32Array; // frame row indices
  X: Float64Array; // n_b × p column-major
  y: Float64Array;
  /** per term: groups of local row indices sharing a level, and that level */
  levels: { term: number; level: number; local: Int32Array }[];
  /** correlation groups: local row indices */
  corGroups: Int32Array[];
}

export interface LmeState {
  beta: Float64Array;
  sigma: number;
  /** Σ log|V_b| (relative), log|X'V⁻¹X| */
  logdetV: number;
  logdetXVX: number;
  /** (X'V⁻¹X)⁻¹ (relative), p×p column-major */
  xvxInv: Float64Array;
  criterion: number;
}

export class LmeModel {
  readonly kind = 'nlme' as const;
  readonly frame: ModelFrame;
  readonly REML: boolean;
  readonly blocks: Block[] = [];
  readonly cor: CorrelationModel | null;
  readonly vf: VarianceModel | null;
  readonly ks: number[];
  /** The correlation:/variance: data the model was built with (an ML refit for compare: keeps them). */
  readonly structures: StructureData;
  /** parameter layout: Ψ per term (k(k+1)/2 each, log-Cholesky), then correlation, then variance */
  readonly nPsi: number;
  readonly nPar: number;
  private readonly sd: Float64Array;

  constructor(frame: ModelFrame, structures: StructureData, opts: { REML: boolean }) {
    this.frame = frame;
    this.structures = structures;
    this.REML = opts.REML;
    this.ks = frame.reTerms.map((t) => t.k);
    this.nPsi = this.ks.reduce((s, k) => s + (k * (k + 1)) / 2, 0);
    this.cor = structures.correlation ? correlationModel(structures.correlation) : null;
    this.vf = structures.variance ? varianceModel(structures.variance) : null;
    this.nPar = this.nPsi + (this.cor?.nPar ?? 0) + (this.vf?.nPar ?? 0);
    this.sd = new Float64Array(frame.n).fill(1);
    const n = frame.n, p = frame.p;
    // blocks: union of rows sharing any random-effects level or correlation group
    const parent = Int32Array.from({ length: n }, (_, i) => i);
    const find = (i: number): number => {
      while (parent[i] !== i) i = parent[i] = parent[parent[i]];
      return i;
    };
    const unite = (codes: Int32Array) => {
      const first = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const f = first.get(codes[i]);
        if (f === undefined) first.set(codes[i], i);
        else parent[find(i)] = find(f);
      }
    };
    for (const t of frame.reTerms) unite(t.refs);
    if (structures.correlation) unite(structures.correlation.group);
    const byRoot = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const r = find(i);
      const l = byRoot.get(r);
      if (l) l.push(i);
      else byRoot.set(r, [i]);
    }
    for (const list of byRoot.values()) {
      if (list.length > MAX_BLOCK)
        throw new MlmError({ code: 'block-too-large', message: `a group of ${list.length} observations is too large for a dense residual structure (limit ${MAX_BLOCK}); the correlation groups should be nested in the random-effects groups` });
      const nb = list.length;
      const rows = Int32Array.from(list);
      const X = new Float64Array(nb * p);
      for (let j = 0; j < p; j++) for (let a = 0; a < nb; a++) X[a + j * nb] = frame.X[rows[a] + j * n];
      const y = Float64Array.from(rows, (r) => frame.y[r] - (frame.offset ? frame.offset[r] : 0));
      const levels: Block['levels'] = [];
      frame.reTerms.forEach((t, ti) => {
        const m = new Map<number, number[]>();
        rows.forEach((r, a) => {
          const l = m.get(t.refs[r]);
          if (l) l.push(a);
          else m.set(t.refs[r], [a]);
        });
        for (const [level, local] of m) levels.push({ term: ti, level, local: Int32Array.from(local) });
      });
      const corGroups: Int32Array[] = [];
      if (structures.correlation) {
        const g = structures.correlation.group;
        const m = new Map<number, number[]>();
        rows.forEach((r, a) => {
          const l = m.get(g[r]);
          if (l) l.push(a);
          else m.set(g[r], [a]);
        });
        for (const local of m.values()) corGroups.push(Int32Array.from(local));
      }
      this.blocks.push({ rows, X, y, levels, corGroups });
    }
  }

  /** Ψ_t (k×k column-major, relative to σ²) of every term from the log-Cholesky parameters. */
  psi(x: ArrayLike<number>): Float64Array[] {
    let o = 0;
    return this.ks.map((k) => {
      const L = new Float64Array(k * k);
      for (let c = 0; c < k; c++)
        for (let r = c; r < k; r++) {
          const v = x[o++];
          L[r + c * k] = r === c ? Math.exp(v) : v;
        }
      const P = new Float64Array(k * k);
      for (let a = 0; a < k; a++)
        for (let b = 0; b < k; b++) {
          let s = 0;
          for (let c = 0; c <= Math.min(a, b); c++) s += L[a + c * k] * L[b + c * k];
          P[a + b * k] = s;
        }
      return P;
    });
  }

  /** log-Cholesky parameters of Ψ from lme4's θ (Λ lower, column-major per term): Ψ = ΛΛ'. */
  psiParamsFromTheta(theta: ArrayLike<number>): number[] {
    const out: number[] = [];
    let o = 0;
    for (const k of this.ks)
      for (let c = 0; c < k; c++)
        for (let r = c; r < k; r++) {
          const v = theta[o++];
          out.push(r === c ? Math.log(Math.max(Math.abs(v), 1e-4)) : v);
        }
    return out;
  }

  corParams(x: ArrayLike<number>): number[] {
    return Array.from(x).slice(this.nPsi, this.nPsi + (this.cor?.nPar ?? 0));
  }
  varParams(x: ArrayLike<number>): number[] {
    return Array.from(x).slice(this.nPsi + (this.cor?.nPar ?? 0));
  }

  /** V_b (relative, column-major) of block b at Ψ, correlation function and SD multipliers. */
  private blockV(b: Block, psi: Float64Array[], corr: ((i: number, j: number) => number) | null): Float64Array {
    const nb = b.rows.length, n = this.frame.n;
    const V = new Float64Array(nb * nb);
    for (const lv of b.levels) {
      const t = this.frame.reTerms[lv.term], k = t.k, P = psi[lv.term];
      const loc = lv.local;
      for (let u = 0; u < loc.length; u++) {
        const ru = b.rows[loc[u]];
        for (let w = 0; w <= u; w++) {
          const rw = b.rows[loc[w]];
          let s = 0;
          for (let a = 0; a < k; a++) {
            const za = t.Z[ru + a * n];
            if (za === 0) continue;
            for (let c = 0; c < k; c++) s += za * P[a + c * k] * t.Z[rw + c * n];
          }
          V[loc[u] + loc[w] * nb] += s;
          if (u !== w) V[loc[w] + loc[u] * nb] += s;
        }
      }
    }
    const sd = this.sd;
    if (corr) {
      for (const g of b.corGroups)
        for (let u = 0; u < g.length; u++) {
          const ru = b.rows[g[u]];
          V[g[u] + g[u] * nb] += sd[ru] * sd[ru];
          for (let w = 0; w < u; w++) {
            const rw = b.rows[g[w]];
            const c = sd[ru] * sd[rw] * corr(ru, rw);
            V[g[u] + g[w] * nb] += c;
            V[g[w] + g[u] * nb] += c;
          }
        }
    } else {
      for (let a = 0; a < nb; a++) V[a + a * nb] += sd[b.rows[a]] * sd[b.rows[a]];
    }
    return V;
  }

  private prepare(x: ArrayLike<number>): { psi: Float64Array[]; corr: ((i: number, j: number) => number) | null } {
    const psi = this.psi(x);
    const corr = this.cor ? this.cor.correlation(this.cor.natural(this.corParams(x))) : null;
    if (this.vf) this.vf.sd(this.varParams(x), this.sd);
    return { psi, corr };
  }

  /**
   * Visits every block with its Cholesky factor L_b and the whitened L_b⁻¹[X_b y_b]; returns false when a
   * V_b is not positive definite.
   */
  private eachBlock(x: ArrayLike<number>, visit: (b: Block, L: Float64Array, Xt: Float64Array, yt: Float64Array) => void): boolean {
    const { psi, corr } = this.prepare(x);
    const p = this.frame.p;
    for (const b of this.blocks) {
      const nb = b.rows.length;
      const L = this.blockV(b, psi, corr);
      if (cholLower(L, nb) >= 0) return false;
      const Xt = Float64Array.from(b.X);
      for (let j = 0; j < p; j++) forwardSolve(L, nb, Xt.subarray(j * nb, (j + 1) * nb));
      const yt = Float64Array.from(b.y);
      forwardSolve(L, nb, yt);
      visit(b, L, Xt, yt);
    }
    return true;
  }

  /**
   * nlme's normalized residuals (resid(type = "normalized")): the standardized within-group residuals of
   * each correlation group premultiplied by the inverse Cholesky factor of its correlation matrix.
   * Also returns the correlation groups (frame rows, in the structure's order) for ACF.
   */
  normalized(x: ArrayLike<number>, standardized: ArrayLike<number>): { values: Float64Array; groups: Int32Array[] } {
    const { corr } = this.prepare(x);
    const values = Float64Array.from(standardized);
    const groups: Int32Array[] = [];
    for (const b of this.blocks) {
      for (const g of b.corGroups) {
        const rows = Int32Array.from(g, (u) => b.rows[u]);
        groups.push(rows);
        if (!corr) continue;
        const m = rows.length;
        const R = new Float64Array(m * m);
        for (let u = 0; u < m; u++) {
          R[u + u * m] = 1;
          for (let w = 0; w < u; w++) R[u + w * m] = R[w + u * m] = corr(rows[u], rows[w]);
        }
        if (cholLower(R, m) >= 0) continue;
        const e = Float64Array.from(rows, (r) => standardized[r]);
        forwardSolve(R, m, e);
        rows.forEach((r, u) => (values[r] = e[u]));
      }
    }
    return { values, groups };
  }

  /** The profiled criterion (−2 log L or −2 log L_REML) and β̂, σ̂ at unconstrained parameters x. */
  evaluate(x: ArrayLike<number>): LmeState | null {
    const p = this.frame.p, n = this.frame.n;
    const XtX = new Float64Array(p * p), Xty = new Float64Array(p);
    let yty = 0, logdetV = 0;
    const ok = this.eachBlock(x, (b, L, Xt, yt) => {
      const nb = b.rows.length;
      for (let a = 0; a < nb; a++) logdetV += 2 * Math.log(L[a + a * nb]);
      for (let i = 0; i < p; i++) {
        const ci = Xt.subarray(i * nb, (i + 1) * nb);
        let s = 0;
        for (let a = 0; a < nb; a++) s += ci[a] * yt[a];
        Xty[i] += s;
        for (let j = 0; j <= i; j++) {
          const cj = Xt.subarray(j * nb, (j + 1) * nb);
          let t = 0;
          for (let a = 0; a < nb; a++) t += ci[a] * cj[a];
          XtX[i + j * p] += t;
        }
      }
      for (let a = 0; a < nb; a++) yty += yt[a] * yt[a];
    });
    if (!ok || !Number.isFinite(logdetV)) return null;
    const R = Float64Array.from(XtX);
    if (cholLower(R, p) >= 0) return null;
    let logdetXVX = 0;
    for (let i = 0; i < p; i++) logdetXVX += 2 * Math.log(R[i + i * p]);
    const beta = Float64Array.from(Xty);
    forwardSolve(R, p, beta);
    let fit2 = 0;
    for (let i = 0; i < p; i++) fit2 += beta[i] * beta[i];
    backSolveT(R, p, beta);
    const rss = Math.max(yty - fit2, 1e-300);
    const nEff = this.REML ? n - p : n;
    const s2 = rss / nEff;
    let criterion = logdetV + nEff * (1 + LOG2PI + Math.log(s2));
    if (this.REML) criterion += logdetXVX;
    // (X'V⁻¹X)⁻¹ from R
    const xvxInv = new Float64Array(p * p);
    for (let j = 0; j < p; j++) {
      const e = new Float64Array(p);
      e[j] = 1;
      forwardSolve(R, p, e);
      backSolveT(R, p, e);
      xvxInv.set(e, j * p);
    }
    return { beta, sigma: Math.sqrt(s2), logdetV, logdetXVX, xvxInv, criterion };
  }

  /**
   * Conditional modes b (per term: levels × k) and their conditional variances (per level a k×k block, diagonal only) σ²(Ψ − ΨZ'V⁻¹ZΨ), the SD
   * multipliers of each row, and the fitted values Xβ + Zb at x.
   */
  conditional(x: ArrayLike<number>, st: LmeState): { b: Float64Array[]; condVar: Float64Array[]; sd: Float64Array; fitted: Float64Array } {
    const { frame } = this;
    const n = frame.n, p = frame.p;
    const psi = this.psi(x);
    const b = frame.reTerms.map((t) => new Float64Array(t.levels.length * t.k));
    const condVar = frame.reTerms.map((t) => new Float64Array(t.levels.length * t.k * t.k));
    const fitted = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = frame.offset ? frame.offset[i] : 0;
      for (let j = 0; j < p; j++) s += frame.X[i + j * n] * st.beta[j];
      fitted[i] = s;
    }
    this.eachBlock(x, (blk, L) => {
      const nb = blk.rows.length;
      // V⁻¹ r
      const r = Float64Array.from(blk.y);
      for (let a = 0; a < nb; a++) for (let j = 0; j < p; j++) r[a] -= blk.X[a + j * nb] * st.beta[j];
      forwardSolve(L, nb, r);
      backSolveT(L, nb, r);
      for (const lv of blk.levels) {
        const t = frame.reTerms[lv.term], k = t.k, P = psi[lv.term];
        // Z'V⁻¹r for this level, then Ψ ·
        const zr = new Float64Array(k);
        for (const a of lv.local) for (let c = 0; c < k; c++) zr[c] += t.Z[blk.rows[a] + c * n] * r[a];
        const bl = new Float64Array(k);
        for (let c = 0; c < k; c++) for (let d = 0; d < k; d++) bl[c] += P[c + d * k] * zr[d];
        b[lv.term].set(bl, lv.level * k);
        // conditional variance diag: σ²(Ψ − Ψ Z'V⁻¹Z Ψ)
        const W = new Float64Array(nb * k); // L⁻¹ Z_l Ψ
        for (let c = 0; c < k; c++) {
          const col = W.subarray(c * nb, (c + 1) * nb);
          for (const a of lv.local) {
            let s = 0;
            for (let d = 0; d < k; d++) s += t.Z[blk.rows[a] + d * n] * P[d + c * k];
            col[a] = s;
          }
          forwardSolve(L, nb, col);
        }
        for (let c = 0; c < k; c++) {
          let s = 0;
          const col = W.subarray(c * nb, (c + 1) * nb);
          for (let a = 0; a < nb; a++) s += col[a] * col[a];
          condVar[lv.term][lv.level * k * k + c + c * k] = st.sigma * st.sigma * Math.max(P[c + c * k] - s, 0);
        }
        for (const a of lv.local) {
          const row = blk.rows[a];
          for (let c = 0; c < k; c++) fitted[row] += t.Z[row + c * n] * bl[c];
        }
      }
    });
    return { b, condVar, sd: Float64Array.from(this.sd), fitted };
  }
}
