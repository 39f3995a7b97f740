/**
 * The engine's one home for special functions and distributions (GLMM families, tests, intervals,
 * plots all use these): log-gamma, the standard normal (Cody's erfc, Wichura's AS 241 quantile),
 * Student t, chi-square and F tail probabilities and quantiles (regularized incomplete gamma and beta
 * functions by series and continued fractions), accurate to roughly 1e-13 relative in the tails,
 * which matters for p-values such as 1e-112. Also R's sample quantile of type 7 (quantile7).
 */

const LOG_SQRT_2PI = 0.91893853320467274178;


/** log Γ(x) for x > 0 (Stirling series after shifting the argument above 15; about 1e-15 relative). */
export function lgamma(x: number): number {
  if (x < 0.5) {
    // reflection: Γ(x)Γ(1-x) = π / sin(πx)
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  }
  if (x === 1 || x === 2) return 0;
  let shift = 0;
  let prod = 1;
  while (x < 15) {
    prod *= x;
    x += 1;
    if (prod > 1e250) {
      shift += Math.log(prod);
      prod = 1;
    }
  }
  shift += Math.log(prod);
  const z = 1 / (x * x);
  const series = (1 / x) * (1 / 12 - z * (1 / 360 - z * (1 / 1260 - z * (1 / 1680 - z * (1 / 1188 - z * (691 / 360360 - z / 156))))));
  return (x - 0.5) * Math.log(x) - x + LOG_SQRT_2PI + series - shift;
}

const EPS = 1e-16;
const TINY = 1e-300;

/** Regularized lower incomplete gamma P(a, x) and upper Q(a, x) = 1 - P, each computed where it is accurate. */
function incompleteGamma(a: number, x: number): { P: number; Q: number } {
  if (x <= 0) return { P: 0, Q: 1 };
  const logFront = a * Math.log(x) - x - lgamma(a);
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
  const logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) {
    const I = (Math.exp(logFront) * betaCf(a, b, x)) / a;
    return { I, J: 1 - I };
  }
  const J = (Math.exp(logFront) * betaCf(b, a, 1 - x)) / b;
  return { I: 1 - J, J };
}

/** Complementary error function (W. J. Cody's rational approximations, about 1e-16 relative). */
export function erfc(x: number): number {
  const ax = Math.abs(x);
  let r: number;
  if (ax < 0.5) {
    const t = x * x;
    const top = (((0.185777706184603153 * t + 3.16112374387056560) * t + 113.864154151050156) * t + 377.485237685302021) * t + 3209.37758913846947;
    const bot = (((t + 23.6012909523441209) * t + 244.024637934444173) * t + 1282.61652607737228) * t + 2844.23683343917062;
    return 1 - (x * top) / bot;
  }
  if (ax < 4) {
    const top = (((((((-1.36864857382716707e-7 * ax + 0.564195517478973971) * ax + 7.21175825088309366) * ax + 43.1622272220567353) * ax + 152.989285046940404) * ax + 339.320816734343687) * ax + 451.918953711872942) * ax + 300.459261020161601);
    const bot = (((((((ax + 12.7827273196294235) * ax + 77.0001529352294730) * ax + 277.585444743988643) * ax + 638.980264465631167) * ax + 931.354094850609621) * ax + 790.950925327898027) * ax + 300.459260956983293);
    r = Math.exp(-ax * ax) * (top / bot);
  } else {
    const P = [0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766, 6.58749161529837803e-4, 0.0163153871373020978];
    const Q = [2.56852019228982242, 1.87295284992346725, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185];
    const z = 1 / (ax * ax);
    let num = P[5] * z;
    let den = z;
    for (let i = 0; i < 4; i++) {
      num = (num + P[i]) * z;
      den = (den + Q[i]) * z;
    }
    const t = (z * (num + P[4])) / (den + Q[4]);
    r = (Math.exp(-ax * ax) * (0.564189583547756287 - t)) / ax;
  }
  return x < 0 ? 2 - r : r;
}

/** P(Z > z) for a standard normal Z. */
export function normalUpper(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Standard normal distribution function Φ(z) = P(Z <= z). */
export function pnorm(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Standard normal density. */
export function dnorm(z: number): number {
  return Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
}

/** Two-sided p-value of a z statistic: 2 P(Z > |z|). */
export function twoSidedNormalP(z: number): number {
  return erfc(Math.abs(z) / Math.SQRT2);
}

/** Standard normal quantile (Wichura's AS 241, about 1e-16 relative). */
export function qnorm(p: number): number {
  if (Number.isNaN(p)) return NaN;
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r + 133.14166789178437745) * r + 3.387132872796366608)) /
      (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r + 42.313330701600911252) * r + 1);
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-Math.log(r));
  let val: number;
  if (r <= 5) {
    r -= 1.6;
    val = (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r + 1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r + 4.6303378461565452959) * r + 1.42343711074968357734) /
      (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r + 0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r + 2.05319162663775882187) * r + 1);
  } else {
    r -= 5;
    val = (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r + 0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r + 5.4637849111641143699) * r + 6.6579046435011037772) /
      (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r + 0.59983220655588793769) * r + 1);
  }
  return q < 0 ? -val : val;
}

/** Two-sided p-value of a t statistic with df degrees of freedom: 2 P(T_df > |t|). */
export function tTwoSided(t: number, df: number): number {
  if (!Number.isFinite(df) || df > 1e7) return twoSidedNormalP(t);
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

/** Upper tail of the F distribution (d2 may be ∞): P(F_{d1,d2} > f) = I_x(d2/2, d1/2) with x = d2 / (d2 + d1 f). */
export function fUpper(f: number, d1: number, d2: number): number {
  if (!(f > 0)) return 1;
  if (d2 === Infinity) return chisqUpper(d1 * f, d1); // d1·F_{d1,∞} is χ²_{d1}
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
  let f2lf = f2 * Math.log(df) - df * Math.LN2 - lgamma(f2);
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

/**
 * R's quantile(x, p, type = 7) of values sorted increasingly: at index h = (n − 1)p between x[lo] and
 * x[hi], (1 − (h − lo))·x[lo] + (h − lo)·x[hi], as quantile.default computes it (x[lo] when the two are
 * equal). NaN for no values.
 */
export function quantile7(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const index = (n - 1) * p;
  const lo = Math.floor(index);
  const hi = Math.min(n - 1, Math.ceil(index));
  const q = sorted[lo];
  const h = index - lo;
  if (h > 0 && sorted[hi] !== q) return (1 - h) * q + h * sorted[hi];
  return q;
}
