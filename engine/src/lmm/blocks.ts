/**
 * A linear mixed model's data as cross-product blocks instead of rows (computed by one SQL
 * aggregation, engine/src/sql/). Every model column — fixed-effects columns, random-effects columns,
 * the response — is a linear combination of a small basis (the constant 1 and centred numeric
 * columns v_1..v_m); the blocks are the Gram matrices Σ v v' of the basis over all rows, per level
 * of each random-effects term, and per cell of each pair of terms. PlsSystem.fromBlocks builds the
 * penalized least-squares system from the products these imply (plsBlocksOf).
 *
 * The PLS system works on centred fixed-effects columns and a centred response when the model has
 * an intercept (their constant parts removed), so large means do not eat precision; `betaMap` turns
 * its β back into the coefficients of the model's own columns exactly (β = R β_c + r0).
 */

export interface CrossProductBlocks {
  /** Basis size: the constant and m centred columns. */
  m1: number;
  /** m1×m1 Gram matrix (column-major, symmetric) of the basis over all rows used; total[0] = n. */
  total: Float64Array;
  /** Per random-effects term (the frame's reTerms order): the basis Gram per level (nlev × m1²), and the term's k columns in the basis (m1×k). */
  terms: { gram: Float64Array; tz: Float64Array }[];
  /** Per pair of terms s < t (frame order): each cell (level ls of s, level lt of t) with rows in both, with its basis Gram (ncell × m1²). */
  pairs: { s: number; t: number; ls: Int32Array; lt: Int32Array; gram: Float64Array }[];
  /** The fixed-effects columns (m1×p) and the response (m1) in the basis, as the model defines them. */
  x: Float64Array;
  y: Float64Array;
  /** Column of x that is the intercept (the constant), or -1. */
  intercept: number;
}

/** The products the PLS system reads, in the coordinates it works in. */
export interface PlsBlocks {
  n: number;
  p: number;
  /** (p+1)×(p+1) [X y]'[X y], column-major. */
  xy: Float64Array;
  /** Per term: Z'Z per level (nlev × k×k, column-major) and Z'[X y] per level (nlev × k×(p+1), column-major k×(p+1)). */
  zz: Float64Array[];
  zxy: Float64Array[];
  /** Per pair s < t: cells and Z_s'Z_t per cell (ncell × k_s×k_t, column-major k_s×k_t). */
  pairs: { s: number; t: number; ls: Int32Array; lt: Int32Array; zz: Float64Array }[];
}

/** β of the model's columns from the PLS system's: β = R β_c + r0 (R p×p column-major). */
export interface BetaMap {
  R: Float64Array;
  r0: Float64Array;
}

/** A' G B for column-major G (m×m at offset go), A (m×ka), B (m×kb) → ka×kb column-major into out at o. */
function sandwich(G: Float64Array, go: number, m: number, A: Float64Array, ka: number, B: Float64Array, kb: number, out: Float64Array, o: number, tmp: Float64Array): void {
  // tmp = G B (m×kb)
  for (let c = 0; c < kb; c++)
    for (let r = 0; r < m; r++) {
      let s = 0;
      for (let x = 0; x < m; x++) {
        const bv = B[x + c * m];
        if (bv !== 0) s += G[go + r + x * m] * bv;
      }
      tmp[r + c * m] = s;
    }
  for (let c = 0; c < kb; c++)
    for (let a = 0; a < ka; a++) {
      let s = 0;
      for (let x = 0; x < m; x++) {
        const av = A[x + a * m];
        if (av !== 0) s += av * tmp[x + c * m];
      }
      out[o + a + c * ka] = s;
    }
}

/** The PLS coordinates: [X y] with the constant parts removed when the model has an intercept. */
function plsColumns(cb: CrossProductBlocks): { xy: Float64Array; map: BetaMap } {
  const { m1, x, y, intercept } = cb;
  const p = x.length / m1;
  const xy = new Float64Array(m1 * (p + 1));
  xy.set(x);
  xy.set(y, m1 * p);
  const R = new Float64Array(p * p);
  for (let j = 0; j < p; j++) R[j + j * p] = 1;
  const r0 = new Float64Array(p);
  if (intercept >= 0) {
    for (let j = 0; j <= p; j++) {
      if (j === intercept) continue;
      const d = xy[j * m1];
      xy[j * m1] = 0;
      if (j < p) R[intercept + j * p] = -d;
      else r0[intercept] = d;
    }
  }
  return { xy, map: { R, r0 } };
}

/** The products of the PLS system from the blocks, and the map of its β back to the model's coefficients. */
export function plsBlocksOf(cb: CrossProductBlocks): { blocks: PlsBlocks; betaMap: BetaMap } {
  const { m1 } = cb;
  const p = cb.x.length / m1;
  const { xy: T, map } = plsColumns(cb);
  const tmp = new Float64Array(m1 * Math.max(p + 1, 16));
  const xy = new Float64Array((p + 1) * (p + 1));
  sandwich(cb.total, 0, m1, T, p + 1, T, p + 1, xy, 0, tmp);
  const ks = cb.terms.map((t) => t.tz.length / m1);
  const zz: Float64Array[] = [];
  const zxy: Float64Array[] = [];
  cb.terms.forEach((t, ti) => {
    const k = ks[ti];
    const nlev = t.gram.length / (m1 * m1);
    const a = new Float64Array(nlev * k * k);
    const b = new Float64Array(nlev * k * (p + 1));
    const tk = k > 16 ? new Float64Array(m1 * Math.max(k, p + 1)) : tmp;
    for (let l = 0; l < nlev; l++) {
      sandwich(t.gram, l * m1 * m1, m1, t.tz, k, t.tz, k, a, l * k * k, tk);
      sandwich(t.gram, l * m1 * m1, m1, t.tz, k, T, p + 1, b, l * k * (p + 1), tk);
    }
    zz.push(a);
    zxy.push(b);
  });
  const pairs = cb.pairs.map((pr) => {
    const ka = ks[pr.s], kb = ks[pr.t];
    const nc = pr.ls.length;
    const out = new Float64Array(nc * ka * kb);
    const tk = new Float64Array(m1 * Math.max(kb, 1));
    for (let c = 0; c < nc; c++) sandwich(pr.gram, c * m1 * m1, m1, cb.terms[pr.s].tz, ka, cb.terms[pr.t].tz, kb, out, c * ka * kb, tk);
    return { s: pr.s, t: pr.t, ls: pr.ls, lt: pr.lt, zz: out };
  });
  return { blocks: { n: cb.total[0], p, xy, zz, zxy, pairs }, betaMap: map };
}

/** The blocks of the model with fixed-effects column j held at `value` (moved into the response): for profiles of β_j. */
export function blocksWithFixedCoef(cb: CrossProductBlocks, j: number, value: number): CrossProductBlocks {
  const { m1 } = cb;
  const p = cb.x.length / m1;
  const x = new Float64Array(m1 * (p - 1));
  for (let c = 0, cc = 0; c < p; c++) {
    if (c === j) continue;
    x.set(cb.x.subarray(c * m1, (c + 1) * m1), cc * m1);
    cc++;
  }
  const y = Float64Array.from(cb.y);
  for (let a = 0; a < m1; a++) y[a] -= value * cb.x[a + j * m1];
  const intercept = cb.intercept === j ? -1 : cb.intercept > j ? cb.intercept - 1 : cb.intercept;
  return { ...cb, x, y, intercept };
}

/** Mean and variance (denominator n − 1) over rows of the fixed-effects predictor Xβ (Nakagawa's R²). */
export function fixedPredictorMoments(cb: CrossProductBlocks, beta: ArrayLike<number>): { mean: number; variance: number } {
  const { m1 } = cb;
  const p = cb.x.length / m1;
  // the predictor is v'w with w = x β in the basis, v = (1, v_1, ...); its centred part is w without the constant
  const w = new Float64Array(m1);
  for (let j = 0; j < p; j++) for (let a = 0; a < m1; a++) w[a] += cb.x[a + j * m1] * beta[j];
  const n = cb.total[0];
  let sum = 0, sumSq = 0;
  for (let a = 1; a < m1; a++) {
    sum += cb.total[a] * w[a];
    for (let b = 1; b < m1; b++) sumSq += w[a] * cb.total[a + b * m1] * w[b];
  }
  const meanC = sum / n;
  return { mean: w[0] + meanC, variance: n > 1 ? (sumSq - n * meanC * meanC) / (n - 1) : 0 };
}

/** Σ over rows of z_i z_i' for random-effects term t (k×k column-major). */
export function termSumZZ(cb: CrossProductBlocks, t: number): Float64Array {
  const { m1 } = cb;
  const term = cb.terms[t];
  const k = term.tz.length / m1;
  const nlev = term.gram.length / (m1 * m1);
  const G = new Float64Array(m1 * m1);
  for (let l = 0; l < nlev; l++) for (let i = 0; i < m1 * m1; i++) G[i] += term.gram[l * m1 * m1 + i];
  const out = new Float64Array(k * k);
  sandwich(G, 0, m1, term.tz, k, term.tz, k, out, 0, new Float64Array(m1 * Math.max(k, 1)));
  return out;
}
