/**
 * Trust-region subproblem with bounds (the role of Powell's TRSBOX): approximately minimise
 * g'd + ½ d'Hd subject to ‖d‖ ≤ Δ and sl ≤ d ≤ su, by truncated conjugate gradients on the free
 * variables, fixing a variable whenever it reaches a bound and restarting; when the trust-region
 * boundary is reached, a few rotations on the sphere (in the plane of d and the steepest-descent
 * direction) improve the step further.
 */
type Vec = ArrayLike<number>;

/** out = H v (H given by its rows). */
function hv(H: readonly Vec[], v: Vec, out: Float64Array): Float64Array {
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const Hi = H[i];
    let s = 0;
    for (let j = 0; j < n; j++) s += Hi[j] * v[j];
    out[i] = s;
  }
  return out;
}

function dot(a: Vec, b: Vec): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function trsbox(g: Vec, H: readonly Vec[], delta: number, sl: Vec, su: Vec): Float64Array {
  const n = g.length;
  const d = new Float64Array(n);
  const fixed = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (sl[i] >= 0 && g[i] >= 0) fixed[i] = 1;
    if (su[i] <= 0 && g[i] <= 0) fixed[i] = 1;
  }
  const Hd = new Float64Array(n);
  const Hp = new Float64Array(n);
  const r = new Float64Array(n);
  const p = new Float64Array(n);
  let onBoundary = false;
  for (let restart = 0; restart <= n && !onBoundary; restart++) {
    hv(H, d, Hd);
    for (let i = 0; i < n; i++) r[i] = fixed[i] ? 0 : -(g[i] + Hd[i]);
    let rr = dot(r, r);
    if (rr === 0) break;
    p.set(r);
    let hitBound = false;
    for (let it = 0; it < n * 2 + 2; it++) {
      hv(H, p, Hp);
      const curv = dot(p, Hp);
      // step to the trust-region boundary
      const pp = dot(p, p), dp = dot(d, p), dd = dot(d, d);
      const disc = dp * dp + pp * (delta * delta - dd);
      const aTr = disc > 0 ? (-dp + Math.sqrt(disc)) / pp : 0;
      // step to the first bound
      let aBd = Infinity;
      let iBd = -1;
      for (let i = 0; i < n; i++) {
        if (fixed[i] || p[i] === 0) continue;
        const lim = p[i] > 0 ? (su[i] - d[i]) / p[i] : (sl[i] - d[i]) / p[i];
        if (lim < aBd) {
          aBd = Math.max(0, lim);
          iBd = i;
        }
      }
      const aCg = curv > 0 ? rr / curv : Infinity;
      const a = Math.min(aCg, aTr, aBd);
      for (let i = 0; i < n; i++) d[i] += a * p[i];
      if (a === aBd && aBd <= aTr && aBd <= aCg) {
        d[iBd] = p[iBd] > 0 ? su[iBd] : sl[iBd];
        fixed[iBd] = 1;
        hitBound = true;
        break;
      }
      if (a === aTr) {
        onBoundary = true;
        break;
      }
      for (let i = 0; i < n; i++) r[i] -= a * Hp[i];
      const rrNew = dot(r, r);
      if (rrNew < 1e-30 * (1 + dot(g, g))) break;
      const beta = rrNew / rr;
      rr = rrNew;
      for (let i = 0; i < n; i++) p[i] = fixed[i] ? 0 : r[i] + beta * p[i];
    }
    if (!hitBound) break;
  }
  if (onBoundary) improveOnSphere(g, H, sl, su, d, fixed);
  return d;
}

/** The model's value g'v + ½ v'Hv (tmp: scratch of length n). */
function quadValue(g: Vec, H: readonly Vec[], v: Vec, tmp: Float64Array): number {
  return dot(g, v) + 0.5 * dot(v, hv(H, v, tmp));
}

function improveOnSphere(g: Vec, H: readonly Vec[], sl: Vec, su: Vec, d: Float64Array, fixed: Uint8Array): void {
  const n = g.length;
  const tmp = new Float64Array(n);
  const Hd = new Float64Array(n);
  const grad = new Float64Array(n);
  const s = new Float64Array(n);
  const sUnit = new Float64Array(n);
  const cand = new Float64Array(n);
  const bestD = new Float64Array(n);
  for (let it = 0; it < 10; it++) {
    hv(H, d, Hd);
    for (let i = 0; i < n; i++) grad[i] = fixed[i] ? 0 : g[i] + Hd[i];
    // component of -grad orthogonal to d (within the free variables)
    const dd = dot(d, d);
    const gd = dot(grad, d);
    for (let i = 0; i < n; i++) s[i] = fixed[i] ? 0 : -grad[i] + (gd / dd) * d[i];
    const ss = dot(s, s);
    if (ss < 1e-20 * dd || ss === 0) return;
    const sn = Math.sqrt(ss), dn = Math.sqrt(dd);
    for (let i = 0; i < n; i++) sUnit[i] = (s[i] / sn) * dn;
    const old = quadValue(g, H, d, tmp);
    let best = old;
    let found = false;
    for (let k = 1; k <= 24; k++) {
      const ang = (k / 24) * (Math.PI / 2);
      if (!rotated(d, sUnit, Math.cos(ang), Math.sin(ang), sl, su, cand)) break;
      const v = quadValue(g, H, cand, tmp);
      if (v < best) {
        best = v;
        bestD.set(cand);
        found = true;
      }
    }
    if (!found) return;
    d.set(bestD);
    if (old - best < 1e-3 * Math.abs(old)) return;
  }
}

/** out = c d + s u (d rotated towards u on the sphere); false when it leaves the bounds sl ≤ out ≤ su. */
function rotated(d: Float64Array, u: Float64Array, c: number, s: number, sl: Vec, su: Vec, out: Float64Array): boolean {
  const n = d.length;
  for (let i = 0; i < n; i++) out[i] = c * d[i] + s * u[i];
  for (let i = 0; i < n; i++) if (out[i] < sl[i] - 1e-15 || out[i] > su[i] + 1e-15) return false;
  return true;
}
