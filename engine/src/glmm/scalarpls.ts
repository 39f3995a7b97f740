/**
 * A fast u-only penalized weighted least-squares kernel for the common GLMM shape: every
 * random-effects term is scalar ((1 | g) or (0 + x | g)). It is the PIRLS inner solve of
 * glmer's second stage (β held in the offset), called thousands of times per fit, so it works
 * on precomputed index arrays instead of the general blocked system:
 *
 *   A = Λ'Z'WZΛ + I = [D1 + I, A21ᵀ; A21, A22 + I],  D1 diagonal (first term's levels),
 *   L11 = √(1 + D1),  L21 = A21 L11⁻¹ (kept sparse on A21's fixed pattern),
 *   L22 = chol(A22 + I − L21 L21ᵀ) (dense, the other terms' levels).
 *
 * With the fixed effects (glmer's first stage, β inside PIRLS) it also forms
 *   RZX = L⁻¹ Λ'Z'WX,  RX = chol(X'WX − RZXᵀRZX)
 * and solves for (u, β) jointly. The general case (vector-valued terms, conditional variances)
 * goes through lmm/pls.ts's PlsSystem; both give the same factor.
 */
export interface ScalarTerm {
  refs: Int32Array;
  /** the term's single model-matrix column (length n) */
  z: Float64Array;
  nlev: number;
}

export class ScalarPls {
  readonly n: number;
  readonly q1: number;
  readonly q2: number;
  readonly q: number;
  private readonly terms: ScalarTerm[];
  private readonly off: Int32Array; // offset of each term in u
  /** per observation and trailing term: slot in the sparse A21 values */
  private readonly slot: Int32Array;
  /** CSR of A21 by first-term level: rows (trailing indices 0..q2-1) */
  private readonly colPtr: Int32Array;
  private readonly rowIdx: Int32Array;
  private readonly a21: Float64Array;
  private readonly d1: Float64Array;
  private readonly A22: Float64Array; // q2 × q2 row-major lower
  private readonly rhs: Float64Array;
  readonly L11: Float64Array;
  readonly u: Float64Array;
  logdetL2 = NaN;
  private readonly lam: Float64Array;
  /** every first-term level meets every trailing level (fully crossed) */
  private readonly fullPattern: boolean;
  private readonly lt: Float64Array;
  /** column indices of one factor row's nonzeros (Cholesky of the trailing block) */
  private readonly nzIdx: Int32Array;
  // joint system (allocated on first use)
  private p = 0;
  private RZX = new Float64Array(0); // q × p, row-major
  private RX = new Float64Array(0); // p × p lower, row-major
  private vtr = new Float64Array(0);
  readonly beta = new Float64Array(0);
  private betaOut = new Float64Array(0);
  private wx = new Float64Array(0);
  private wv = new Float64Array(0);

  constructor(terms: ScalarTerm[], n: number) {
    this.n = n;
    this.terms = terms;
    const T = terms.length;
    this.off = new Int32Array(T);
    let q = 0;
    for (let t = 0; t < T; t++) {
      this.off[t] = q;
      q += terms[t].nlev;
    }
    this.q = q;
    this.q1 = terms[0].nlev;
    this.q2 = q - this.q1;
    this.lam = new Float64Array(T);
    // A21 pattern: for each first-term level, the distinct trailing indices it meets
    const maps: Map<number, number>[] = Array.from({ length: this.q1 }, () => new Map());
    const r0 = terms[0].refs;
    for (let t = 1; t < T; t++) {
      const rt = terms[t].refs;
      const o = this.off[t] - this.q1;
      for (let i = 0; i < n; i++) maps[r0[i]].set(o + rt[i], 0);
    }
    const colPtr = new Int32Array(this.q1 + 1);
    for (let j = 0; j < this.q1; j++) colPtr[j + 1] = colPtr[j] + maps[j].size;
    const rowIdx = new Int32Array(colPtr[this.q1]);
    for (let j = 0; j < this.q1; j++) {
      const rows = [...maps[j].keys()].sort((a, b) => a - b);
      rows.forEach((r, k) => {
        rowIdx[colPtr[j] + k] = r;
        maps[j].set(r, colPtr[j] + k);
      });
    }
    this.colPtr = colPtr;
    this.rowIdx = rowIdx;
    this.fullPattern = this.q2 > 0 && rowIdx.length === this.q1 * this.q2;
    this.lt = new Float64Array(this.fullPattern ? this.q1 * this.q2 : 0);
    this.slot = new Int32Array(Math.max(0, T - 1) * n);
    for (let t = 1; t < T; t++) {
      const rt = terms[t].refs;
      const o = this.off[t] - this.q1;
      for (let i = 0; i < n; i++) this.slot[(t - 1) * n + i] = maps[r0[i]].get(o + rt[i])!;
    }
    this.a21 = new Float64Array(rowIdx.length);
    this.d1 = new Float64Array(this.q1);
    this.A22 = new Float64Array(this.q2 * this.q2);
    this.nzIdx = new Int32Array(this.q2);
    this.rhs = new Float64Array(q);
    this.L11 = new Float64Array(this.q1);
    this.u = new Float64Array(q);
  }

  /**
   * Form and factor A at θ (one value per term) for square-root weights sqrtW and working
   * response z (η − offset − Xβ + (y − μ)/μ'). Returns false when not positive definite.
   */
  factor(theta: ArrayLike<number>, sqrtW: Float64Array, z: Float64Array): boolean {
    const { n, terms, q1, q2, off, slot, a21, d1, A22, rhs, lam } = this;
    const T = terms.length;
    for (let t = 0; t < T; t++) lam[t] = theta[t];
    a21.fill(0);
    d1.fill(0);
    A22.fill(0);
    rhs.fill(0);
    const t0 = terms[0];
    const r0 = t0.refs;
    const z0 = t0.z;
    const l0 = lam[0];
    if (T === 1) {
      for (let i = 0; i < n; i++) {
        const sw = sqrtW[i];
        const w = sw * sw;
        const v0 = l0 * z0[i];
        const j = r0[i];
        d1[j] += w * v0 * v0;
        rhs[j] += w * v0 * z[i];
      }
    } else if (T === 2) {
      const r1 = terms[1].refs;
      const z1 = terms[1].z;
      const l1 = lam[1];
      for (let i = 0; i < n; i++) {
        const sw = sqrtW[i];
        const w = sw * sw;
        const v0 = l0 * z0[i];
        const j = r0[i];
        const wv0 = w * v0;
        const zi = z[i];
        d1[j] += wv0 * v0;
        rhs[j] += wv0 * zi;
        const vt = l1 * z1[i];
        const r = r1[i];
        a21[slot[i]] += wv0 * vt;
        const wvt = w * vt;
        A22[r * q2 + r] += wvt * vt;
        rhs[q1 + r] += wvt * zi;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const sw = sqrtW[i];
        const w = sw * sw;
        const v0 = l0 * z0[i];
        const j = r0[i];
        const wv0 = w * v0;
        d1[j] += wv0 * v0;
        rhs[j] += wv0 * z[i];
        for (let t = 1; t < T; t++) {
          const tt = terms[t];
          const vt = lam[t] * tt.z[i];
          const r = off[t] - q1 + tt.refs[i];
          a21[slot[(t - 1) * n + i]] += wv0 * vt;
          const wvt = w * vt;
          A22[r * q2 + r] += wvt * vt;
          rhs[q1 + r] += wvt * z[i];
          for (let s = 1; s < t; s++) {
            const ts = terms[s];
            const rs = off[s] - q1 + ts.refs[i];
            const vs = lam[s] * ts.z[i];
            if (rs < r) A22[r * q2 + rs] += wvt * vs;
            else A22[rs * q2 + r] += wvt * vs;
          }
        }
      }
    }
    const L11 = this.L11;
    let ld = 0;
    for (let j = 0; j < q1; j++) {
      const d = Math.sqrt(1 + d1[j]);
      L11[j] = d;
      ld += Math.log(d);
    }
    if (q2 > 0) {
      for (let r = 0; r < q2; r++) A22[r * q2 + r] += 1;
      const { colPtr, rowIdx } = this;
      if (this.fullPattern) {
        // fully crossed: every first-term level meets every trailing level; S −= L21 L21ᵀ by
        // contiguous dot products over the first term's levels (L21 transposed to q2 × q1)
        const Lt = this.lt;
        for (let j = 0; j < q1; j++) {
          const inv = 1 / L11[j];
          const e0 = colPtr[j];
          for (let r = 0; r < q2; r++) {
            const v = a21[e0 + r] * inv;
            a21[e0 + r] = v;
            Lt[r * q1 + j] = v;
          }
        }
        for (let r = 0; r < q2; r++) {
          const ro = r * q1;
          for (let c = 0; c <= r; c++) {
            const co = c * q1;
            let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            let j = 0;
            for (; j + 3 < q1; j += 4) {
              a0 += Lt[ro + j] * Lt[co + j];
              a1 += Lt[ro + j + 1] * Lt[co + j + 1];
              a2 += Lt[ro + j + 2] * Lt[co + j + 2];
              a3 += Lt[ro + j + 3] * Lt[co + j + 3];
            }
            for (; j < q1; j++) a0 += Lt[ro + j] * Lt[co + j];
            A22[r * q2 + c] -= a0 + a1 + (a2 + a3);
          }
        }
      } else for (let j = 0; j < q1; j++) {
        const inv = 1 / L11[j];
        const e0 = colPtr[j];
        const e1 = colPtr[j + 1];
        for (let e = e0; e < e1; e++) a21[e] *= inv;
        // A22 −= l lᵀ over the pattern (lower triangle; rows sorted ascending)
        for (let e = e0; e < e1; e++) {
          const v = a21[e];
          if (v === 0) continue;
          const row = rowIdx[e] * q2;
          for (let f = e0; f <= e; f++) A22[row + rowIdx[f]] -= v * a21[f];
        }
      }
      // Cholesky of the trailing block (lower, row-major). Row c of the factor is final when column c
      // is computed; its products are summed over that row's nonzeros only, in ascending order, which
      // gives exactly the dense sums (the skipped terms are zeros) at a fraction of the cost when the
      // block is sparse (nested terms, an observation-level first term: (1 | obs) + (1 | brood) + (1 | location))
      const nz = this.nzIdx;
      for (let c = 0; c < q2; c++) {
        const rc = c * q2;
        let cnt = 0;
        for (let k = 0; k < c; k++) if (A22[rc + k] !== 0) nz[cnt++] = k;
        let d = A22[rc + c];
        for (let x = 0; x < cnt; x++) {
          const v = A22[rc + nz[x]];
          d -= v * v;
        }
        if (!(d > 0)) return false;
        d = Math.sqrt(d);
        A22[rc + c] = d;
        ld += Math.log(d);
        if (cnt === c) {
          for (let r = c + 1; r < q2; r++) {
            const rr = r * q2;
            let s = A22[rr + c];
            for (let k = 0; k < c; k++) s -= A22[rr + k] * A22[rc + k];
            A22[rr + c] = s / d;
          }
        } else {
          for (let r = c + 1; r < q2; r++) {
            const rr = r * q2;
            let s = A22[rr + c];
            for (let x = 0; x < cnt; x++) {
              const k = nz[x];
              s -= A22[rr + k] * A22[rc + k];
            }
            A22[rr + c] = s / d;
          }
        }
      }
    }
    this.logdetL2 = 2 * ld;
    this.patternL22();
    return true;
  }

  /**
   * The nonzeros of the trailing factor's strictly lower part by row (ascending columns) and by
   * column (ascending rows), so the triangular solves skip its zeros and still sum in the dense order.
   */
  private patternL22(): void {
    const { q2, A22 } = this;
    if (q2 === 0) return;
    const size = (q2 * (q2 - 1)) / 2;
    if (this.lrCol.length !== size) {
      this.lrPtr = new Int32Array(q2 + 1);
      this.lrCol = new Int32Array(size);
      this.lcPtr = new Int32Array(q2 + 1);
      this.lcRow = new Int32Array(size);
    }
    const { lrPtr, lrCol, lcPtr, lcRow } = this;
    lcPtr.fill(0);
    let e = 0;
    for (let r = 0; r < q2; r++) {
      const rr = r * q2;
      for (let k = 0; k < r; k++) {
        if (A22[rr + k] !== 0) {
          lrCol[e++] = k;
          lcPtr[k + 1]++;
        }
      }
      lrPtr[r + 1] = e;
    }
    for (let k = 0; k < q2; k++) lcPtr[k + 1] += lcPtr[k];
    const pos = lcPtr.slice(0, q2);
    for (let r = 0; r < q2; r++) for (let x = lrPtr[r]; x < lrPtr[r + 1]; x++) lcRow[pos[lrCol[x]]++] = r;
  }
  private lrPtr = new Int32Array(0);
  private lrCol = new Int32Array(0);
  private lcPtr = new Int32Array(0);
  private lcRow = new Int32Array(0);

  /**
   * factor() with a cache keyed by θ for one fixed set of weights (`weightsKey` identifies them):
   * PIRLS evaluations that start from the same point share their first weights, so within a
   * finite-difference Hessian only the right-hand side changes between points with equal θ.
   */
  factorCached(theta: ArrayLike<number>, sqrtW: Float64Array, z: Float64Array, weightsKey: object): boolean {
    if (this.cacheKey !== weightsKey) {
      this.cache.clear();
      this.cacheKey = weightsKey;
    }
    const key = Array.prototype.join.call(theta, ',');
    const hit = this.cache.get(key);
    if (hit) {
      this.L11.set(hit.L11);
      this.a21.set(hit.a21);
      this.A22.set(hit.A22);
      this.logdetL2 = hit.logdet;
      this.patternL22();
      const T = this.terms.length;
      for (let t = 0; t < T; t++) this.lam[t] = theta[t];
      this.rightHandSide(sqrtW, z);
      return true;
    }
    const ok = this.factor(theta, sqrtW, z);
    if (ok && this.cache.size < 32) {
      this.cache.set(key, { L11: Float64Array.from(this.L11), a21: Float64Array.from(this.a21), A22: Float64Array.from(this.A22), logdet: this.logdetL2 });
    }
    return ok;
  }

  private cache = new Map<string, { L11: Float64Array; a21: Float64Array; A22: Float64Array; logdet: number }>();
  private cacheKey: object | null = null;

  /** rhs = Λ'Z'W z only (the factor is current). */
  private rightHandSide(sqrtW: Float64Array, z: Float64Array): void {
    const { n, terms, q1, off, rhs, lam } = this;
    rhs.fill(0);
    for (let t = 0; t < terms.length; t++) {
      const tt = terms[t];
      const refs = tt.refs;
      const zt = tt.z;
      const base = off[t];
      const l = lam[t];
      for (let i = 0; i < n; i++) {
        const sw = sqrtW[i];
        rhs[base + refs[i]] += sw * sw * l * zt[i] * z[i];
      }
    }
    void q1;
  }

  /** u = A⁻¹ Λ'Z'W z after factor(). */
  solve(): Float64Array {
    const u = this.u;
    u.set(this.rhs);
    this.forward(u, 0, 1);
    this.backward(u);
    return u;
  }

  /** Forward solve x ← L⁻¹ x in place (x strided: entry k at x[o + k*stride]). */
  private forward(x: Float64Array, o: number, stride: number): void {
    const { q1, q2, L11, A22, a21, colPtr, rowIdx } = this;
    for (let j = 0; j < q1; j++) x[o + j * stride] /= L11[j];
    if (q2 === 0) return;
    for (let j = 0; j < q1; j++) {
      const cj = x[o + j * stride];
      if (cj === 0) continue;
      for (let e = colPtr[j]; e < colPtr[j + 1]; e++) x[o + (q1 + rowIdx[e]) * stride] -= a21[e] * cj;
    }
    const { lrPtr, lrCol } = this;
    for (let r = 0; r < q2; r++) {
      let s = x[o + (q1 + r) * stride];
      const rr = r * q2;
      for (let y = lrPtr[r]; y < lrPtr[r + 1]; y++) {
        const k = lrCol[y];
        s -= A22[rr + k] * x[o + (q1 + k) * stride];
      }
      x[o + (q1 + r) * stride] = s / A22[rr + r];
    }
  }

  /** Backward solve x ← L⁻ᵀ x in place (contiguous). */
  private backward(x: Float64Array): void {
    const { q1, q2, L11, A22, a21, colPtr, rowIdx } = this;
    const { lcPtr, lcRow } = this;
    for (let r = q2 - 1; r >= 0; r--) {
      let s = x[q1 + r];
      for (let y = lcPtr[r]; y < lcPtr[r + 1]; y++) {
        const k = lcRow[y];
        s -= A22[k * q2 + r] * x[q1 + k];
      }
      x[q1 + r] = s / A22[r * q2 + r];
    }
    for (let j = 0; j < q1; j++) {
      let s = x[j];
      for (let e = colPtr[j]; e < colPtr[j + 1]; e++) s -= a21[e] * x[q1 + rowIdx[e]];
      x[j] = s / L11[j];
    }
  }

  /** X'Wz, the lower triangle of X'WX (into RX) and Λ'Z'WX (into RZX), all zeroed first. */
  private crossProducts(sqrtW: Float64Array, z: Float64Array, X: Float64Array, p: number): void {
    const { n, terms, off, lam, RZX, RX, vtr } = this;
    RZX.fill(0);
    RX.fill(0);
    vtr.fill(0);
    const T = terms.length;
    // column-oriented cross products (tight loops over the observations): for each column c of X,
    // wx = W X_c gives X'Wz, the lower triangle of X'WX (two columns per pass) and Λ'Z'W X_c
    if (this.wx.length !== n) {
      this.wx = new Float64Array(n);
      this.wv = new Float64Array(n);
    }
    const wx = this.wx;
    const w = this.wv;
    for (let i = 0; i < n; i++) {
      const sw = sqrtW[i];
      w[i] = sw * sw;
    }
    for (let c = 0; c < p; c++) {
      const xo = c * n;
      let sz = 0;
      for (let i = 0; i < n; i++) {
        const v = w[i] * X[xo + i];
        wx[i] = v;
        sz += v * z[i];
      }
      vtr[c] = sz;
      let c2 = 0;
      for (; c2 + 1 <= c; c2 += 2) {
        const x2 = c2 * n;
        const x3 = x2 + n;
        let a0 = 0;
        let a1 = 0;
        for (let i = 0; i < n; i++) {
          const v = wx[i];
          a0 += v * X[x2 + i];
          a1 += v * X[x3 + i];
        }
        RX[c * p + c2] = a0;
        RX[c * p + c2 + 1] = a1;
      }
      for (; c2 <= c; c2++) {
        const x2 = c2 * n;
        let a0 = 0;
        for (let i = 0; i < n; i++) a0 += wx[i] * X[x2 + i];
        RX[c * p + c2] = a0;
      }
      for (let t = 0; t < T; t++) {
        const tt = terms[t];
        const refs = tt.refs;
        const zt = tt.z;
        const lt = lam[t];
        const base = off[t];
        for (let i = 0; i < n; i++) RZX[(base + refs[i]) * p + c] += lt * zt[i] * wx[i];
      }
    }
  }

  /**
   * factor() plus the fixed-effects blocks for the joint (u, β) solve. X is n × p column-major.
   * Returns false when A or the downdated X'WX is not positive definite.
   */
  factorJoint(theta: ArrayLike<number>, sqrtW: Float64Array, z: Float64Array, X: Float64Array, p: number): boolean {
    if (!this.factor(theta, sqrtW, z)) return false;
    const q = this.q;
    if (this.p !== p) {
      this.p = p;
      this.RZX = new Float64Array(q * p);
      this.RX = new Float64Array(p * p);
      this.vtr = new Float64Array(p);
      this.betaOut = new Float64Array(p);
    }
    const { RZX, RX } = this;
    this.crossProducts(sqrtW, z, X, p);
    for (let c = 0; c < p; c++) this.forward(RZX, c, p);
    for (let c = 0; c < p; c++) {
      for (let c2 = 0; c2 <= c; c2++) {
        let s = 0;
        for (let r = 0; r < q; r++) s += RZX[r * p + c] * RZX[r * p + c2];
        RX[c * p + c2] -= s;
      }
    }
    for (let j = 0; j < p; j++) {
      let d = RX[j * p + j];
      for (let k = 0; k < j; k++) d -= RX[j * p + k] * RX[j * p + k];
      if (!(d > 0)) return false;
      d = Math.sqrt(d);
      RX[j * p + j] = d;
      for (let r = j + 1; r < p; r++) {
        let s = RX[r * p + j];
        for (let k = 0; k < j; k++) s -= RX[r * p + k] * RX[j * p + k];
        RX[r * p + j] = s / d;
      }
    }
    return true;
  }

  /** Joint solve after factorJoint(): β and u. */
  solveJoint(): { u: Float64Array; beta: Float64Array } {
    const { q, p, RZX, RX, vtr, u, rhs } = this;
    u.set(rhs);
    this.forward(u, 0, 1);
    const b = this.betaOut;
    for (let c = 0; c < p; c++) {
      let s = vtr[c];
      for (let r = 0; r < q; r++) s -= RZX[r * p + c] * u[r];
      b[c] = s;
    }
    for (let r = 0; r < p; r++) {
      let s = b[r];
      for (let k = 0; k < r; k++) s -= RX[r * p + k] * b[k];
      b[r] = s / RX[r * p + r];
    }
    for (let r = p - 1; r >= 0; r--) {
      let s = b[r];
      for (let k = r + 1; k < p; k++) s -= RX[k * p + r] * b[k];
      b[r] = s / RX[r * p + r];
    }
    for (let r = 0; r < q; r++) {
      let s = 0;
      for (let c = 0; c < p; c++) s += RZX[r * p + c] * b[c];
      u[r] -= s;
    }
    this.backward(u);
    return { u, beta: b };
  }

  /** (RX'RX)⁻¹, p × p row-major, after factorJoint() (lme4's unscaled vcov of β from RX). */
  unscaledVcovBeta(): Float64Array {
    const { p, RX } = this;
    // invert the lower factor, then form L⁻ᵀ L⁻¹
    const Li = new Float64Array(p * p);
    for (let c = 0; c < p; c++) {
      for (let r = c; r < p; r++) {
        let s = r === c ? 1 : 0;
        for (let k = c; k < r; k++) s -= RX[r * p + k] * Li[k * p + c];
        Li[r * p + c] = s / RX[r * p + r];
      }
    }
    const out = new Float64Array(p * p);
    for (let a = 0; a < p; a++) {
      for (let b = 0; b <= a; b++) {
        let s = 0;
        for (let k = a; k < p; k++) s += Li[k * p + a] * Li[k * p + b];
        out[a * p + b] = s;
        out[b * p + a] = s;
      }
    }
    return out;
  }
}
