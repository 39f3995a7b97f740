/**
 * R's number formatting as lme4's summary print uses it: `format(x, digits, nsmall)` (a common
 * number of decimals for a column, fixed or scientific, whichever is narrower), `round`,
 * `zapsmall`, `format.pval`, and `cat` of a single number. Written after R's formatReal/scientific
 * rules (the number of significant digits an element needs, at most `digits`, decides the decimals).
 */
import { quantile7 } from '../inference/distributions';

export const R_WIDTH = 80;

interface SciInfo {
  neg: boolean;
  kpower: number; // decimal exponent of the leading digit after rounding to `digits` significant digits
  nsig: number; // significant digits left after dropping trailing zeros (>= 1)
  roundingWidens: boolean; // rounding to `digits` significant digits would add a digit left of the point
}

function scientific(x: number, digits: number): SciInfo {
  if (x === 0) return { neg: false, kpower: 0, nsig: 1, roundingWidens: false };
  const neg = x < 0;
  const r = Math.abs(x);
  const d = Math.max(1, Math.min(digits, 22));
  const s = r.toExponential(d - 1); // correctly rounded: "d.ddde+k"
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return { neg, kpower: 0, nsig: 1, roundingWidens: false };
  const mant = (m[1] + (m[2] ?? '')).replace(/0+$/, '');
  const nsig = Math.max(1, mant.length);
  const kpower = parseInt(m[3], 10);
  let rgt = digits - kpower;
  rgt = rgt < 0 ? 0 : rgt > 22 ? 22 : rgt;
  const fuzz = 0.5 / Math.pow(10, rgt);
  const roundingWidens = kpower > 0 && kpower <= 22 && r < Math.pow(10, kpower) - fuzz;
  return { neg, kpower, nsig, roundingWidens };
}

/** Decimal rounding of the exact binary value; exact ties go to the even digit (as C's printf). */
export function toFixedR(x: number, d: number): string {
  if (!Number.isFinite(x)) return String(x);
  const dd = Math.max(0, Math.min(100, d));
  const base = x.toFixed(dd);
  // Detect an exact tie (JS rounds ties away from zero; C rounds them to even).
  if (dd + 25 <= 100) {
    const long = x.toFixed(dd + 25);
    const tail = long.slice(long.length - 25);
    if (tail === '5' + '0'.repeat(24)) {
      const truncated = long.slice(0, long.length - 25).replace(/\.$/, '');
      const lastDigit = parseInt(truncated.replace(/[^0-9]/g, '').slice(-1), 10);
      if (lastDigit % 2 === 0) return truncated;
    }
  }
  return base;
}

/** x.toExponential(d) with exact decimal ties rounded to the even digit (as C's printf). */
function toExponentialR(x: number, d: number): string {
  const base = x.toExponential(d);
  if (d + 25 > 100) return base;
  const long = x.toExponential(d + 25);
  const m = /^(-?)(\d)\.?(\d*)e([+-]\d+)$/.exec(long);
  if (!m) return base;
  const digits = m[2] + m[3];
  const tail = digits.slice(d + 1);
  if (tail !== '5' + '0'.repeat(24)) return base;
  const kept = digits.slice(0, d + 1);
  if (parseInt(kept[kept.length - 1], 10) % 2 !== 0) return base;
  const mant = kept.length > 1 ? `${kept[0]}.${kept.slice(1)}` : kept;
  const e = parseInt(m[4], 10);
  return `${m[1]}${mant}e${e < 0 ? '-' : '+'}${Math.abs(e)}`;
}

/** R's round(x, digits) (ties to even on exact decimal ties). */
export function roundR(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x;
  if (digits > 15) return x;
  if (digits < 0) {
    const p = Math.pow(10, -digits);
    return Number(toFixedR(x / p, 0)) * p;
  }
  const v = Number(toFixedR(x, digits));
  return v === 0 ? 0 : v;
}

/**
 * R 4.2's zapsmall(x, digits) (the R of the reference fits): round(x, max(0, digits - log10(mx))),
 * where round() takes the nearest whole number of decimals. R 4.4 changed this to
 * digits - ceiling(log10(mx)); we print as the reference R does.
 */
export function zapsmall(xs: number[], digits: number): number[] {
  const fin = xs.filter((v) => Number.isFinite(v));
  const mx = fin.length ? Math.max(...fin.map(Math.abs)) : 0;
  const d = mx > 0 ? Math.floor(Math.max(0, digits - Math.log10(mx)) + 0.5) : digits;
  return xs.map((v) => roundR(v, d));
}

export interface RealFormat {
  width: number;
  decimals: number;
  /** 0: fixed notation; 1: scientific with 2 exponent digits; 2: with 3. */
  expo: number;
}

/** R's formatReal: the common width, decimals and notation for a numeric vector. */
export function formatRealSpec(xs: (number | null)[], digits: number, nsmall = 0): RealFormat {
  let neg = false;
  let rgt = -Infinity;
  let mxl = -Infinity;
  let mxsl = -Infinity;
  let mxns = -Infinity;
  let mnl = Infinity;
  let naWidth = 0;
  for (const x of xs) {
    if (x === null || !Number.isFinite(x)) {
      naWidth = Math.max(naWidth, x === null || Number.isNaN(x) ? (x === null ? 2 : 3) : x > 0 ? 3 : 4);
      continue;
    }
    const s = scientific(x, digits);
    let left = s.kpower + 1;
    if (s.roundingWidens) left--;
    const sleft = (s.neg ? 1 : 0) + (left <= 0 ? 1 : left);
    const right = s.nsig - left;
    if (s.neg) neg = true;
    if (right > rgt) rgt = right;
    if (left > mxl) mxl = left;
    if (left < mnl) mnl = left;
    if (sleft > mxsl) mxsl = sleft;
    if (s.nsig > mxns) mxns = s.nsig;
  }
  let out: RealFormat = { width: 0, decimals: 0, expo: 0 };
  if (mxl !== -Infinity) {
    if (mxl < 0) mxsl = 1 + (neg ? 1 : 0);
    if (rgt < 0) rgt = 0;
    let wF = mxsl + rgt + (rgt !== 0 ? 1 : 0);
    let e = mxl > 100 || mnl <= -99 ? 2 : 1;
    const d = mxns - 1;
    const w = (neg ? 1 : 0) + (d > 0 ? 1 : 0) + d + 4 + e;
    if (wF <= w) {
      e = 0;
      if (nsmall > rgt) {
        rgt = nsmall;
        wF = mxsl + rgt + (rgt !== 0 ? 1 : 0);
      }
      out = { width: wF, decimals: rgt, expo: 0 };
    } else {
      out = { width: w, decimals: d, expo: e };
    }
  }
  out.width = Math.max(out.width, naWidth);
  return out;
}

function formatOne(x: number | null, f: RealFormat, na: string): string {
  if (x === null) return na;
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Inf' : '-Inf';
  if (f.expo === 0) return toFixedR(x, f.decimals);
  const s = toExponentialR(x, f.decimals);
  const m = /^(-?[0-9.]+)e([+-])(\d+)$/.exec(s);
  if (!m) return s;
  // C's %e writes at least two exponent digits; a third one only widens the common width
  return `${m[1]}e${m[2]}${m[3].padStart(2, '0')}`;
}

/** R's format(x, digits, nsmall): strings of a common width, right-justified. */
export function formatR(xs: (number | null)[], digits = 7, nsmall = 0, na = 'NA'): string[] {
  const f = formatRealSpec(xs, digits, nsmall);
  const strs = xs.map((x) => formatOne(x, f, na));
  const w = Math.max(f.width, ...strs.map((s) => s.length));
  return strs.map((s) => s.padStart(w));
}

/** How `cat(x)` or `print(x)` shows one number (7 significant digits). */
export function catNumber(x: number, digits = 7): string {
  return formatR([x], digits)[0].trim();
}

/**
 * One p-value as R prints it alone: format.pval(p, digits) with eps = .Machine$double.eps ('<2e-16' below it);
 * digits 3 is what printCoefmat uses in lme4's and lmerTest's summaries. '' for a missing p-value.
 */
export function formatPvalue(p: number | null | undefined, digits = 3): string {
  if (p === null || p === undefined || Number.isNaN(p)) return '';
  return formatPval([p], digits)[0].trim();
}

/** R's format.pval(pv, digits, eps = .Machine$double.eps). NA entries (null) become 'NA'. */
export function formatPval(pv: (number | null)[], digits: number, eps = 2.220446049250313e-16): string[] {
  const out: string[] = pv.map((p) => (p === null || Number.isNaN(p) ? 'NA' : ''));
  const idx = pv.map((_, i) => i).filter((i) => out[i] === '');
  const is0 = idx.filter((i) => (pv[i] as number) < eps);
  const rest = idx.filter((i) => (pv[i] as number) >= eps);
  const expo = (p: number) => Math.floor(Math.log10(p > 0 ? p : 1e-50));
  const fixp = rest.filter((i) => {
    const e = expo(pv[i] as number);
    return e >= -3 || (e === -4 && digits > 1);
  });
  const notFix = rest.filter((i) => !fixp.includes(i));
  for (const group of [fixp, notFix]) {
    if (!group.length) continue;
    const f = formatR(group.map((i) => pv[i]), digits);
    group.forEach((i, j) => (out[i] = f[j]));
  }
  if (is0.length) {
    let d = Math.max(1, digits - 2);
    let sep: string;
    if (rest.length) {
      const nc = Math.max(...rest.map((i) => out[i].length));
      if (d > 1 && d + 6 > nc) d = Math.max(1, nc - 7);
      sep = d === 1 && nc <= 6 ? '' : ' ';
    } else {
      sep = d === 1 ? '' : ' ';
    }
    const epsStr = formatR([eps], d)[0];
    for (const i of is0) out[i] = `<${sep}${epsStr}`;
  }
  return out;
}

/** Quantiles of type 7 (R's default) at probabilities 0, .25, .5, .75, 1 of the finite values. */
export function quantiles5(values: number[]): number[] {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return [0, 0.25, 0.5, 0.75, 1].map((p) => quantile7(v, p));
}
