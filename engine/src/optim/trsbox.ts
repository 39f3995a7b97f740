/**
 * Trust-region subproblem with bounds (the role of Powell's TRSBOX): approximately minimise
 * g'd + ½ d'Hd subject to ‖d‖ ≤ Δ and sl ≤ d ≤ su, by truncated conjugate gradients on the free
 * variables, fixing a variable whenever it reaches a bound and restarting; when the trust-region
 * boundary is reached, a few rotations on the sphere (in the plane of d and the steepest-descent
 * direction) improve the step further.
 */
export function trsbox(g: number[], H: number[][], delta: number, sl: number[], su: number[]): number[] {
  const n = g.length;
  const d = new Array<number>(n).fill(0);
  const fixed = new Array<boolean>(n).fill(false);
  for (let i = 0; i < n; i++) {
    if (sl[i] >= 0 && g[i] >= 0) fixed[i] = true;
    if (su[i] <= 0 && g[i] <= 0) fixed[i] = true;
  }
  const Hv = (v: number[]): number[] => {
    const out = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += H[i][j] * v[j];
      out[i] = s;
    }
    return out;
  };
  const dot = (a: number[], b: number[]): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[i] * b[i];
    return s;
  };
  let onBoundary = false;
  for (let restart = 0; restart <= n && !onBoundary; restart++) {
    const Hd = Hv(d);
    const r = new Array<number>(n);
    for (let i = 0; i < n; i++) r[i] = fixed[i] ? 0 : -(g[i] + Hd[i]);
    let rr = dot(r, r);
    if (rr === 0) break;
    const p = r.slice();
    let hitBound = false;
    for (let it = 0; it < n * 2 + 2; it++) {
      const Hp = Hv(p);
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
        fixed[iBd] = true;
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
  if (onBoundary) improveOnSphere(g, H, delta, sl, su, d, fixed, Hv, dot);
  return d;
}

function improveOnSphere(
  g: number[],
  H: number[][],
  delta: number,
  sl: number[],
  su: number[],
  d: number[],
  fixed: boolean[],
  Hv: (v: number[]) => number[],
  dot: (a: number[], b: number[]) => number,
): void {
  const n = g.length;
  const q = (v: number[]): number => dot(g, v) + 0.5 * dot(v, Hv(v));
  for (let it = 0; it < 10; it++) {
    const Hd = Hv(d);
    const grad = g.map((gi, i) => (fixed[i] ? 0 : gi + Hd[i]));
    // component of -grad orthogonal to d (within the free variables)
    const dd = dot(d, d);
    const gd = dot(grad, d);
    const s = grad.map((gi, i) => (fixed[i] ? 0 : -gi + (gd / dd) * d[i]));
    const ss = dot(s, s);
    if (ss < 1e-20 * dd || ss === 0) return;
    const sn = Math.sqrt(ss), dn = Math.sqrt(dd);
    const sUnit = s.map((v) => (v / sn) * dn);
    let best = q(d);
    let bestD: number[] | null = null;
    for (let k = 1; k <= 24; k++) {
      const ang = (k / 24) * (Math.PI / 2);
      const c = Math.cos(ang), sn2 = Math.sin(ang);
      const cand = d.map((v, i) => c * v + sn2 * sUnit[i]);
      let ok = true;
      for (let i = 0; i < n; i++) if (cand[i] < sl[i] - 1e-15 || cand[i] > su[i] + 1e-15) ok = false;
      if (!ok) break;
      const v = q(cand);
      if (v < best) {
        best = v;
        bestD = cand;
      }
    }
    if (!bestD) return;
    const old = q(d);
    for (let i = 0; i < n; i++) d[i] = bestD[i];
    if (old - best < 1e-3 * Math.abs(old)) return;
  }
  void delta;
}
