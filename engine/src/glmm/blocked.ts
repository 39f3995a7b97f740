/**
 * The blocked Cholesky factor of A = Λ'Z'WZΛ + I used by PIRLS, with the random-effects columns
 * in lme4's order: the first term (most levels) is block-diagonal (one k0×k0 block per level),
 * the remaining terms form a dense trailing block. So
 *   L = [L11 0; L21 L22],  L11 block-diagonal,  L21 = A21 L11⁻ᵀ,  L22 = chol(A22 − L21 L21ᵀ).
 * Optionally also RZX = L⁻¹ Λ'Z'WX and RX = chol(X'WX − RZXᵀRZX) for the joint (u, β) solve.
 * L21 is stored column by column (entry (r, c) at c*q2 + r) and only the rows of its fixed sparsity
 * pattern are touched: `pattern[j]` lists the trailing rows that share observations with level j
 * of the first term (nested designs have one or two, fully crossed designs all of them).
 * Other matrices are row-major Float64Array.
 */

export class BlockedFactor {
  /** q1 = nlev0 * k0: size of the block-diagonal part */
  readonly q1: number;
  /** L11 blocks, nlev0 × (k0 × k0), lower triangle used */
  readonly L11: Float64Array;
  /** L21: q2 × q1, stored column-major (entry (r, c) at c*q2 + r) */
  readonly L21: Float64Array;
  /** trailing rows in the pattern of each level of the first term */
  readonly pattern: Int32Array[];
  /** L22: q2 × q2, lower triangle */
  readonly L22: Float64Array;
  /** RZX: q × p */
  readonly RZX: Float64Array;
  /** RX: p × p, lower triangle (RX here is the lower factor: X'WX − RZXᵀRZX = RX RXᵀ) */
  readonly RX: Float64Array;

  constructor(
    readonly nlev0: number,
    readonly k0: number,
    readonly q2: number,
    readonly p: number,
    pattern?: Int32Array[],
  ) {
    this.q1 = nlev0 * k0;
    const all = Int32Array.from({ length: q2 }, (_, i) => i);
    this.pattern = pattern ?? Array.from({ length: nlev0 }, () => all);
    this.L11 = new Float64Array(nlev0 * k0 * k0);
    this.L21 = new Float64Array(q2 * this.q1);
    this.L22 = new Float64Array(q2 * q2);
    this.RZX = new Float64Array((this.q1 + q2) * p);
    this.RX = new Float64Array(p * p);
  }

  get q(): number {
    return this.q1 + this.q2;
  }

  /**
   * Factor in place: on entry L11 holds the A11 blocks, L21 holds A21 and L22 holds A22
   * (lower triangles suffice). Returns false when a pivot is not positive.
   */
  factor(): boolean {
    const { nlev0, k0, q1, q2, L11, L21, L22 } = this;
    const kk = k0 * k0;
    for (let j = 0; j < nlev0; j++) if (!cholInPlace(L11, j * kk, k0)) return false;
    if (q2 === 0) return true;
    const pattern = this.pattern;
    for (let j = 0; j < nlev0; j++) {
      const b = j * kk;
      const pat = pattern[j];
      const np = pat.length;
      // L21 block j = A21 block j · L11_j⁻ᵀ (forward solve down the block's columns, per pattern row)
      for (let a = 0; a < k0; a++) {
        const ca = (j * k0 + a) * q2;
        const dia = L11[b + a * k0 + a];
        for (let t = 0; t < np; t++) {
          const r = pat[t];
          let v = L21[ca + r];
          for (let c = 0; c < a; c++) v -= L11[b + a * k0 + c] * L21[(j * k0 + c) * q2 + r];
          L21[ca + r] = v / dia;
        }
      }
      // L22 −= Σ_{c in block j} L21[:, c] L21[:, c]ᵀ over the pattern (lower triangle)
      for (let a = 0; a < k0; a++) {
        const ca = (j * k0 + a) * q2;
        for (let t = 0; t < np; t++) {
          const r = pat[t];
          const vr = L21[ca + r];
          if (vr === 0) continue;
          const row = r * q2;
          for (let t2 = 0; t2 <= t; t2++) {
            const s2 = pat[t2];
            L22[row + s2] -= vr * L21[ca + s2];
          }
        }
      }
    }
    return cholInPlace(L22, 0, q2);
  }

  /** 2 log det L */
  ldL2(): number {
    const { nlev0, k0, q2, L11, L22 } = this;
    let s = 0;
    const kk = k0 * k0;
    for (let j = 0; j < nlev0; j++) for (let a = 0; a < k0; a++) s += Math.log(L11[j * kk + a * k0 + a]);
    for (let r = 0; r < q2; r++) s += Math.log(L22[r * q2 + r]);
    return 2 * s;
  }

  /** x ← L⁻¹ x (x has length q) */
  solveL(x: Float64Array, xo = 0, stride = 1): void {
    const { nlev0, k0, q1, q2, L11, L21, L22 } = this;
    const kk = k0 * k0;
    for (let j = 0; j < nlev0; j++) {
      const b = j * kk;
      const o = j * k0;
      for (let a = 0; a < k0; a++) {
        let s = x[xo + (o + a) * stride];
        for (let c = 0; c < a; c++) s -= L11[b + a * k0 + c] * x[xo + (o + c) * stride];
        x[xo + (o + a) * stride] = s / L11[b + a * k0 + a];
      }
    }
    if (q2 === 0) return;
    const pattern = this.pattern;
    for (let j = 0; j < nlev0; j++) {
      const pat = pattern[j];
      for (let a = 0; a < k0; a++) {
        const c = j * k0 + a;
        const xc = x[xo + c * stride];
        if (xc === 0) continue;
        const ca = c * q2;
        for (let t = 0; t < pat.length; t++) {
          const r = pat[t];
          x[xo + (q1 + r) * stride] -= L21[ca + r] * xc;
        }
      }
    }
    for (let r = 0; r < q2; r++) {
      let s = x[xo + (q1 + r) * stride];
      for (let c = 0; c < r; c++) s -= L22[r * q2 + c] * x[xo + (q1 + c) * stride];
      x[xo + (q1 + r) * stride] = s / L22[r * q2 + r];
    }
  }

  /** x ← L⁻ᵀ x */
  solveLt(x: Float64Array): void {
    const { nlev0, k0, q1, q2, L11, L21, L22 } = this;
    const kk = k0 * k0;
    for (let r = q2 - 1; r >= 0; r--) {
      let s = x[q1 + r];
      for (let c = r + 1; c < q2; c++) s -= L22[c * q2 + r] * x[q1 + c];
      x[q1 + r] = s / L22[r * q2 + r];
    }
    if (q2 > 0) {
      const pattern = this.pattern;
      for (let j = 0; j < nlev0; j++) {
        const pat = pattern[j];
        for (let a = 0; a < k0; a++) {
          const c = j * k0 + a;
          const ca = c * q2;
          let s = 0;
          for (let t = 0; t < pat.length; t++) {
            const r = pat[t];
            s += L21[ca + r] * x[q1 + r];
          }
          x[c] -= s;
        }
      }
    }
    for (let j = 0; j < nlev0; j++) {
      const b = j * kk;
      const o = j * k0;
      for (let a = k0 - 1; a >= 0; a--) {
        let s = x[o + a];
        for (let c = a + 1; c < k0; c++) s -= L11[b + c * k0 + a] * x[o + c];
        x[o + a] = s / L11[b + a * k0 + a];
      }
    }
  }

  /**
   * Diagonal k×k blocks of A⁻¹ = L⁻ᵀL⁻¹ for every level of every term, returned per column
   * range: `blocks(start, k)` gives the k×k block at rows/cols start..start+k-1.
   * Computes the full inverse of the dense part (fine for the sizes GLMMs have).
   */
  inverseDiagBlocks(ranges: { start: number; k: number }[]): Float64Array[] {
    const { nlev0, k0, q1, q2, L11, L21, L22 } = this;
    const kk = k0 * k0;
    // Li22 = L22⁻¹ (lower)
    const Li22 = new Float64Array(q2 * q2);
    for (let c = 0; c < q2; c++) {
      for (let r = c; r < q2; r++) {
        let s = r === c ? 1 : 0;
        for (let m = c; m < r; m++) s -= L22[r * q2 + m] * Li22[m * q2 + c];
        Li22[r * q2 + c] = s / L22[r * q2 + r];
      }
    }
    // N = L22⁻¹ L21 L11⁻¹ (q2 × q1): then (A⁻¹)11 = L11⁻ᵀL11⁻¹ + NᵀN, (A⁻¹)22 = Li22ᵀ Li22
    // Inverse of L11 blocks
    const Li11 = new Float64Array(nlev0 * kk);
    for (let j = 0; j < nlev0; j++) {
      const b = j * kk;
      for (let c = 0; c < k0; c++) {
        for (let r = c; r < k0; r++) {
          let s = r === c ? 1 : 0;
          for (let m = c; m < r; m++) s -= L11[b + r * k0 + m] * Li11[b + m * k0 + c];
          Li11[b + r * k0 + c] = s / L11[b + r * k0 + r];
        }
      }
    }
    const N = new Float64Array(q2 * q1);
    if (q2 > 0) {
      // M = Li22 L21
      const M = new Float64Array(q2 * q1);
      for (let r = 0; r < q2; r++) {
        for (let m = 0; m <= r; m++) {
          const v = Li22[r * q2 + m];
          if (v === 0) continue;
          const ro = r * q1;
          for (let c = 0; c < q1; c++) M[ro + c] += v * L21[c * q2 + m];
        }
      }
      // N = M L11⁻¹ (blockwise)
      for (let r = 0; r < q2; r++) {
        for (let j = 0; j < nlev0; j++) {
          const b = j * kk;
          const o = r * q1 + j * k0;
          for (let c = 0; c < k0; c++) {
            let s = 0;
            for (let a = c; a < k0; a++) s += M[o + a] * Li11[b + a * k0 + c];
            N[o + c] = s;
          }
        }
      }
    }
    const out: Float64Array[] = [];
    for (const { start, k } of ranges) {
      const B = new Float64Array(k * k);
      if (start < q1) {
        const j = Math.floor(start / k0);
        const b = j * kk;
        for (let r = 0; r < k; r++) {
          for (let c = 0; c < k; c++) {
            let s = 0;
            for (let m = 0; m < k0; m++) s += Li11[b + m * k0 + r] * Li11[b + m * k0 + c];
            for (let m = 0; m < q2; m++) s += N[m * q1 + start + r] * N[m * q1 + start + c];
            B[r * k + c] = s;
          }
        }
      } else {
        const o = start - q1;
        for (let r = 0; r < k; r++) {
          for (let c = 0; c < k; c++) {
            let s = 0;
            for (let m = 0; m < q2; m++) s += Li22[m * q2 + o + r] * Li22[m * q2 + o + c];
            B[r * k + c] = s;
          }
        }
      }
      out.push(B);
    }
    return out;
  }
}

/** In-place lower Cholesky of the n×n row-major block starting at `off`. */
export function cholInPlace(a: Float64Array, off: number, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[off + j * n + j];
    for (let c = 0; c < j; c++) d -= a[off + j * n + c] * a[off + j * n + c];
    if (!(d > 0)) return false;
    d = Math.sqrt(d);
    a[off + j * n + j] = d;
    for (let r = j + 1; r < n; r++) {
      let s = a[off + r * n + j];
      for (let c = 0; c < j; c++) s -= a[off + r * n + c] * a[off + j * n + c];
      a[off + r * n + j] = s / d;
    }
  }
  return true;
}
