import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCsv } from '../../engine/src/data/csv';
import { parseMlm } from '../../engine/src/mlmfile/parse';
import { buildModelFrame } from '../../engine/src/frame/modelframe';
import { frameVariables, documentVariables } from '../../engine/src/frame/variables';
import { MlmError } from '../../engine/src/diagnostics';
import type { ModelFrame } from '../../engine/src/frame/types';

// 24 rows: x = i, z = i mod 5, f cycles u v w, g cycles p q, h cycles 1..4, y = i / 2
const F = ['u', 'v', 'w'];
const G = ['p', 'q'];
const rows = Array.from({ length: 24 }, (_, k) => {
  const i = k + 1;
  return { y: i / 2, x: i, z: i % 5, age: i, f: F[k % 3], g: G[k % 2], h: (k % 4) + 1, s: i % 3, n: 10 };
});
const csv = 'y,x,z,age,f,g,h,s,n\n' + rows.map((r) => `${r.y},${r.x},${r.z},${r.age},"${r.f}","${r.g}",${r.h},${r.s},${r.n}`).join('\n') + '\n';
const table = readCsv(csv, 'd.csv');

function frame(formula: string, extra = '', data = table): ModelFrame {
  const doc = parseMlm(`data: d.csv\n${extra}formula: ${formula}\n`);
  assert.deepEqual(doc.diagnostics, []);
  return buildModelFrame(doc, doc.models[0], data);
}
function col(fr: ModelFrame, name: string): number[] {
  const j = fr.coefnames.indexOf(name);
  assert.ok(j >= 0, `no column ${name} in ${fr.coefnames}`);
  return Array.from(fr.X.subarray(j * fr.n, (j + 1) * fr.n));
}
const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
function frameError(formula: string, extra = ''): MlmError {
  const doc = parseMlm(`data: d.csv\n${extra}formula: ${formula}\n`);
  try {
    buildModelFrame(doc, doc.models[0], table);
  } catch (e) {
    assert.ok(e instanceof MlmError, String(e));
    return e;
  }
  assert.fail('expected an MlmError');
}

// expected column names from R 4.2's model.matrix on the same kind of data
const CASES: [string, string[]][] = [
  ['y ~ x*f', ['(Intercept)', 'x', 'fv', 'fw', 'x:fv', 'x:fw']],
  ['y ~ f*x', ['(Intercept)', 'fv', 'fw', 'x', 'fv:x', 'fw:x']],
  ['y ~ 0 + f + g', ['fu', 'fv', 'fw', 'gq']],
  ['y ~ (x + z + f)^2', ['(Intercept)', 'x', 'z', 'fv', 'fw', 'x:z', 'x:fv', 'x:fw', 'z:fv', 'z:fw']],
  ['y ~ x/f', ['(Intercept)', 'x', 'x:fv', 'x:fw']],
  ['y ~ f/x', ['(Intercept)', 'fv', 'fw', 'fu:x', 'fv:x', 'fw:x']],
  ['y ~ -1 + x', ['x']],
  ['y ~ x - 1', ['x']],
  ['y ~ I(age^2) + log(age) + factor(h)', ['(Intercept)', 'I(age^2)', 'log(age)', 'factor(h)2', 'factor(h)3', 'factor(h)4']],
  ['y ~ x + z - x', ['(Intercept)', 'z']],
  ['y ~ 0 + x:f', ['x:fu', 'x:fv', 'x:fw']],
  ['y ~ g + f:g', ['(Intercept)', 'gq', 'gp:fv', 'gq:fv', 'gp:fw', 'gq:fw']],
  ['y ~ I(x * 2 - z/3) + sqrt(abs(x))', ['(Intercept)', 'I(x * 2 - z/3)', 'sqrt(abs(x))']],
  ['y ~ x:z:f + f', ['(Intercept)', 'fv', 'fw', 'x:z:fu', 'x:z:fv', 'x:z:fw']],
  ['y ~ 1', ['(Intercept)']],
  ['y ~ 0 + x*f', ['x', 'fu', 'fv', 'fw', 'x:fv', 'x:fw']],
  ['y ~ f + x:g', ['(Intercept)', 'fv', 'fw', 'x:gp', 'x:gq']],
];
for (const [formula, names] of CASES) {
  test(`coefficient names of ${formula} (as R's model.matrix)`, () => {
    assert.deepEqual(frame(`${formula} + (1 | s)`).coefnames, names);
  });
}

test('y ~ f:g: R gives 7 columns of rank 6; lme4 drops the last one', () => {
  const fr = frame('y ~ f:g + (1 | s)');
  assert.deepEqual(fr.coefnames, ['(Intercept)', 'fu:gp', 'fv:gp', 'fw:gp', 'fu:gq', 'fv:gq']);
  assert.deepEqual(fr.droppedCoefs, ['fw:gq']);
});

test('X columns equal the arithmetic of the data', () => {
  const fr = frame('y ~ x*f + I(age^2) + (1 | s)');
  assert.equal(fr.n, 24);
  assert.equal(sum(col(fr, '(Intercept)')), 24);
  assert.equal(sum(col(fr, 'x')), (24 * 25) / 2);
  assert.equal(sum(col(fr, 'fv')), 8);
  assert.equal(sum(col(fr, 'x:fw')), sum(rows.filter((r) => r.f === 'w').map((r) => r.x)));
  assert.equal(sum(col(fr, 'I(age^2)')), sum(rows.map((r) => r.age ** 2)));
  assert.deepEqual(Array.from(fr.y), rows.map((r) => r.y));
  const g = frame('y ~ 0 + f:g + (1 | s)');
  assert.equal(sum(col(g, 'fu:gq')), rows.filter((r) => r.f === 'u' && r.g === 'q').length);
});

test('random-effects term matrices, levels and refs', () => {
  const fr = frame('y ~ x + (x | f) + (1 | h)');
  // h: 4 levels, f: 3 levels -> already decreasing after lme4's sort: h first
  assert.deepEqual(fr.reTerms.map((t) => t.group), ['h', 'f']);
  const h = fr.reTerms[0];
  assert.deepEqual(h.levels, ['1', '2', '3', '4']);
  assert.deepEqual(Array.from(h.refs), rows.map((r) => r.h - 1));
  const f = fr.reTerms[1];
  assert.deepEqual(f.termNames, ['(Intercept)', 'x']);
  assert.equal(f.k, 2);
  assert.deepEqual(Array.from(f.Z.subarray(24, 48)), rows.map((r) => r.x));
  assert.equal(f.text, '(x | f)');
  const dbl = frame('y ~ x + (x || f)');
  assert.deepEqual(dbl.reTerms.map((t) => [t.termNames, t.fromDoubleBar]), [
    [['(Intercept)'], true],
    [['x'], true],
  ]);
  const inter = frame('y ~ 1 + (1 | g:f)');
  assert.deepEqual(inter.reTerms[0].levels, ['p:u', 'p:v', 'p:w', 'q:u', 'q:v', 'q:w']);
});

test("lme4's order of random terms: rev(order(nl)) when not already decreasing", () => {
  // (1|f): 3 levels, (1|h): 4 levels, (0 + x | f): 3 levels -> h, then the two f terms in reverse order
  const fr = frame('y ~ 1 + (1 | f) + (1 | h) + (0 + x | f)');
  assert.deepEqual(fr.reTerms.map((t) => t.text), ['(1 | h)', '(0 + x | f)', '(1 | f)']);
});

test('rows with missing values are dropped (na.omit) and counted; unused levels dropped', () => {
  const lines = csv.trim().split('\n');
  lines[1] = lines[1].replace(/^0\.5,/, 'NA,'); // y missing in data row 1 (f = u)
  lines[4] = lines[4].replace(/"u"/, ''); // f missing in row 4 (was u)
  const t = readCsv(lines.join('\n'), 'd.csv');
  const fr = frame('y ~ x + f + (1 | g)', '', t);
  assert.equal(fr.n, 22);
  assert.equal(fr.rowsDropped, 2);
  assert.equal(fr.rows[0], 1);
  assert.deepEqual(fr.coefnames, ['(Intercept)', 'x', 'fv', 'fw']);
  const fr2 = frame('y ~ x + (1 | g)', '', t);
  assert.equal(fr2.n, 23, 'f is not a variable of this model');
});

test('levels: reorders a factor (first = reference), factors: makes a numeric column categorical', () => {
  const fr = frame('y ~ f + (1 | s)', 'levels: f = w, u\n');
  assert.deepEqual(fr.coefnames, ['(Intercept)', 'fu', 'fv']);
  const fh = frame('y ~ h + (1 | s)', 'factors: h\n');
  assert.deepEqual(fh.coefnames, ['(Intercept)', 'h2', 'h3', 'h4']);
  const fl = frame('y ~ h + (1 | s)', 'levels: h = 3\n');
  assert.deepEqual(fl.coefnames, ['(Intercept)', 'h1', 'h2', 'h4']);
});

test('derive: group mean and within-group deviation equal the arithmetic', () => {
  const fr = frame('y ~ mx + cx + (1 | f)', 'derive: mx = mean(x) by f\nderive: cx = x - mean(x) by f\n');
  const meanOf = (f: string) => sum(rows.filter((r) => r.f === f).map((r) => r.x)) / 8;
  assert.deepEqual(col(fr, 'mx'), rows.map((r) => meanOf(r.f)));
  assert.deepEqual(col(fr, 'cx'), rows.map((r) => r.x - meanOf(r.f)));
  const gm = frame('y ~ cx + (1 | f)', 'derive: cx = x - mean(x)\n');
  assert.deepEqual(col(gm, 'cx'), rows.map((r) => r.x - 12.5));
});

test('binomial responses: cbind, 0/1, two-level factor, proportions with weights', () => {
  const b = frame('cbind(s, n - s) ~ x + (1 | f)', 'family: binomial\n');
  assert.equal(b.responseName, 'cbind(s, n - s)');
  assert.deepEqual(Array.from(b.y), rows.map((r) => r.s / 10));
  assert.deepEqual(Array.from(b.weights!), rows.map(() => 10));
  assert.equal(b.family, 'binomial');
  assert.equal(b.link, 'logit');
  const g = frame('g ~ x + (1 | f)', 'family: binomial(probit)\n');
  assert.deepEqual(Array.from(g.y), rows.map((r) => (r.g === 'q' ? 1 : 0)));
  assert.equal(g.link, 'probit');
  assert.equal(g.weights, null);
  const p = frame('I(s/n) ~ x + (1 | f)', 'family: binomial\nweights: n\n');
  assert.deepEqual(Array.from(p.weights!), rows.map(() => 10));
  assert.deepEqual(Array.from(p.y), rows.map((r) => r.s / 10));
  const e = frameError('x ~ 1 + (1 | f)', 'family: binomial\n');
  assert.equal(e.diagnostic.code, 'binomial-response');
});

test('a grouping column of ids that are mostly numbers is still a grouping factor', () => {
  const ids = [...Array.from({ length: 20 }, (_, i) => String(Math.floor(i / 2) + 1)), '10b', '10b'];
  const t = readCsv('y,id\n' + ids.map((id, i) => `${i + 1},${id}`).join('\n') + '\n', 'ids.csv');
  const fr = frame('y ~ 1 + (1 | id)', '', t);
  assert.deepEqual(fr.reTerms[0].levels, ['1', '10', '10b', '2', '3', '4', '5', '6', '7', '8', '9']);
  const e = (() => {
    try {
      frame('y ~ id + (1 | id)', '', t);
    } catch (err) {
      return err as MlmError;
    }
  })();
  assert.equal(e?.diagnostic.code, 'csv-not-a-number');
  assert.equal(e?.message, "ids.csv line 22, column 'id': '10b' is not a number (write factor(id) to use the column as categorical)");
  assert.equal(frame('y ~ factor(id) + (1 | id)', '', t).coefnames.length, 11);
});

test('offset() is summed into the offset vector, not a column', () => {
  const fr = frame('s ~ x + offset(log(n)) + (1 | f)', 'family: poisson\n');
  assert.deepEqual(fr.coefnames, ['(Intercept)', 'x']);
  assert.deepEqual(Array.from(fr.offset!), rows.map(() => Math.log(10)));
});

test('rank-deficient columns are dropped with a warning, as lme4', () => {
  const fr = frame('y ~ x + age + z + (1 | f)');
  assert.deepEqual(fr.coefnames, ['(Intercept)', 'x', 'z']);
  assert.deepEqual(fr.droppedCoefs, ['age']);
  assert.match(fr.warnings[0], /rank deficient so dropping 1 column \/ coefficient: age/);
  const fr2 = frame('y ~ I(2 * x) + x + (1 | f)');
  assert.deepEqual(fr2.droppedCoefs, ['x']);
});

test("lme4's check.scaleX: predictors on very different scales", () => {
  const lines = ['y,x,big,g'];
  for (let i = 0; i < 20; i++) lines.push(`${i},${i % 7},${i * 100000},${'ab'[i % 2]}`);
  const t = readCsv(lines.join('\n'), 's.csv');
  const fr = frame('y ~ x + big + (1 | g)', '', t);
  assert.equal(fr.warnings.length, 1);
  assert.match(fr.warnings[0], /^Some predictor variables are on very different scales: consider rescaling/);
  assert.match(fr.warnings[0], /big/);
  assert.deepEqual(frame('y ~ x + (1 | g)', '', t).warnings, []);
});

test('a many-level factor as a fixed effect or slope is refused before allocating', async () => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const t = readCsv(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'reference', 'data', 'InstEval.csv'), 'utf8'), 'InstEval.csv');
  const run = (formula: string) => {
    const doc = parseMlm(`data: InstEval.csv\nformula: ${formula}\n`);
    try {
      buildModelFrame(doc, doc.models[0], t);
    } catch (e) {
      return e as MlmError;
    }
    return undefined;
  };
  let e = run('y ~ service + factor(s) + (1 | d)');
  assert.equal(e?.diagnostic.code, 'too-many-columns');
  assert.match(e!.message, /factor\(s\) alone has 2971/);
  assert.deepEqual(e!.diagnostic.range, { start: { line: 1, character: 23 }, end: { line: 1, character: 32 } });
  e = run('y ~ service + (factor(s) | d)');
  assert.equal(e?.diagnostic.code, 'too-many-columns');
  const doc = parseMlm('data: d.csv\nformula: y ~ (x + z + f + g + h + s + n + age)^8 + (1 | f)\n');
  assert.deepEqual(doc.diagnostics, []);
  assert.ok(buildModelFrame(doc, doc.models[0], table).p > 0);
});

test('errors carry the range of the offending formula token', () => {
  let e = frameError('y ~ x + colour + (1 | f)');
  assert.equal(e.diagnostic.code, 'unknown-column');
  assert.deepEqual(e.diagnostic.range, { start: { line: 1, character: 17 }, end: { line: 1, character: 23 } });
  e = frameError('y ~ x + (1 | grp)');
  assert.equal(e.diagnostic.code, 'unknown-column');
  assert.deepEqual(e.diagnostic.range!.start, { line: 1, character: 22 });
  e = frameError('f ~ x + (1 | g)');
  assert.equal(e.diagnostic.code, 'non-numeric-response');
  assert.deepEqual(e.diagnostic.range, { start: { line: 1, character: 9 }, end: { line: 1, character: 10 } });
  e = frameError('y ~ log(f) + (1 | g)');
  assert.equal(e.diagnostic.code, 'not-numeric');
  e = frameError('y ~ x + a | g');
  assert.equal(e.diagnostic.code, 'unknown-column');
  e = frameError('y ~ x * (1 | g)');
  assert.equal(e.diagnostic.code, 'bad-term');
  e = frameError('y ~ x + (1 | g)', 'levels: f = zz\n');
  assert.equal(e.diagnostic.code, 'unknown-level');
  assert.deepEqual(e.diagnostic.range, { start: { line: 1, character: 12 }, end: { line: 1, character: 14 } });
});

test('frameVariables lists columns with roles and ranges', () => {
  const doc = parseMlm('data: d.csv\nformula: cbind(s, n - s) ~ x * f + offset(log(n)) +\n    (x | g)\nweights: h\n');
  const vars = frameVariables(doc.models[0]).map((v) => [v.name, v.role, v.range.start.line, v.range.start.character]);
  assert.deepEqual(vars, [
    ['s', 'response', 1, 15],
    ['n', 'response', 1, 18],
    ['s', 'response', 1, 22],
    ['x', 'random', 2, 5],
    ['g', 'group', 2, 9],
    ['x', 'fixed', 1, 27],
    ['f', 'fixed', 1, 31],
    ['n', 'offset', 1, 46],
    ['h', 'weights', 3, 9],
  ]);
});

test('documentVariables lists the columns of levels:, factors: and derive: lines', () => {
  const doc = parseMlm('data: d.csv\nlevels: f = w\nfactors: h, s\nderive: cx = x - mean(x) by g\nformula: y ~ cx + (1 | f)\n');
  assert.deepEqual(
    documentVariables(doc).map((v) => [v.name, v.role, v.range.start.line, v.range.start.character]),
    [
      ['f', 'levels', 1, 8],
      ['h', 'factors', 2, 9],
      ['s', 'factors', 2, 12],
      ['cx', 'derived', 3, 8],
      ['x', 'derive', 3, 13],
      ['x', 'derive', 3, 22],
      ['g', 'derive', 3, 28],
    ],
  );
});
