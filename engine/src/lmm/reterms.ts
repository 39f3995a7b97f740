/**
 * Random-effects terms and the relative covariance factor Λ(θ) (lme4's layout, used by lmer and
 * glmer alike): each term t with k columns owns k(k+1)/2 consecutive elements of θ, the lower
 * triangle of its k×k factor Λ_t taken column by column; b = Λu level by level, u and b in lme4's
 * order (term, level, column).
 */

/** What a random-effects term brings from the model frame (ReTermFrame satisfies it). */
export interface ReTermData {
  k: number;
  levels: ArrayLike<unknown>;
  /** level index (0-based) of each observation */
  refs: Int32Array;
  /** n×k column-major model matrix of the term */
  Z: Float64Array;
}

/** Number of θ elements of a term with k columns. */
export function nThetaOf(k: number): number {
  return (k * (k + 1)) / 2;
}

/** One random-effects term with its place in θ, u and a row of ZΛ. */
export class ReTerm {
  readonly k: number;
  readonly nlev: number;
  readonly refs: Int32Array;
  readonly Z: Float64Array;
  readonly nTheta: number;
  /** first of this term's parameters in θ */
  readonly thOff: number;
  /** first of this term's coefficients in u (and b) */
  readonly uOff: number;
  /** first of this term's k entries in a row of ZΛ */
  readonly kOff: number;

  constructor(d: ReTermData, thOff: number, uOff: number, kOff: number) {
    this.k = d.k;
    this.nlev = d.levels.length;
    this.refs = d.refs;
    this.Z = d.Z;
    this.nTheta = nThetaOf(d.k);
    this.thOff = thOff;
    this.uOff = uOff;
    this.kOff = kOff;
  }

  /** Λ_t(θ) written column-major (k×k, lower triangle) into out at o. */
  lambdaInto(theta: ArrayLike<number>, out: Float64Array, o = 0): Float64Array {
    const k = this.k;
    let pos = this.thOff;
    for (let c = 0; c < k; c++) {
      for (let r = 0; r < c; r++) out[o + r + c * k] = 0;
      for (let r = c; r < k; r++) out[o + r + c * k] = theta[pos++];
    }
    return out;
  }

  /** Λ_t(θ), k×k column-major lower-triangular. */
  lambda(theta: ArrayLike<number>): Float64Array {
    return this.lambdaInto(theta, new Float64Array(this.k * this.k));
  }

  /** b_t = Λ_t u_t per level (nlev × k values, level-major: b[j k + r]), u the whole vector of u. */
  b(theta: ArrayLike<number>, u: ArrayLike<number>): Float64Array {
    const k = this.k;
    const L = this.lambda(theta);
    const out = new Float64Array(this.nlev * k);
    for (let j = 0; j < this.nlev; j++) {
      const o = this.uOff + j * k;
      for (let r = 0; r < k; r++) {
        let s = 0;
        for (let c = 0; c <= r; c++) s += L[r + c * k] * u[o + c];
        out[j * k + r] = s;
      }
    }
    return out;
  }

  /** lme4's lower bounds of this term's θ: 0 on the diagonal, -Infinity off it. */
  pushLower(out: number[]): void {
    for (let c = 0; c < this.k; c++) for (let r = c; r < this.k; r++) out.push(r === c ? 0 : -Infinity);
  }

  /** lme4's start: Λ_t = I. */
  pushStart(out: number[]): void {
    for (let c = 0; c < this.k; c++) for (let r = c; r < this.k; r++) out.push(r === c ? 1 : 0);
  }
}

/** The random-effects terms of a model, in lme4's order. */
export class ReTerms {
  readonly terms: ReTerm[];
  readonly nTheta: number;
  /** number of random-effects coefficients (length of u) */
  readonly q: number;
  /** Σ k_t: entries of ZΛ per row */
  readonly kTot: number;
  readonly ks: number[];
  readonly nLevels: number[];

  constructor(data: readonly ReTermData[]) {
    let th = 0, u = 0, kk = 0;
    this.terms = data.map((d) => {
      const t = new ReTerm(d, th, u, kk);
      th += t.nTheta;
      u += t.k * t.nlev;
      kk += t.k;
      return t;
    });
    this.nTheta = th;
    this.q = u;
    this.kTot = kk;
    this.ks = this.terms.map((t) => t.k);
    this.nLevels = this.terms.map((t) => t.nlev);
  }

  /** lme4's lower bounds of θ. */
  lower(): number[] {
    const out: number[] = [];
    for (const t of this.terms) t.pushLower(out);
    return out;
  }

  /** lme4's starting θ (identity factors). */
  start(): number[] {
    const out: number[] = [];
    for (const t of this.terms) t.pushStart(out);
    return out;
  }

  /** Λ of every term: k×k column-major lower-triangular matrices, term t's at offsets[t]. */
  lambdaBlocks(theta: ArrayLike<number>): { data: Float64Array; offsets: number[] } {
    if (theta.length !== this.nTheta) throw new Error(`theta has length ${theta.length}, expected ${this.nTheta}`);
    const offsets: number[] = [];
    let size = 0;
    for (const t of this.terms) {
      offsets.push(size);
      size += t.k * t.k;
    }
    const data = new Float64Array(size);
    this.terms.forEach((t, i) => t.lambdaInto(theta, data, offsets[i]));
    return { data, offsets };
  }

  /** b = Λ(θ) u for all terms, lme4's order. */
  b(theta: ArrayLike<number>, u: ArrayLike<number>): Float64Array {
    const out = new Float64Array(this.q);
    for (const t of this.terms) out.set(t.b(theta, u), t.uOff);
    return out;
  }
}
