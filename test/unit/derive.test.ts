import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCsv } from '../../engine/src/data/csv';
import type { NumericColumn } from '../../engine/src/data/types';
import { parseMlm } from '../../engine/src/mlmfile/parse';
import { applyDocument } from '../../engine/src/frame/table';
import { MlmError } from '../../engine/src/diagnostics';

const dataDir = join(import.meta.dirname, '..', 'fixtures', 'reference', 'data');
const mathach = readCsv(readFileSync(join(dataDir, 'mathach.csv'), 'utf8'), 'mathach.csv');
const num = (t: ReturnType<typeof readCsv>, name: string) => (t.columns.get(name) as NumericColumn).values;

test('derive: school mean of ses and within-school deviation reproduce the CSV columns meanses and cses', () => {
  const doc = parseMlm('data: mathach.csv\nderive: m2 = mean(ses) by school\nderive: c2 = ses - mean(ses) by school\nformula: mathach ~ m2 + c2 + (1 | school)\n');
  assert.deepEqual(doc.diagnostics, []);
  const t = applyDocument(doc, mathach);
  const [m, c, m2, c2] = [num(t, 'meanses'), num(t, 'cses'), num(t, 'm2'), num(t, 'c2')];
  for (let i = 0; i < t.nrow; i++) {
    assert.ok(Math.abs(m[i] - m2[i]) < 1e-9, `row ${i + 2}: ${m[i]} vs ${m2[i]}`);
    assert.ok(Math.abs(c[i] - c2[i]) < 1e-9, `row ${i + 2}`);
  }
  // the input table is not mutated
  assert.equal(mathach.columns.has('m2'), false);
});

test('derive: aggregates on a small table (worked arithmetic)', () => {
  const t = readCsv('x,g,h\n1,a,1\n2,a,2\n6,b,1\nNA,b,2\n4,b,1\n', 'd.csv');
  const doc = parseMlm(
    [
      'data: d.csv',
      'derive: n_g = n() by g',
      'derive: s_g = sum(x) by g',
      'derive: sd_g = sd(x) by g',
      'derive: mx = max(x) by g:h',
      'derive: gm = x - mean(x)',
      'derive: z = (x - mean(x)) / sd(x)',
      'derive: lx = log(x) + 1',
      'derive: med = median(x)',
      'formula: x ~ 1 + (1 | g)',
    ].join('\n'),
  );
  assert.deepEqual(doc.diagnostics, []);
  const t2 = applyDocument(doc, t);
  const arr = (name: string) => Array.from(num(t2, name), (v) => (Number.isNaN(v) ? null : +v.toFixed(10)));
  assert.deepEqual(arr('n_g'), [2, 2, 3, 3, 3]); // n() counts the rows of each group
  assert.deepEqual(arr('s_g'), [3, 3, 10, 10, 10]);
  assert.deepEqual(arr('sd_g'), [+Math.SQRT1_2.toFixed(10), +Math.SQRT1_2.toFixed(10), +Math.SQRT2.toFixed(10), +Math.SQRT2.toFixed(10), +Math.SQRT2.toFixed(10)]);
  assert.deepEqual(arr('mx'), [1, 2, 6, null, 6]);
  assert.deepEqual(arr('gm'), [-2.25, -1.25, 2.75, null, 0.75]);
  const sd = Math.sqrt((2.25 ** 2 + 1.25 ** 2 + 2.75 ** 2 + 0.75 ** 2) / 3);
  assert.deepEqual(arr('z'), [-2.25, -1.25, 2.75, null, 0.75].map((v) => (v === null ? null : +(v / sd).toFixed(10))));
  assert.deepEqual(arr('lx'), [1, +(Math.log(2) + 1).toFixed(10), +(Math.log(6) + 1).toFixed(10), null, +(Math.log(4) + 1).toFixed(10)]);
  assert.deepEqual(arr('med'), [3, 3, 3, 3, 3]);
});

test('derive: errors are located in the .mlm', () => {
  const t = readCsv('x,g\n1,a\n2,b\n', 'd.csv');
  const src = 'data: d.csv\nderive: y = mean(xx) by g\n';
  const doc = parseMlm(src);
  try {
    applyDocument(doc, t);
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(e instanceof MlmError);
    assert.equal(e.diagnostic.code, 'unknown-column');
    assert.deepEqual(e.diagnostic.range, { start: { line: 1, character: 17 }, end: { line: 1, character: 19 } });
    assert.equal(e.diagnostic.data!.suggestion, 'x');
  }
  const bad = parseMlm('data: d.csv\nderive: y = mean(x by g\nderive: z = foo(x)\nderive: = x\nformula: x ~ 1 + (1 | g)\n');
  assert.deepEqual(bad.diagnostics.map((d) => d.code), ['syntax', 'unknown-function', 'syntax']);
  assert.deepEqual(bad.diagnostics[1].range, { start: { line: 2, character: 12 }, end: { line: 2, character: 15 } });
});
