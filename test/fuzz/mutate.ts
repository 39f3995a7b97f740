/** Seeded mutations of .mlm text and CSV text for the fuzz tests. Not a test file itself. */

export interface Rng {
  /** 0 <= value < n */
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
}

/** mulberry32: a small seeded generator (the same seed gives the same cases on every machine). */
export function makeRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
  };
}

/** Tokens and lines a user (or a bad paste) may put anywhere in a .mlm file. */
const MLM_JUNK = [
  '(', ')', '|', '||', '~', ':', '*', '/', '+', '-', '^2', '^3', '0', '1', ' ', '\n', '\t', '#', '"', ',', '.',
  'Inf', 'NaN', 'NA', '1e308', '-1e308', '1e-320', 'log(', 'exp(', 'sqrt(', 'I(', 'factor(', 'offset(', 'cbind(',
  'poly(', 'scale(', '0 * ', '1 / ', 'model ', 'formula:', 'data:', 'weights:', 'family:', 'method:', 'nAGQ:',
  'levels:', 'factors:', 'derive:', 'compare:', 'mean(', 'n()', ' by ', '\uD800', '\u0000', '\u202E', 'é', '💥',
  '^100000000', '^1e308', '(((((((((', '- - - - -',
];

const MLM_LINES = [
  '  weights: 0 * Days',
  '  weights: -1',
  '  weights: 1 / Days',
  '  family: poisson',
  '  family: binomial',
  '  family: binomial(probit)',
  '  method: ML',
  '  nAGQ: 25',
  '  nAGQ: 0',
  '  formula: Reaction ~ log(Days) + (1 | Subject)',
  '  formula: Reaction ~ exp(Reaction) + (1 | Subject)',
  '  formula: y ~ 1 + (1 | g)',
  'data: ../../../../../../../../../../../../x.csv',
  'data: /dev/zero',
  'data: .',
  'derive: z = x / 0 by g',
  'levels: Subject = 308, 309',
  'factors: Days',
  'compare: a, b',
];

export function mutateMlm(text: string, rng: Rng): string {
  let t = text;
  const edits = 1 + rng.int(3);
  for (let e = 0; e < edits; e++) {
    const at = rng.int(t.length + 1);
    switch (rng.int(6)) {
      case 0:
        t = t.slice(0, at) + t.slice(at + 1 + rng.int(6));
        break;
      case 1:
      case 2:
        t = t.slice(0, at) + rng.pick(MLM_JUNK) + t.slice(at);
        break;
      case 3: {
        const lines = t.split('\n');
        lines.splice(rng.int(lines.length + 1), 0, rng.pick(MLM_LINES));
        t = lines.join('\n');
        break;
      }
      case 4: {
        const lines = t.split('\n');
        const i = rng.int(lines.length);
        lines.splice(rng.int(lines.length + 1), 0, lines[i]);
        t = lines.join('\n');
        break;
      }
      default:
        t = t.slice(0, at);
    }
  }
  return t;
}

/** Fields and bytes of hostile or broken CSVs. */
const CSV_FIELDS = ['Inf', '-Inf', 'NaN', 'NA', '', '1e308', '-1e308', '1e999', '0', '-1', '1e-320', 'abc', '"', '""', '"a,b"', '"x\ny"', ' ', 'TRUE', '0x1A', '١٢', '![t](https://example.invalid/p.png)'];

export function mutateCsv(text: string, rng: Rng): string {
  const lines = text.split('\n');
  const edits = 1 + rng.int(4);
  for (let e = 0; e < edits; e++) {
    const i = 1 + rng.int(Math.max(1, lines.length - 1));
    switch (rng.int(8)) {
      case 0:
      case 1:
      case 2: {
        const f = (lines[i] ?? '').split(',');
        f[rng.int(f.length)] = rng.pick(CSV_FIELDS);
        lines[i] = f.join(',');
        break;
      }
      case 3:
        lines.splice(i, 0, '');
        break;
      case 4:
        lines.splice(i, 1);
        break;
      case 5:
        lines[i] = (lines[i] ?? '') + ',';
        break;
      case 6:
        // the same value in a whole column: constant, all missing, all infinite
        {
          const col = rng.int((lines[0] ?? '').split(',').length);
          const v = rng.pick(['0', 'NA', 'Inf', '1e308', '1']);
          for (let r = 1; r < lines.length; r++) {
            const f = lines[r].split(',');
            if (f.length > col && lines[r] !== '') f[col] = v;
            lines[r] = f.join(',');
          }
        }
        break;
      default:
        lines[0] = rng.pick(['\uFEFF', '\u0000', '"', '']) + lines[0];
    }
  }
  return lines.join(rng.int(5) === 0 ? '\r\n' : '\n');
}
