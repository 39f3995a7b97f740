/**
 * Kenward-Roger (1997) for gaussian mixed models, as pbkrtest 0.5 computes it and lmerTest reports it
 * (`summary(m, ddf = "Kenward-Roger")`):
 *  - the marginal covariance Σ = Σ_i γ_i G_i with γ = the VarCorr elements (lower triangle of each term's
 *    covariance matrix, then σ²), G_i = Z D_i Z' (D_i the level-replicated unit matrix of that element) and I;
 *  - Φ = vcov(β̂); P_i = −X'WG_iWX, Q_ij = X'WG_iWG_jWX, IE2_ij = tr(G_iWG_jW) − 2 tr(ΦQ_ij) + tr(ΦP_iΦP_j),
 *    W = 2·IE2⁻¹ (W = Σ⁻¹ elsewhere), Φ_A = Φ + 2Φ[Σ_ij W_ij(Q_ij − P_iΦP_j)]Φ;
 *  - the denominator df of a test of L'β (pbkrtest's Lb_ddf).
 * Nothing here forms an n×n matrix: with S = Λ(Λ'Z'ZΛ + I)⁻¹Λ', Σ⁻ᵏ = σ⁻²ᵏ(I − Z R_k Z') with R_1 = S,
 * R_{k+1} = S + R_k − S Z'Z R_k, so every trace and product reduces to q×q and q×p matrices (q random effects).
 *
 * The F test of a multi-row L (pbkrtest's KRmodcomp, lmerTest's anova(ddf = "Kenward-Roger")) scales the
 * Wald F with Φ_A by λ and refers it to F(q, m) with the same denominator df (kenwardRogerF).
 *
 *   const kr = kenwardRogerParts(fit, frame);       // once per fit
 *   kenwardRoger(kr, L)                             // { df, vcov: L Φ_A L' } for a contrast matrix L (rows)
 *   kenwardRogerF(kr, L, beta)                      // { F, FU, scaling, NumDF, DenDF, p }
 */
import { MlmError } from '../diagnostics';
import type { ModelFrame } from '../frame/types';
import type { FitResult } from '../result';
import { ReTerms } from '../lmm/reterms';
import { cholLower, crossprodLowerInverse, invLower } from '../linalg/dense';
import { pseudoInverse } from './symeig';
import { fUpper } from './distributions';

/** Above this many random effects the q×q algebra is too slow for an interactive fit. */
export const KR_MAX_RANDOM_EFFECTS = 2500;

export interface KenwardRogerParts {
  /** Unadjusted vcov(β̂) (Φ), p×p. */
  Phi: number[][];
  /** Kenward-Roger adjusted covariance Φ_A, p×p. */
  PhiA: number[][];
  /** pbkrtest's P_i matrices (p×p), one per covariance parameter. */
  P: number[][][];
  /** pbkrtest's W = 2·IE2⁻¹. */
  W: number[][];
  coefnames: string[];
}

type Mat = Float64Array; // q×q or q×p, row-major in this module

function matmul(a: Mat, b: Mat, n: number, m: number, k: number): Mat {
  // (n×m)(m×k), row-major
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const oi = i * k;
    for (let l = 0; l < m; l++) {
      const v = a[i * m + l];
      if (v === 0) continue;
      const bl = l * k;
      for (let j = 0; j < k; j++) out[oi + j] += v * b[bl + j];
    }
  }
  return out;
}

/** Inverse of a symmetric positive definite matrix (layout-free: symmetric); throws when not positive definite. */
export function invSpd(a: Mat, n: number): Mat {
  const L = Float64Array.from(a);
  if (cholLower(L, n) >= 0) throw new Error('matrix not positive definite');
  return crossprodLowerInverse(invLower(L, n), n);
}

const toRows = (a: Mat, n: number, m: number): number[][] => Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * m, (i + 1) * m)));

function matRows(a: number[][], b: number[][]): number[][] {
  const n = a.length, m = b.length, k = b[0]?.length ?? 0;
  const out = Array.from({ length: n }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < n; i++) for (let l = 0; l < m; l++) for (let j = 0; j < k; j++) out[i][j] += a[i][l] * b[l][j];
  return out;
}
const trace = (a: number[][]): number => a.reduce((s, r, i) => s + r[i], 0);
const trProd = (a: number[][], b: number[][]): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) for (let j = 0; j < a.length; j++) s += a[i][j] * b[j][i];
  return s;
};

/** Inverse of a small symmetric matrix (number[][]): pseudo-inverse when it is numerically singular. */
function invSmall(a: number[][]): number[][] {
  return pseudoInverse(a, 1e-10 * Math.max(1e-300, ...a.map((r, i) => Math.abs(r[i])))).inverse;
}

/**
 * The Kenward-Roger ingredients of a gaussian LMM fitted by REML (lmerTest refuses ML fits). Throws an
 * MlmError for ML fits, prior weights, or more than KR_MAX_RANDOM_EFFECTS random effects.
 */
export function kenwardRogerParts(fit: FitResult, frame: ModelFrame): KenwardRogerParts {
  if (fit.family !== 'gaussian' || fit.link !== 'identity')
    throw new MlmError({ code: 'kr-family', message: 'Kenward-Roger degrees of freedom are defined for gaussian (linear) mixed models only' });
  if (!fit.REML) throw new MlmError({ code: 'kr-ml', message: "Kenward-Roger degrees of freedom need a REML fit (as lmerTest): remove 'method: ML' or choose another df" });
  if (frame.weights) throw new MlmError({ code: 'kr-weights', message: "Kenward-Roger degrees of freedom are not available with prior 'weights:' (pbkrtest ignores them); choose another df" });
  const n = frame.n, p = frame.p;
  const terms = frame.reTerms;
  const offs: number[] = [];
  let q = 0;
  for (const t of terms) {
    offs.push(q);
    q += t.levels.length * t.k;
  }
  if (q > KR_MAX_RANDOM_EFFECTS)
    throw new MlmError({ code: 'kr-too-large', message: `Kenward-Roger needs dense algebra on all ${q} random effects (limit ${KR_MAX_RANDOM_EFFECTS}); use 'df: satterthwaite' for this model` });
  // A = Z'Z (q×q), B = Z'X (q×p), XtX, all row-major
  const A = new Float64Array(q * q), B = new Float64Array(q * p), XtX = new Float64Array(p * p);
  const idx = new Int32Array(q), val = new Float64Array(q);
  for (let r = 0; r < n; r++) {
    let m = 0;
    terms.forEach((t, ti) => {
      const base = offs[ti] + t.refs[r] * t.k;
      for (let a = 0; a < t.k; a++) {
        idx[m] = base + a;
        val[m++] = t.Z[r + a * n];
      }
    });
    for (let u = 0; u < m; u++) {
      const iu = idx[u] * q, vu = val[u];
      for (let w = 0; w < m; w++) A[iu + idx[w]] += vu * val[w];
      for (let j = 0; j < p; j++) B[idx[u] * p + j] += vu * frame.X[r + j * n];
    }
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) XtX[i * p + j] += frame.X[r + i * n] * frame.X[r + j * n];
  }
  // Λ (q×q block diagonal, lower)
  const lam = new ReTerms(terms).lambdaBlocks(fit.theta);
  const Lam = new Float64Array(q * q);
  terms.forEach((t, ti) => {
    const k = t.k, lo = lam.offsets[ti];
    for (let j = 0; j < t.levels.length; j++) {
      const b = offs[ti] + j * k;
      for (let a = 0; a < k; a++) for (let c = 0; c < k; c++) Lam[(b + a) * q + b + c] = lam.data[lo + a + c * k];
    }
  });
  const LamT = new Float64Array(q * q);
  for (let i = 0; i < q; i++) for (let j = 0; j < q; j++) LamT[j * q + i] = Lam[i * q + j];
  const C = matmul(matmul(LamT, A, q, q, q), Lam, q, q, q);
  for (let i = 0; i < q; i++) C[i * q + i] += 1;
  const S = matmul(matmul(Lam, invSpd(C, q), q, q, q), LamT, q, q, q);
  const SA = matmul(S, A, q, q, q);
  // R_{k+1} = S + R_k − S A R_k
  const next = (R: Mat): Mat => {
    const SAR = matmul(SA, R, q, q, q);
    const out = new Float64Array(q * q);
    for (let i = 0; i < q * q; i++) out[i] = S[i] + R[i] - SAR[i];
    return out;
  };
  const R1 = S, R2 = next(R1), R3 = next(R2);
  const s = 1 / (fit.sigma * fit.sigma);
  const AR1 = matmul(A, R1, q, q, q), AR2 = matmul(A, R2, q, q, q);
  const K1 = new Float64Array(q * q), K2 = new Float64Array(q * q);
  {
    const a1 = matmul(AR1, A, q, q, q), a2 = matmul(AR2, A, q, q, q);
    for (let i = 0; i < q * q; i++) {
      K1[i] = s * (A[i] - a1[i]);
      K2[i] = s * s * (A[i] - a2[i]);
    }
  }
  const F1 = new Float64Array(q * p), F2 = new Float64Array(q * p);
  {
    const b1 = matmul(AR1, B, q, q, p), b2 = matmul(AR2, B, q, q, p);
    for (let i = 0; i < q * p; i++) {
      F1[i] = s * (B[i] - b1[i]);
      F2[i] = s * s * (B[i] - b2[i]);
    }
  }
  const BT = new Float64Array(p * q);
  for (let i = 0; i < q; i++) for (let j = 0; j < p; j++) BT[j * q + i] = B[i * p + j];
  const xwkx = (R: Mat, sk: number): number[][] => {
    const m = matmul(BT, matmul(R, B, q, q, p), p, q, p);
    return toRows(m.map((v, i) => sk * (XtX[i] - v)), p, p);
  };
  const XW2X = xwkx(R2, s * s), XW3X = xwkx(R3, s * s * s);
  let trR2A = 0;
  for (let i = 0; i < q; i++) for (let j = 0; j < q; j++) trR2A += R2[i * q + j] * A[j * q + i];
  const trW2 = s * s * (n - trR2A);

  // covariance parameters: per term the lower triangle (column-major, as VarCorr), then σ²
  type Pairs = { r: Int32Array; c: Int32Array } | null; // null: the residual (G = I)
  const params: Pairs[] = [];
  terms.forEach((t, ti) => {
    const k = t.k, L = t.levels.length;
    for (let b = 0; b < k; b++)
      for (let a = b; a < k; a++) {
        const m = a === b ? L : 2 * L;
        const r = new Int32Array(m), c = new Int32Array(m);
        let x = 0;
        for (let j = 0; j < L; j++) {
          const base = offs[ti] + j * k;
          r[x] = base + a;
          c[x++] = base + b;
          if (a !== b) {
            r[x] = base + b;
            c[x++] = base + a;
          }
        }
        params.push({ r, c });
      }
  });
  params.push(null);
  const G = params.length;
  // Σ_{(r,c)∈D} M1[r,:]ᵀ M2[c,:]
  const outerSum = (D: { r: Int32Array; c: Int32Array }, M1: Mat, M2: Mat): number[][] => {
    const out = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    for (let x = 0; x < D.r.length; x++) {
      const o1 = D.r[x] * p, o2 = D.c[x] * p;
      for (let i = 0; i < p; i++) {
        const v = M1[o1 + i];
        if (v === 0) continue;
        for (let j = 0; j < p; j++) out[i][j] += v * M2[o2 + j];
      }
    }
    return out;
  };
  const PP = params.map((D) => (D ? outerSum(D, F1, F1).map((r) => r.map((v) => -v)) : XW2X.map((r) => r.map((v) => -v))));
  // K1 D_j F1 (q×p) for each random-effects parameter j
  const KDF = params.map((D) => {
    if (!D) return null;
    const M = new Float64Array(q * p);
    for (let x = 0; x < D.r.length; x++) for (let j = 0; j < p; j++) M[D.r[x] * p + j] += F1[D.c[x] * p + j];
    return matmul(K1, M, q, q, p);
  });
  const QQ: number[][][][] = Array.from({ length: G }, () => new Array(G));
  const Ktr: number[][] = Array.from({ length: G }, () => new Array<number>(G).fill(0));
  for (let i = 0; i < G; i++)
    for (let j = i; j < G; j++) {
      const Di = params[i], Dj = params[j];
      let Q: number[][];
      let kt = 0;
      if (Di && Dj) {
        Q = outerSum(Di, F1, KDF[j]!);
        for (let x = 0; x < Di.r.length; x++) {
          const r = Di.r[x], c = Di.c[x];
          for (let y = 0; y < Dj.r.length; y++) kt += K1[c * q + Dj.r[y]] * K1[Dj.c[y] * q + r];
        }
      } else if (Di && !Dj) {
        Q = outerSum(Di, F1, F2);
        for (let x = 0; x < Di.r.length; x++) kt += K2[Di.c[x] * q + Di.r[x]];
      } else {
        Q = XW3X;
        kt = trW2;
      }
      QQ[i][j] = Q;
      QQ[j][i] = Q.map((_, a) => Q.map((row) => row[a]));
      Ktr[i][j] = Ktr[j][i] = kt;
    }
  const Phi = fit.vcov.map((r) => r.slice());
  const IE2: number[][] = Array.from({ length: G }, () => new Array<number>(G).fill(0));
  const PhiP = PP.map((P) => matRows(Phi, P));
  for (let i = 0; i < G; i++)
    for (let j = i; j < G; j++) {
      let phiQ = 0;
      for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) phiQ += Phi[a][b] * QQ[i][j][a][b];
      IE2[i][j] = IE2[j][i] = Ktr[i][j] - 2 * phiQ + trProd(PhiP[i], PhiP[j]);
    }
  const Winv = invSmall(IE2).map((r) => r.map((v) => 2 * v));
  const UU = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  for (let i = 0; i < G; i++)
    for (let j = 0; j < G; j++) {
      const PPhiP = matRows(matRows(PP[i], Phi), PP[j]);
      for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) UU[a][b] += Winv[i][j] * (QQ[i][j][a][b] - PPhiP[a][b]);
    }
  const Gam = matRows(matRows(Phi, UU), Phi);
  const PhiA = Phi.map((r, a) => r.map((v, b) => v + 2 * Gam[a][b]));
  return { Phi, PhiA, P: PP, W: Winv, coefnames: fit.coefnames.slice() };
}

/**
 * Kenward-Roger for the hypothesis L'β = 0 (L: rows of length p): the denominator df (pbkrtest's Lb_ddf)
 * and the adjusted covariance L Φ_A L' of the contrasts. For one row, the t test uses df and √vcov[0][0].
 */
export function kenwardRoger(parts: KenwardRogerParts, L: number[][]): { df: number; vcov: number[][] } {
  const { df } = krAdjust(parts, L);
  const Lt = L[0].map((_, j) => L.map((row) => row[j]));
  return { df, vcov: matRows(matRows(L, parts.PhiA), Lt) };
}

/** pbkrtest's .KR_adjust for a full-rank L (rows): the denominator df and the F scaling factor λ. */
function krAdjust(parts: KenwardRogerParts, L: number[][]): { df: number; scaling: number } {
  const V0 = parts.Phi;
  const Lt = L[0].map((_, j) => L.map((row) => row[j]));
  const LV0Lt = matRows(matRows(L, V0), Lt);
  const Theta = matRows(matRows(Lt, invSmall(LV0Lt)), L);
  const ThetaV0 = matRows(Theta, V0);
  const us = parts.P.map((P) => matRows(matRows(ThetaV0, P), V0));
  const trs = us.map(trace);
  let A1 = 0, A2 = 0;
  const G = us.length;
  for (let i = 0; i < G; i++)
    for (let j = 0; j < G; j++) {
      A1 += parts.W[i][j] * trs[i] * trs[j];
      A2 += parts.W[i][j] * trProd(us[i], us[j]);
    }
  const q = L.length;
  const B = (1 / (2 * q)) * (A1 + 6 * A2);
  const g = ((q + 1) * A1 - (q + 4) * A2) / ((q + 2) * A2);
  const c1 = g / (3 * q + 2 * (1 - g));
  const c2 = (q - g) / (3 * q + 2 * (1 - g));
  const c3 = (q + 2 - g) / (3 * q + 2 * (1 - g));
  let v0 = 1 + c1 * B;
  const v1 = 1 - c2 * B;
  const v2 = 1 - c3 * B;
  if (Math.abs(v0) < 1e-10) v0 = 0;
  const ratio = v1 === 0 ? 0 : (1 - A2 / q) / v1; // pbkrtest's .divZero
  const rho = (1 / q) * ratio * ratio * (v0 / v2);
  const df = 4 + (q + 2) / (q * rho - 1);
  // pbkrtest 0.5.2: F.scaling <- ifelse(abs(df2 - 2) < 1e-2, 1, df2 * (1 - A2/q) / (df2 - 2))
  const scaling = Math.abs(df - 2) < 1e-2 ? 1 : (df * (1 - A2 / q)) / (df - 2);
  return { df, scaling };
}

/**
 * A basis of the row space of L (pbkrtest's force_full_rank: the hypothesis is unchanged, its
 * numerator df is the rank): Gram-Schmidt on the rows, dropping rows that depend on earlier ones.
 */
function fullRankRows(L: number[][]): number[][] {
  const scale = Math.max(1e-300, ...L.map((r) => Math.hypot(...r)));
  const basis: number[][] = [];
  const out: number[][] = [];
  for (const row of L) {
    const v = row.slice();
    for (const b of basis) {
      const d = v.reduce((s, x, i) => s + x * b[i], 0);
      for (let i = 0; i < v.length; i++) v[i] -= d * b[i];
    }
    const nv = Math.hypot(...v);
    if (nv <= 1e-10 * scale) continue;
    basis.push(v.map((x) => x / nv));
    out.push(row);
  }
  return out;
}

/** The Kenward-Roger F test of Lβ = 0, as pbkrtest's KRmodcomp (what lmerTest's anova(m, ddf = "Kenward-Roger") reports). */
export interface KenwardRogerF {
  /** The scaled statistic λ·F_U (lmerTest's 'F value'). */
  F: number;
  /** The unscaled Wald F, (Lβ)'(LΦ_AL')⁻¹(Lβ)/q (lmerTest's Sum Sq and Mean Sq are F_U·σ²·q and F_U·σ²). */
  FU: number;
  /** The scaling factor λ. */
  scaling: number;
  NumDF: number;
  DenDF: number;
  p: number;
}

/**
 * Kenward-Roger's F test of the hypothesis Lβ = 0 (L: rows of length p, reduced to full rank first):
 * F_U = (Lβ)'(LΦ_AL')⁻¹(Lβ)/q with the adjusted covariance Φ_A, F = λ·F_U referred to F(q, m) with
 * the denominator df m and the scaling λ of Kenward & Roger (1997) as pbkrtest computes them.
 * Null when L has rank 0.
 */
export function kenwardRogerF(parts: KenwardRogerParts, L: number[][], beta: number[]): KenwardRogerF | null {
  const Lf = fullRankRows(L);
  const q = Lf.length;
  if (q === 0) return null;
  const { df, scaling } = krAdjust(parts, Lf);
  const Lt = Lf[0].map((_, j) => Lf.map((row) => row[j]));
  const LPL = matRows(matRows(Lf, parts.PhiA), Lt);
  const Lb = Lf.map((row) => row.reduce((s, v, i) => s + v * beta[i], 0));
  const inv = invSmall(LPL);
  let wald = 0;
  for (let i = 0; i < q; i++) for (let j = 0; j < q; j++) wald += Lb[i] * inv[i][j] * Lb[j];
  const FU = wald / q;
  const F = scaling * FU;
  return { F, FU, scaling, NumDF: q, DenDF: df, p: fUpper(F, q, df) };
}
