/**
 * R's ordering of factor levels and R's as.character() of numbers.
 *
 * Text levels are sorted as R's sort() sorts them in the reference setup (R with ICU collation,
 * CLDR root order): "10" < "9" < "a" < "A" < "b" < "B". Strings are compared first by their
 * characters ignoring case and accents (blanks < punctuation < symbols < digits < letters, in ICU's
 * order; digits one by one, not as numbers), then by accents (unaccented first), then by case
 * (lowercase first), character by character.
 */

/** ICU root order of the ASCII characters that are not letters. */
const NON_LETTERS = ' _-,;:!?.\'"()[]{}@*/\\&#%`^+<=>|~$0123456789';
const PRIMARY = new Map<string, number>();
for (let i = 0; i < NON_LETTERS.length; i++) PRIMARY.set(NON_LETTERS[i], i + 1);
PRIMARY.set('\t', 0);

interface CharKey {
  primary: number;
  accent: string;
  upper: boolean;
}

function keysOf(s: string): CharKey[] {
  const out: CharKey[] = [];
  for (const ch of s.normalize('NFD')) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x300 && cp <= 0x36f) {
      // combining mark: belongs to the previous character (secondary difference)
      if (out.length > 0) out[out.length - 1].accent += ch;
      continue;
    }
    const lower = ch.toLowerCase();
    const upper = ch !== lower;
    let primary: number;
    const p = PRIMARY.get(ch);
    if (p !== undefined) primary = p;
    else if (lower >= 'a' && lower <= 'z') primary = 100 + lower.charCodeAt(0) - 97;
    else primary = 1000 + lower.codePointAt(0)!;
    out.push({ primary, accent: '', upper });
  }
  return out;
}

/** ICU (CLDR root) secondary order of the common combining accents: acute < grave < breve < ... */
const ACCENT_ORDER = '\u0301\u0300\u0306\u0302\u030C\u030A\u0308\u030B\u0303\u0307\u0327\u0328\u0304';

function accentWeight(ch: string): number {
  const i = ACCENT_ORDER.indexOf(ch);
  return i >= 0 ? i + 1 : 100 + ch.charCodeAt(0);
}

function compareAccents(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = accentWeight(a[i]) - accentWeight(b[i]);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Compare two strings as R's sort() does in the reference setup. */
export function compareR(a: string, b: string): number {
  if (a === b) return 0;
  const ka = keysOf(a);
  const kb = keysOf(b);
  const n = Math.min(ka.length, kb.length);
  for (let i = 0; i < n; i++) if (ka[i].primary !== kb[i].primary) return ka[i].primary - kb[i].primary;
  if (ka.length !== kb.length) return ka.length - kb.length;
  for (let i = 0; i < n; i++) {
    if (ka[i].accent !== kb[i].accent) return compareAccents(ka[i].accent, kb[i].accent);
  }
  for (let i = 0; i < n; i++) {
    if (ka[i].upper !== kb[i].upper) return ka[i].upper ? 1 : -1;
  }
  return a < b ? -1 : 1;
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
  // fast path: integers without trailing zeros print in full (fixed is never longer than scientific)
  if (Number.isInteger(x) && Math.abs(x) < 1e15 && x % 10 !== 0) return String(x);
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
  let fixed = Math.abs(exp) > 100 ? sciR : x.toFixed(Math.min(decimals, 100));
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
