/**
 * Distribution functions needed for tests and intervals: normal, Student t and chi-square
 * tail probabilities and quantiles. Written from the textbook definitions (regularized
 * incomplete gamma and beta functions evaluated by series and continued fractions), accurate
 * to roughly 1e-13 relative in the tails, which matters for p-values such as 1e-112.
 */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log Γ(x) for x > 0 (Lanczos approximation, g = 7). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

const EPS = 1e-16;
const TINY = 1e-300;

/** Regularized lower incomplete gamma P(a, x) and upper Q(a, x) = 1 - P, each computed where it is accurate. */
function incompleteGamma(a: number, x: number): { P: number; Q: number } {
  if (x <= 0) return { P: 0, Q: 1 };
  const logFront = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    // series: P = e^{-x} x^a / Γ(a+1) Σ x^n / ((a+1)...(a+n))
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPS) break;
    }
    const P = Math.exp(logFront) * sum;
    return { P, Q: 1 - P };
  }
  // continued fraction for Q (modified Lentz)
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  const Q = Math.exp(logFront) * h;
  return { P: 1 - Q, Q };
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaCf(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < 10000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b), returned with its complement for accuracy. */
function incompleteBeta(x: number, a: number, b: number): { I: number; J: number } {
  if (x <= 0) return { I: 0, J: 1 };
  if (x >= 1) return { I: 1, J: 0 };
  const logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) {
    const I = (Math.exp(logFront) * betaCf(a, b, x)) / a;
    return { I, J: 1 - I };
  }
  const J = (Math.exp(logFront) * betaCf(b, a, 1 - x)) / b;
  return { I: 1 - J, J };
}

/** P(Z > z) for a standard normal Z. */
export function normalUpper(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z < 0) return 1 - normalUpper(-z);
  if (z === Infinity) return 0;
  // P(Z > z) = erfc(z/√2)/2 = Q(1/2, z²/2)/2
  return 0.5 * incompleteGamma(0.5, (z * z) / 2).Q;
}

/** Standard normal cumulative distribution function Φ(z). */
export function pnorm(z: number): number {
  return z < 0 ? normalUpper(-z) : 1 - normalUpper(z);
}

/** Standard normal density. */
export function dnorm(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

/** Standard normal quantile: Newton iterations on Φ from a logistic-based start, to full precision. */
export function qnorm(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    return NaN;
  }
  if (p > 0.5) return -qnorm(1 - p);
  // lower tail: solve normalUpper(-x) = p for x <= 0; start from the tail approximation
  const t = Math.sqrt(-2 * Math.log(p));
  let x = -(t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t));
  for (let i = 0; i < 50; i++) {
    const f = normalUpper(-x) - p;
    const step = f / dnorm(x);
    x -= step;
    if (Math.abs(step) < 1e-15 * Math.max(1, Math.abs(x))) break;
  }
  return x;
}

/** Two-sided p-value of a t statistic with df degrees of freedom: 2 P(T_df > |t|). */
export function tTwoSided(t: number, df: number): number {
  if (!Number.isFinite(df) || df > 1e7) return 2 * normalUpper(Math.abs(t));
  if (!(df > 0)) return NaN;
  const x = df / (df + t * t);
  return incompleteBeta(x, df / 2, 0.5).I;
}

/** P(T_df <= t). */
export function pt(t: number, df: number): number {
  const two = tTwoSided(t, df);
  return t >= 0 ? 1 - two / 2 : two / 2;
}

/** Quantile of the t distribution (bisection refined on the cdf). */
export function qt(p: number, df: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : NaN;
  if (!Number.isFinite(df) || df > 1e7) return qnorm(p);
  if (p < 0.5) return -qt(1 - p, df);
  let lo = 0;
  let hi = Math.max(1, qnorm(p));
  while (pt(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-14 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (pt(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** Upper tail of the chi-square distribution: P(X > x) with df degrees of freedom. */
export function chisqUpper(x: number, df: number): number {
  if (!(df > 0)) return NaN;
  if (x <= 0) return 1;
  return incompleteGamma(df / 2, x / 2).Q;
}

/** Quantile of the chi-square distribution (bisection on the cdf). */
export function qchisq(p: number, df: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? 0 : p === 1 ? Infinity : NaN;
  let lo = 0;
  let hi = Math.max(1, df);
  while (1 - chisqUpper(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-14 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (1 - chisqUpper(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** Upper tail of the F distribution: P(F_{d1,d2} > f) = I_x(d2/2, d1/2) with x = d2 / (d2 + d1 f). */
export function fUpper(f: number, d1: number, d2: number): number {
  if (!(f > 0)) return 1;
  return incompleteBeta(d2 / (d2 + d1 * f), d2 / 2, d1 / 2).I;
}

/**
 * Probability that the range of cc independent standard normals (rr = 1 group) lies below w:
 * Hartley's form integrated with 12-point Gauss-Legendre quadrature on 2 or 3 intervals of
 * (w/2, 8), as R's wprob (Copenhaver & Holland 1988, AS 190).
 */
function tukeyRangeProb(w: number, rr: number, cc: number): number {
  const xleg = [0.98156063424671925069, 0.904117256370474856678, 0.769902674194304687037, 0.587317954286617447297, 0.367831498998180193753, 0.125233408511468915472];
  const aleg = [0.047175336386511827195, 0.106939325995318430960, 0.160078328543346226335, 0.203167426723065921749, 0.233492536538354808761, 0.249147045813402785001];
  const nleg = 12;
  const ihalf = 6;
  const C1 = -30;
  const C2 = -50;
  const C3 = 60;
  const bb = 8;
  const qsqz = w * 0.5;
  if (qsqz >= bb) return 1;
  let prW = 2 * pnorm(qsqz) - 1;
  prW = prW >= Math.exp(C2 / cc) ? Math.pow(prW, cc) : 0;
  const wincr = w > 3 ? 2 : 3;
  let blb = qsqz;
  const binc = (bb - qsqz) / wincr;
  let bub = blb + binc;
  let einsum = 0;
  const cc1 = cc - 1;
  for (let wi = 1; wi <= wincr; wi++) {
    let elsum = 0;
    const a = 0.5 * (bub + blb);
    const b = 0.5 * (bub - blb);
    for (let jj = 1; jj <= nleg; jj++) {
      let j: number;
      let xx: number;
      if (ihalf < jj) {
        j = nleg - jj + 1;
        xx = xleg[j - 1];
      } else {
        j = jj;
        xx = -xleg[j - 1];
      }
      const ac = a + b * xx;
      const qexpo = ac * ac;
      if (qexpo > C3) break;
      const pplus = 2 * pnorm(ac);
      const pminus = 2 * pnorm(ac - w);
      let rinsum = pplus * 0.5 - pminus * 0.5;
      if (rinsum >= Math.exp(C1 / cc1)) {
        rinsum = aleg[j - 1] * Math.exp(-(0.5 * qexpo)) * Math.pow(rinsum, cc1);
        elsum += rinsum;
      }
    }
    elsum *= (2 * b * cc) / Math.sqrt(2 * Math.PI);
    einsum += elsum;
    blb = bub;
    bub += binc;
  }
  prW += einsum;
  if (prW <= Math.exp(C1 / rr)) return 0;
  prW = Math.pow(prW, rr);
  return prW >= 1 ? 1 : prW;
}

/**
 * The studentized range distribution: P(Q < q) for the range of nmeans means over an independent
 * χ²(df)/df scale, as R's ptukey(q, nmeans, df, nranges = 1): the range probability integrated over
 * the scale's density by 16-point Gauss-Legendre quadrature on intervals of length 1, 1/2, 1/4 or 1/8
 * (by df); df above 25000 (and Infinity) use the normal range directly.
 */
export function ptukey(q: number, nmeans: number, df: number, nranges = 1): number {
  if (Number.isNaN(q) || Number.isNaN(df)) return NaN;
  if (q <= 0) return 0;
  if (df < 2 || nranges < 1 || nmeans < 2) return NaN;
  if (!Number.isFinite(q)) return 1;
  if (df > 25000) return tukeyRangeProb(q, nranges, nmeans);
  const xlegq = [
    0.98940093499164993259615417345, 0.944575023073232576077988415535, 0.865631202387831743880467897712, 0.755404408355003033895101194847,
    0.617876244402643748446671764049, 0.458016777657227386342419442984, 0.28160355077925891323046050146, 0.095012509837637440185319335425,
  ];
  const alegq = [
    0.027152459411754094851780572456, 0.0622535239386478928628438369944, 0.0951585116824927848099251076022, 0.124628971255533872052476282192,
    0.149595988816576732081501730547, 0.169156519395002538189312079030, 0.182603415044923588866763667969, 0.189450610455068496285396723208,
  ];
  const nlegq = 16;
  const ihalfq = 8;
  const f2 = df * 0.5;
  let f2lf = f2 * Math.log(df) - df * Math.LN2 - logGamma(f2);
  const f21 = f2 - 1;
  const ff4 = df * 0.25;
  const ulen = df <= 100 ? 1 : df <= 800 ? 0.5 : df <= 5000 ? 0.25 : 0.125;
  f2lf += Math.log(ulen);
  let ans = 0;
  for (let i = 1; i <= 50; i++) {
    let otsum = 0;
    const twa1 = (2 * i - 1) * ulen;
    for (let jj = 1; jj <= nlegq; jj++) {
      let j: number;
      let t1: number;
      if (ihalfq < jj) {
        j = jj - ihalfq - 1;
        t1 = f2lf + f21 * Math.log(twa1 + xlegq[j] * ulen) - (xlegq[j] * ulen + twa1) * ff4;
      } else {
        j = jj - 1;
        t1 = f2lf + f21 * Math.log(twa1 - xlegq[j] * ulen) + (xlegq[j] * ulen - twa1) * ff4;
      }
      if (t1 >= -30) {
        const qsqz = ihalfq < jj ? q * Math.sqrt((xlegq[j] * ulen + twa1) * 0.5) : q * Math.sqrt((-(xlegq[j] * ulen) + twa1) * 0.5);
        otsum += tukeyRangeProb(qsqz, nranges, nmeans) * alegq[j] * Math.exp(t1);
      }
    }
    if (i * ulen >= 1 && otsum <= 1e-14) break;
    ans += otsum;
  }
  return ans > 1 ? 1 : ans;
}
