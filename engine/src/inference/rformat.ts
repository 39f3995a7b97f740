/**
 * R's way of formatting a numeric column (`format(x, digits = d)`): every element gets the
 * same number of decimals, enough to show the element that needs most significant digits
 * (up to d) in full; scientific notation when it is narrower than fixed notation. Also R's
 * `format.pval` and significance stars, as printCoefmat prints them.
 */

interface SigInfo {
  neg: boolean;
  kpower: number; // exponent of the leading digit after rounding to `digits` significant digits
  nsig: number; // significant digits needed (trailing zeros dropped)
}

function sigInfo(x: number, digits: number): SigInfo {
  const neg = x < 0;
  const a = Math.abs(x);
  if (a === 0) return { neg, kpower: 0, nsig: 1 };
  let kp = Math.floor(Math.log10(a));
  let mant = Math.round(a / Math.pow(10, kp - digits + 1));
  if (mant >= Math.pow(10, digits)) {
    kp += 1;
    mant = Math.round(mant / 10);
  } else if (mant < Math.pow(10, digits - 1)) {
    kp -= 1;
    mant = Math.round(a / Math.pow(10, kp - digits + 1));
  }
  let nsig = digits;
  while (nsig > 1 && mant % 10 === 0) {
    mant = Math.round(mant / 10);
    nsig--;
  }
  return { neg, kpower: kp, nsig };
}

/** Formats the finite values of a column like R's format(x, digits); non-finite entries become `na`. */
export function formatColumn(values: (number | null)[], digits: number, na = 'NA'): string[] {
  const fin = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (fin.length === 0) return values.map(() => na);
  let neg = false;
  let mxsl = 1; // digits left of the point
  let rgt = 0; // digits right of the point
  let mxe = 1; // exponent digits
  let mxns = 1; // significant digits in scientific
  for (const v of fin) {
    const s = sigInfo(v, digits);
    if (s.neg) neg = true;
    mxsl = Math.max(mxsl, s.kpower + 1);
    rgt = Math.max(rgt, s.nsig - s.kpower - 1);
    mxns = Math.max(mxns, s.nsig);
    mxe = Math.max(mxe, Math.abs(s.kpower) >= 100 ? 3 : 2);
  }
  const fixedWidth = (neg ? 1 : 0) + mxsl + (rgt > 0 ? rgt + 1 : 0);
  const sciWidth = (neg ? 1 : 0) + (mxns > 1 ? mxns + 1 : mxns) + 2 + mxe;
  const out = values.map((v) => {
    if (v === null || !Number.isFinite(v)) return v !== null && Number.isNaN(v) ? 'NaN' : v === null ? na : v > 0 ? 'Inf' : '-Inf';
    if (fixedWidth <= sciWidth) return v.toFixed(Math.min(rgt, 100));
    return sci(v, mxns - 1, mxe);
  });
  const w = Math.max(...out.map((s) => s.length));
  return out.map((s) => s.padStart(w));
}

function sci(v: number, decimals: number, expDigits: number): string {
  const s = v.toExponential(decimals); // like 7.072e-10
  const m = /^(-?[0-9.]+)e([+-])(\d+)$/.exec(s);
  if (!m) return s;
  return `${m[1]}e${m[2]}${m[3].padStart(expDigits, '0')}`;
}

/** R's format.pval(pv, digits, eps = .Machine$double.eps): '< 2.2e-16' for tiny values (R 4.2's rules). */
export function formatPValues(pv: (number | null)[], digits: number): string[] {
  const eps = 2.220446049250313e-16;
  const out: string[] = pv.map(() => '');
  const fixIdx: number[] = [];
  const expIdx: number[] = [];
  const zeroIdx: number[] = [];
  pv.forEach((p, i) => {
    if (p === null || !Number.isFinite(p)) return;
    if (p < eps) {
      zeroIdx.push(i);
      return;
    }
    const expo = Math.floor(Math.log10(p > 0 ? p : 1e-50));
    if (expo >= -3 || (expo === -4 && digits > 1)) fixIdx.push(i);
    else expIdx.push(i);
  });
  for (const group of [fixIdx, expIdx]) {
    if (group.length === 0) continue;
    const f = formatColumn(group.map((i) => pv[i]), digits);
    group.forEach((i, j) => (out[i] = f[j].trim()));
  }
  if (zeroIdx.length) {
    let d = Math.max(1, digits - 2);
    let sep = d === 1 ? '' : ' ';
    const others = [...fixIdx, ...expIdx];
    if (others.length) {
      const nc = Math.max(...others.map((i) => out[i].length));
      if (d > 1 && d + 6 > nc) d = Math.max(1, nc - 7);
      sep = d === 1 && nc <= 6 ? '' : ' ';
    }
    const e = `<${sep}${formatColumn([eps], d)[0].trim()}`;
    for (const i of zeroIdx) out[i] = e;
  }
  return out;
}

/** Significance stars with R's cut points. */
export function signifStars(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return '';
  if (p <= 0.001) return '***';
  if (p <= 0.01) return '**';
  if (p <= 0.05) return '*';
  if (p <= 0.1) return '.';
  return ' ';
}

export const SIGNIF_LEGEND = 'Signif. codes:  0 \u2018***\u2019 0.001 \u2018**\u2019 0.01 \u2018*\u2019 0.05 \u2018.\u2019 0.1 \u2018 \u2019 1';

/** Prints a character matrix as R's print.default(quote = FALSE, right = TRUE) does. */
export function printMatrix(rowNames: string[], colNames: string[], cells: string[][]): string[] {
  const rw = Math.max(0, ...rowNames.map((s) => s.length));
  const widths = colNames.map((c, j) => Math.max(c.length, ...cells.map((r) => r[j].length)));
  const lines: string[] = [];
  lines.push(''.padEnd(rw) + colNames.map((c, j) => ' ' + c.padStart(widths[j])).join(''));
  cells.forEach((r, i) => {
    lines.push(rowNames[i].padEnd(rw) + r.map((c, j) => ' ' + c.padStart(widths[j])).join(''));
  });
  return lines;
}

/** R's zapsmall(x, digits): rounds every value to floor(digits - log10(max|x|) + 0.5) decimals (at least 0). */
export function zapsmall(values: (number | null)[], digits: number): (number | null)[] {
  const fin = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (fin.length === 0) return values;
  const mx = Math.max(...fin.map(Math.abs));
  const d = mx > 0 ? Math.max(0, Math.floor(digits - Math.log10(mx) + 0.5)) : digits;
  const f = Math.pow(10, d);
  return values.map((v) => (v === null || !Number.isFinite(v) ? v : Math.round(v * f) / f));
}
