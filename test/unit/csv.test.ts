import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCsv, detectDelimiter, makeNameR } from '../../engine/src/data/csv';
import { numericValues, factorValues, numericAsFactor } from '../../engine/src/data/columns';
import { compareR, sortLevelsR, numberLabelR } from '../../engine/src/data/rsort';
import { MlmError } from '../../engine/src/diagnostics';
import type { NumericColumn, TextColumn } from '../../engine/src/data/types';

function thrown(f: () => unknown): MlmError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof MlmError, `expected MlmError, got ${e}`);
    return e;
  }
  assert.fail('expected an MlmError');
}

test('comma CSV with quoted fields: quoted numbers are numeric, text becomes a factor', () => {
  const t = readCsv('"Reaction","Days","Subject"\n249.56,0,"308"\n258.7047,1,"309"\n', 's.csv');
  assert.equal(t.nrow, 2);
  assert.deepEqual(t.names, ['Reaction', 'Days', 'Subject']);
  const subj = t.columns.get('Subject') as NumericColumn;
  assert.equal(subj.kind, 'numeric');
  assert.deepEqual([...subj.values], [308, 309]);
  assert.deepEqual([...(t.columns.get('Reaction') as NumericColumn).values], [249.56, 258.7047]);
});

test('semicolon and tab delimiters are detected; BOM and CRLF are handled', () => {
  assert.equal(detectDelimiter('a;b;c\n1;2;3'), ';');
  assert.equal(detectDelimiter('a\tb\n1\t2'), '\t');
  assert.equal(detectDelimiter('"x;y",b\n1,2'), ',');
  const t = readCsv('\uFEFFy;g;h\r\n1,5;a;1.5\r\n2;b;x,y\r\n', 'semi.csv');
  // a ';' file may use a decimal comma (read.csv2)
  assert.deepEqual([...(t.columns.get('y') as NumericColumn).values], [1.5, 2]);
  assert.deepEqual(t.names, ['y', 'g', 'h']);
  assert.equal(t.columns.get('h')!.kind, 'text');
  // in a ',' file, "1,5" quoted is text
  assert.equal(readCsv('y,g\n"1,5",a\n2,b\n', 'c.csv').columns.get('y')!.kind, 'text');
  const tab = readCsv('y\tg\r\n1.5\ta\r\n2\tb\r\n', 'tab.csv');
  assert.deepEqual([...(tab.columns.get('y') as NumericColumn).values], [1.5, 2]);
  assert.deepEqual((tab.columns.get('g') as TextColumn).levels, ['a', 'b']);
});

test('missing values: empty, NA, NaN', () => {
  const t = readCsv('x,f\n1,a\n,b\nNA,NA\nNaN,\n5,a\n', 'm.csv');
  const x = t.columns.get('x') as NumericColumn;
  assert.equal(x.kind, 'numeric');
  assert.deepEqual([...x.values].map((v) => (Number.isNaN(v) ? null : v)), [1, null, null, null, 5]);
  const f = t.columns.get('f') as TextColumn;
  assert.deepEqual(f.levels, ['a', 'b']);
  assert.deepEqual([...f.codes], [0, 1, -1, -1, 0]);
  assert.deepEqual(f.raw, ['a', 'b', 'NA', '', 'a']);
});

test("factor levels sorted as R: '10' < '9' < 'a' < 'A' < 'b' < 'B'", () => {
  assert.deepEqual(sortLevelsR(['B', 'b', 'A', 'a', '9', '10']), ['10', '9', 'a', 'A', 'b', 'B']);
  // R 4.2 (ICU collation) order of punctuation, digits and letters
  assert.deepEqual(sortLevelsR(['xy', 'x.y', '_x', 'Ab', 'aB', 'ab']), ['_x', 'ab', 'aB', 'Ab', 'x.y', 'xy']);
  assert.deepEqual(sortLevelsR(['e', 'é', 'E', 'f']), ['e', 'E', 'é', 'f']);
  assert.ok(compareR('Public', 'Catholic') > 0);
  const t = readCsv('g\nb\nB\nA\na\n10\n9\n', 'l.csv');
  assert.deepEqual((t.columns.get('g') as TextColumn).levels, ['10', '9', 'a', 'A', 'b', 'B']);
});

test('400 random strings sort exactly as R sorted them (test/fixtures/r-sort)', async () => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const sorted = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'r-sort', 'sorted.txt'), 'utf8').split('\n').filter((x) => x.length > 0);
  assert.equal(sorted.length, 400);
  // a fixed shuffle
  const shuffled = sorted.map((s, i) => ({ s, k: (i * 7919) % 401 })).sort((a, b) => a.k - b.k).map((x) => x.s);
  assert.notDeepEqual(shuffled, sorted);
  assert.deepEqual(sortLevelsR(shuffled), sorted);
});

test("numbers as factor levels: sorted numerically, labelled as R's as.character", () => {
  assert.equal(numberLabelR(1e5), '1e+05');
  assert.equal(numberLabelR(123456), '123456');
  assert.equal(numberLabelR(150000), '150000');
  assert.equal(numberLabelR(1e-4), '1e-04');
  assert.equal(numberLabelR(0.001), '0.001');
  assert.equal(numberLabelR(0.1 + 0.2), '0.3');
  assert.equal(numberLabelR(1 / 3), '0.333333333333333');
  assert.equal(numberLabelR(-2.5), '-2.5');
  assert.equal(numberLabelR(1e15), '1e+15');
  assert.equal(numberLabelR(1234567890123456), '1234567890123456');
  assert.equal(numberLabelR(1234567890123456.7), '1234567890123457');
  assert.equal(numberLabelR(1e15 + 0.5), '1e+15');
  assert.equal(numberLabelR(100000.5), '100000.5');
  assert.equal(numberLabelR(33.333333333333336), '33.3333333333333');
  assert.equal(numberLabelR(1e22), '1e+22');
  const f = numericAsFactor(new Float64Array([10, 9, 100000, NaN, 9, 0.5]));
  assert.deepEqual(f.levels, ['0.5', '9', '10', '1e+05']);
  assert.deepEqual([...f.codes], [2, 1, 3, -1, 1, 0]);
});

test('column names are made syntactic as read.csv does', () => {
  assert.equal(makeNameR('my col'), 'my.col');
  assert.equal(makeNameR('2x'), 'X2x');
  assert.equal(makeNameR('IQ.ver.cen'), 'IQ.ver.cen');
  const t = readCsv('a,a,b c\n1,2,3\n', 'dup.csv');
  assert.deepEqual(t.names, ['a', 'a.1', 'b.c']);
});

test('empty file, header only, and a row with a wrong number of fields are located errors', () => {
  let e = thrown(() => readCsv('', 'empty.csv'));
  assert.equal(e.diagnostic.code, 'csv-empty');
  assert.match(e.message, /empty\.csv is empty/);
  e = thrown(() => readCsv('\uFEFF  \n', 'blank.csv'));
  assert.equal(e.diagnostic.code, 'csv-empty');
  e = thrown(() => readCsv('y,x\n', 'head.csv'));
  assert.equal(e.diagnostic.code, 'csv-empty');
  assert.match(e.message, /no data rows/);
  e = thrown(() => readCsv('y,x,g\n1,2,a\n3,4,b\n5,6\n', 'short.csv'));
  assert.equal(e.diagnostic.code, 'csv-fields');
  assert.deepEqual(e.diagnostic.csv, { file: 'short.csv', row: 4, column: 'g' });
  assert.match(e.message, /short\.csv line 4: 2 fields where the header has 3/);
  e = thrown(() => readCsv('y,x\n1,2,3\n', 'long.csv'));
  assert.equal(e.diagnostic.csv!.row, 2);
});

test('a mostly numeric column with text: numericValues names the row and column', () => {
  const rows = ['Reaction,Days'];
  for (let i = 0; i < 20; i++) rows.push(`${200 + i},${i}`);
  rows[16] = 'abc,15'; // spreadsheet row 17
  const t = readCsv(rows.join('\n'), 'bad.csv');
  assert.equal(t.columns.get('Reaction')!.kind, 'text');
  const e = thrown(() => numericValues(t, 'Reaction'));
  assert.equal(e.message, "bad.csv line 17, column 'Reaction': 'abc' is not a number");
  assert.deepEqual(e.diagnostic.csv, { file: 'bad.csv', row: 17, column: 'Reaction' });
  assert.equal(e.diagnostic.code, 'csv-not-a-number');
  assert.deepEqual([...numericValues(t, 'Days')].slice(0, 3), [0, 1, 2]);
  const f = factorValues(t, 'Days');
  assert.equal(f.levels.length, 20);
  assert.equal(thrown(() => numericValues(t, 'Nope')).diagnostic.code, 'unknown-column');
});

test("TRUE/FALSE columns are R logicals: levels 'FALSE' < 'TRUE'", () => {
  const t = readCsv('b,c\nT,TRUE\nF,true\nNA,TRUE\n', 'l.csv');
  const b = t.columns.get('b') as TextColumn;
  assert.deepEqual(b.levels, ['FALSE', 'TRUE']);
  assert.deepEqual([...b.codes], [1, 0, -1]);
  assert.deepEqual((t.columns.get('c') as TextColumn).levels, ['TRUE']);
});

test("number fields as R's type.convert reads them", () => {
  const t = readCsv('a,b,c,d,e,f,g,i,j,k\n" 12",1e5,0x1A,Inf,+5,.5,5.,1L,"1 2",-.5e-3\n3,2,3,-Inf,6,7,8,2,3,1\n', 't.csv');
  const kinds = t.names.map((n) => t.columns.get(n)!.kind);
  // R 4.2 read.csv: a..g and k numeric; i ('1L') and j ('1 2') factors
  assert.deepEqual(kinds, ['numeric', 'numeric', 'numeric', 'numeric', 'numeric', 'numeric', 'numeric', 'text', 'text', 'numeric']);
  assert.deepEqual([...(t.columns.get('c') as NumericColumn).values], [26, 3]);
  assert.deepEqual([...(t.columns.get('d') as NumericColumn).values], [Infinity, -Infinity]);
  assert.deepEqual([...(t.columns.get('k') as NumericColumn).values], [-0.0005, 1]);
});

test('an unclosed quote is reported', () => {
  const e = thrown(() => readCsv('a,b\n1,"x\n2,y\n', 'q.csv'));
  assert.equal(e.diagnostic.code, 'csv-parse');
});

test('reference data: InstEval service is numeric, VerbAgg r2 is a Y/N factor', async () => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const dir = join(import.meta.dirname, '..', 'fixtures', 'reference', 'data');
  const v = readCsv(readFileSync(join(dir, 'VerbAgg.csv'), 'utf8'), 'VerbAgg.csv');
  assert.equal(v.nrow, 7584);
  assert.deepEqual((v.columns.get('r2') as TextColumn).levels, ['N', 'Y']);
  assert.deepEqual((v.columns.get('btype') as TextColumn).levels, ['curse', 'scold', 'shout']);
  const m = readCsv(readFileSync(join(dir, 'mathach.csv'), 'utf8'), 'mathach.csv');
  assert.deepEqual((m.columns.get('sector') as TextColumn).levels, ['Catholic', 'Public']);
  assert.equal(m.columns.get('himinty')!.kind, 'numeric');
});
