/**
 * R's ordering of factor levels and R's as.character() of numbers.
 *
 * Text levels are sorted as R's sort() does in the reference locale:
 * "10" < "9" < "a" < "A" < "b" < "B" — character-wise case-insensitive comparison first,
 * ties broken with lowercase before uppercase.
 */

function tieBreak(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a[i];
    const cb = b[i];
    if (ca === cb) continue;
    const la = ca.toLowerCase();
    const lb = cb.toLowerCase();
    if (la === lb) {
      // same letter, different case: lowercase first
      const aLower = ca === la;
      const bLower = cb === lb;
      if (aLower && !bLower) return -1;
      if (!aLower && bLower) return 1;
    }
    return ca < cb ? -1 : 1;
  }
  return a.length - b.length;
}

/** Compare two strings as R's sort() does in the reference locale. */
export function compareR(a: string, b: string): number {
  if (a === b) return 0;
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return tieBreak(a, b);
}

/** Sorted unique strings in R's order. */
export function sortLevelsR(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareR);
}

/**
 * R's as.character() of a double: up to 15 significant digits, fixed notation unless the
 * scientific form is shorter (R's rule with scipen = 0): 100000 -> "1e+05", 123456 -> "123456",
 * 0.0001 -> "1e-04", 0.1 + 0.2 -> "0.3".
 */
export function numberLabelR(x: number): string {
  if (Number.isNaN(x)) return 'NA';
  if (x === Infinity) return 'Inf';
  if (x === -Infinity) return '-Inf';
  if (x === 0) return '0';
  // minimal number of significant digits (<= 15) that reproduces the 15-digit value
  const target = Number(x.toPrecision(15));
  let digits = 1;
  for (; digits < 15; digits++) {
    if (Number(x.toPrecision(digits)) === target) break;
  }
  const sci = x.toExponential(digits - 1); // e.g. 1.5e+5
  const m = /^(-?[\d.]+)e([+-])(\d+)$/.exec(sci);
  if (!m) return String(x);
  const mant = m[1];
  const expDigits = m[3].length < 2 ? '0' + m[3] : m[3];
  const sciR = `${mant}e${m[2]}${expDigits}`;
  const exp = Number(m[2] + m[3]);
  // fixed representation with the same significant digits
  const decimals = Math.max(0, digits - 1 - exp);
  let fixed = Math.abs(exp) > 100 ? sciR : target.toFixed(Math.min(decimals, 100));
  if (fixed.includes('e')) fixed = sciR;
  return fixed.length <= sciR.length ? fixed : sciR;
}

/** Sorted unique finite numbers (numeric factor levels) and their R labels. */
export function numericLevels(values: Float64Array): { values: number[]; labels: string[] } {
  const set = new Set<number>();
  for (const v of values) if (!Number.isNaN(v)) set.add(v);
  const sorted = [...set].sort((a, b) => a - b);
  return { values: sorted, labels: sorted.map(numberLabelR) };
}
