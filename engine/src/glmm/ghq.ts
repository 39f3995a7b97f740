/**
 * Gauss-Hermite rules for the standard normal weight (nodes z, weights w with Σw = 1,
 * Σ w f(z) ≈ E f(Z), Z ~ N(0,1)), as lme4's GHrule gives them, built by the Golub-Welsch
 * method: eigenvalues of the Jacobi matrix of the probabilists' Hermite polynomials.
 */

export interface GHRule {
  z: Float64Array;
  w: Float64Array;
  /** log of the standard normal density at each node */
  ldnorm: Float64Array;
}

/** Eigenvalues and first components of eigenvectors of a symmetric tridiagonal matrix (implicit QL). */
function tridiagEigen(diag: Float64Array, off: Float64Array): { values: Float64Array; first: Float64Array } {
  const n = diag.length;
  const d = Float64Array.from(diag);
  const e = new Float64Array(n);
  for (let i = 0; i < n - 1; i++) e[i] = off[i];
  // z holds the eigenvector matrix (row-major n×n), start with identity
  const z = new Float64Array(n * n);
  for (let i = 0; i < n; i++) z[i * n + i] = 1;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= 1e-15 * dd) break;
      }
      if (m === l) break;
      if (++iter > 60) throw new Error('Gauss-Hermite rule: eigenvalue iteration did not converge');
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      for (; i >= l; i--) {
        let f = s * e[i];
        const b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= p;
          e[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        for (let k = 0; k < n; k++) {
          f = z[k * n + i + 1];
          z[k * n + i + 1] = s * z[k * n + i] + c * f;
          z[k * n + i] = c * z[k * n + i] - s * f;
        }
      }
      if (r === 0 && i >= l) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
  const first = new Float64Array(n);
  for (let j = 0; j < n; j++) first[j] = z[j];
  return { values: d, first };
}

const cache = new Map<number, GHRule>();

/** The K-point rule (K >= 1), nodes in increasing order. */
export function ghRule(K: number): GHRule {
  const hit = cache.get(K);
  if (hit) return hit;
  const diag = new Float64Array(K);
  const off = new Float64Array(Math.max(0, K - 1));
  for (let k = 1; k < K; k++) off[k - 1] = Math.sqrt(k);
  const { values, first } = tridiagEigen(diag, off);
  const idx = Array.from({ length: K }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const z = new Float64Array(K);
  const w = new Float64Array(K);
  for (let i = 0; i < K; i++) {
    const v = values[idx[i]];
    z[i] = Math.abs(v) < 1e-13 ? 0 : v;
    w[i] = first[idx[i]] * first[idx[i]];
  }
  // symmetrise (the rule is exactly symmetric) and normalise the weights
  for (let i = 0; i < K >> 1; i++) {
    const zz = 0.5 * (z[K - 1 - i] - z[i]);
    z[i] = -zz;
    z[K - 1 - i] = zz;
    const ww = 0.5 * (w[i] + w[K - 1 - i]);
    w[i] = ww;
    w[K - 1 - i] = ww;
  }
  let sw = 0;
  for (let i = 0; i < K; i++) sw += w[i];
  const ldnorm = new Float64Array(K);
  for (let i = 0; i < K; i++) {
    w[i] /= sw;
    ldnorm[i] = -0.5 * z[i] * z[i] - 0.5 * Math.log(2 * Math.PI);
  }
  const rule = { z, w, ldnorm };
  cache.set(K, rule);
  return rule;
}

/**
 * lme4's adaptive Gauss-Hermite deviance for one scalar random-effects term (its glmerAGQ): per level
 * j the conditional deviance devc0_j (u_j² plus the level's observations' deviance at the mode u_j)
 * and the conditional sd sd_j; at each node z_k the level's deviance at u_j + z_k sd_j. Returns
 * Σ_j devc0_j + ld − 2 Σ_j log m_j, m_j = Σ_k w_k exp(−(devc_jk − devc0_j)/2 − log φ(z_k)) / √(2π).
 * `obsDeviance(i, uj)` is observation i's deviance with its level's effect at uj (the family's
 * deviance residual for glmer, twice its negative log-density for the families with a dispersion).
 */
export function adaptiveGHDeviance(
  rule: GHRule,
  refs: Int32Array,
  u: Float64Array,
  sd: Float64Array,
  devc0: Float64Array,
  ld: number,
  obsDeviance: (i: number, uj: number) => number,
): number {
  const q = devc0.length;
  const n = refs.length;
  const mult = new Float64Array(q);
  const devc = new Float64Array(q);
  const SQRT2PI = Math.sqrt(2 * Math.PI);
  for (let g = 0; g < rule.z.length; g++) {
    const zk = rule.z[g];
    if (zk === 0) {
      for (let j = 0; j < q; j++) mult[j] += rule.w[g];
      continue;
    }
    for (let j = 0; j < q; j++) {
      const uj = u[j] + zk * sd[j];
      devc[j] = uj * uj;
    }
    for (let i = 0; i < n; i++) {
      const j = refs[i];
      devc[j] += obsDeviance(i, u[j] + zk * sd[j]);
    }
    const c = rule.w[g] / SQRT2PI;
    for (let j = 0; j < q; j++) mult[j] += Math.exp(-0.5 * (devc[j] - devc0[j]) - rule.ldnorm[g]) * c;
  }
  let s = 0;
  let lm = 0;
  for (let j = 0; j < q; j++) {
    s += devc0[j];
    lm += Math.log(mult[j]);
  }
  return s + ld - 2 * lm;
}
