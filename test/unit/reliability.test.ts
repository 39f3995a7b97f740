/**
 * Issue 18's reproducers (items 3-6): numerics errors as located MlmErrors, non-finite values in the data,
 * zero and bad weights, CSV line numbers, encodings, file size and kind, chunked reading.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { CancelledError, MlmError, type MlmDiagnostic } from '../../engine/src/diagnostics';
import { readCsv, readCsvAsync, recordEnd } from '../../engine/src/data/csv';
import { dataLine, numericValues } from '../../engine/src/data/columns';
import { decodeText, MAX_DATA_BYTES, refuseDataFile } from '../../engine/src/data/decode';
import { prepareModels } from '../../engine/src/frame/prepare';
import { buildModelFrame, buildModelFrameAsync, buildModelFrameSteps } from '../../engine/src/frame/modelframe';
import { analyzePrepared, analyzePreparedAsync, analyzePreparedSteps } from '../../engine/src/frame/analyze';
import { applyDocument } from '../../engine/src/frame/table';
import { parseMlm } from '../../engine/src/mlmfile/parse';
import { ROWS_PER_STEP } from '../../engine/src/hooks';
import { fitModel, nonFiniteFigure } from '../../engine/src/fit';
import { climbsAboveRoot, readDataFile } from '../../engine/src/cli/session';
import type { FitResult } from '../../engine/src/result';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const sleep = readFileSync(join(fixtures, 'reference', 'data', 'sleepstudy.csv'), 'utf8');

function thrown(f: () => unknown): MlmError {
  try {
    f();
  } catch (e) {
    if (e instanceof MlmError) return e;
    throw e;
  }
  assert.fail('expected an MlmError');
}

/** The sleepstudy CSV with one field replaced (data row `row`, 0-based; column index `col`). */
function sleepWith(row: number, col: number, value: string): string {
  const lines = sleep.split('\n');
  const f = lines[row + 1].split(',');
  f[col] = value;
  lines[row + 1] = f.join(',');
  return lines.join('\n');
}

function prep(mlm: string, files: Record<string, string>) {
  return prepareModels(mlm, (rel) => files[rel]);
}

function errorOf(mlm: string, files: Record<string, string>): MlmDiagnostic {
  const p = prep(mlm, files);
  const d = p.diagnostics.find((x) => x.severity === 'error');
  assert.ok(d, `expected an error, got ${JSON.stringify(p.diagnostics)}`);
  return d;
}

const MODEL = 'data: d.csv\nmodel m:\n  formula: Reaction ~ Days + (1 | Subject)\n';

test('Inf in the response is a located error naming the CSV line (R: NA/NaN/Inf in y)', () => {
  const d = errorOf(MODEL, { 'd.csv': sleepWith(4, 0, 'Inf') });
  assert.equal(d.code, 'non-finite-value');
  assert.deepEqual(d.csv, { file: 'd.csv', row: 6, column: 'Reaction' });
  assert.match(d.message, /'Reaction' in data row 6 of d\.csv: the value is Inf/);
  assert.deepEqual(d.range!.start, { line: 2, character: 11 }); // 'Reaction' in the formula
});

test('-Inf in a predictor and 1e308 in the response are located errors', () => {
  let d = errorOf(MODEL, { 'd.csv': sleepWith(4, 1, '-Inf') });
  assert.equal(d.code, 'non-finite-value');
  assert.equal(d.csv!.column, 'Days');
  assert.match(d.message, /-Inf/);
  d = errorOf(MODEL, { 'd.csv': sleepWith(4, 0, '1e308') });
  assert.equal(d.code, 'non-finite-value');
  assert.match(d.message, /too large to compute with/);
  // a magnitude that overflows while the CSV is read (1e999 is Inf as R reads it)
  d = errorOf(MODEL, { 'd.csv': sleepWith(7, 0, '1e999') });
  assert.equal(d.csv!.row, 9);
});

test('NaN text is missing: the row is left out and counted, as R does', () => {
  const p = prep(MODEL, { 'd.csv': sleepWith(4, 0, 'NaN') });
  const m = p.models[0];
  assert.ok(m.frame);
  assert.equal(m.frame.n, 179);
  assert.equal(m.frame.rowsDropped, 1);
  assert.ok(p.diagnostics.some((d) => d.code === 'rows-dropped'));
});

test('a binomial model with one Inf in a predictor is a located error, not an internal one', () => {
  const lines = sleep.split('\n');
  const rows = [lines[0] + ',"hi"', ...lines.slice(1).filter(Boolean).map((l) => `${l},${Number(l.split(',')[0]) > 300 ? 1 : 0}`)];
  rows[3] = rows[3].replace(/^([^,]*),([^,]*),/, '$1,Inf,');
  const d = errorOf('data: b.csv\nmodel m:\n  formula: hi ~ Days + (1 | Subject)\n  family: binomial\n', { 'b.csv': rows.join('\n') });
  assert.equal(d.code, 'non-finite-value');
  assert.equal(d.csv!.row, 4);
});

test('zero weights: those rows are left out with a warning; the fit matches glmer (R 4.2.2, lme4 1.1.31)', async () => {
  const cnt = readFileSync(join(fixtures, 'reliability', 'cnt.csv'), 'utf8');
  const mlm = 'data: c.csv\nmodel q:\n  formula: cnt ~ Days + (1 | Subject)\n  family: poisson\n  weights: w\n';
  const p = prep(mlm, { 'c.csv': cnt });
  const m = p.models[0];
  assert.ok(m.frame, JSON.stringify(p.diagnostics));
  assert.equal(m.frame.n, 176);
  assert.equal(m.frame.rowsDropped, 0); // not missing: weight 0
  assert.ok(m.frame.warnings.some((w) => /4 rows have weight 0/.test(w)));
  const r = await fitModel(m.frame, m.spec, { yieldEveryMs: 0 });
  // test/fixtures/reliability/zero-weights.R
  assert.ok(Math.abs(r.fixef['(Intercept)'] - 1.150035659084) < 1e-4);
  assert.ok(Math.abs(r.fixef.Days - 0.006985218295) < 1e-5);
  assert.ok(Math.abs(r.se['(Intercept)'] - 0.07932168491) / 0.0793 < 1e-3);
  assert.ok(Math.abs(r.se.Days - 0.01458283895) / 0.01458 < 1e-3);
});

test('weights: 0 * w, negative and infinite weights are located errors (issue reproducers)', () => {
  const cnt = readFileSync(join(fixtures, 'reliability', 'cnt.csv'), 'utf8');
  const base = 'data: c.csv\nmodel q:\n  formula: cnt ~ Days + (1 | Subject)\n  family: poisson\n  weights: ';
  let d = errorOf(base + '0 * w\n', { 'c.csv': cnt });
  assert.equal(d.code, 'zero-weights');
  assert.equal(d.range!.start.line, 4);
  d = errorOf(base + 'w - 1\n', { 'c.csv': cnt });
  assert.equal(d.code, 'negative-weights');
  assert.equal(d.csv!.row, 2);
  d = errorOf(base + 'w / 0\n', { 'c.csv': cnt });
  assert.equal(d.code, 'non-finite-value');
  d = errorOf('data: d.csv\nmodel m:\n  formula: Reaction ~ Days + (1 | Subject)\n  weights: 0 * Days\n', { 'd.csv': sleep });
  assert.equal(d.code, 'zero-weights');
});

test('an Error thrown in the numerics becomes a located MlmError with advice; non-finite results never succeed', async () => {
  // the reproducer below the frame's checks: a Poisson frame whose weights are all 0 makes PIRLS's
  // system not positive definite (a plain Error inside glmm/)
  const cnt = readFileSync(join(fixtures, 'reliability', 'cnt.csv'), 'utf8');
  const pq = prep('data: c.csv\nmodel q:\n  formula: cnt ~ Days + (1 | Subject)\n  family: binomial\n  weights: w\n', {
    'c.csv': cnt.replace(/,(\d+),(\d)$/gm, (_, c, w) => `,${Number(c) > 3 ? 1 : 0},${w}`),
  });
  const q = pq.models[0];
  assert.ok(q.frame, JSON.stringify(pq.diagnostics));
  const frame = { ...q.frame, weights: new Float64Array(q.frame.n) };
  await assert.rejects(fitModel(frame, q.spec, { yieldEveryMs: 0 }), (e: unknown) => {
    assert.ok(e instanceof MlmError, String(e));
    assert.equal(e.diagnostic.code, 'numerical-failure');
    assert.deepEqual(e.diagnostic.range, q.spec.range);
    assert.match(e.message, /rescale/);
    assert.match(e.message, /separation/);
    return true;
  });
  const m = prep(MODEL, { 'd.csv': sleep }).models[0];
  assert.ok(m.frame);
  const r = await fitModel(m.frame, m.spec, { yieldEveryMs: 0 });
  assert.equal(nonFiniteFigure(r), null);
  const bad: FitResult = { ...r, se: { ...r.se, Days: NaN } };
  assert.equal(nonFiniteFigure(bad), 'the standard error of Days');
  assert.equal(nonFiniteFigure({ ...r, fixef: { ...r.fixef, '(Intercept)': Infinity } }), 'the estimate of (Intercept)');
});

test('a data path that climbs above / is recognised (the CLI reports it instead of reading from /)', () => {
  assert.equal(climbsAboveRoot('/home/a', '../../../x.csv'), true);
  assert.equal(climbsAboveRoot('/home/a', '../../x.csv'), false);
  assert.equal(climbsAboveRoot('/home/a', 'sub/../../../x.csv'), false);
  assert.equal(climbsAboveRoot('/home/a', '/etc/x.csv'), false);
});

test('a fixed-effects matrix too large because of its many rows says so (not "a variable with that many levels")', () => {
  const rows = ['y,a,b,c,d,e,f,g,s'];
  const mult = [19, 21, 23, 27, 29, 31, 33]; // coprime to 100: every factor has 100 levels
  const lv = (i: number, k: number) => `l${(i * mult[k] + k) % 100}`;
  for (let i = 0; i < 10000; i++) rows.push([i % 17, ...[0, 1, 2, 3, 4, 5, 6].map((k) => lv(i, k)), `s${i % 50}`].join(','));
  // 1 + 7 × 99 = 694 columns × 10,000 rows is beyond the bound sqrt(4e9 × n) ≈ 6.3e6 entries; no term has more than 99
  const mlm = 'data: big.csv\nmodel m:\n  formula: y ~ a + b + c + d + e + f + g + (1 | s)\n';
  const d = prep(mlm, { 'big.csv': rows.join('\n') }).diagnostics.find((x) => x.code === 'too-many-columns');
  assert.ok(d);
  assert.match(d.message, /10000 rows × 694 columns/);
  assert.match(d.message, /use a subset of the rows/);
});

test('CSV errors name the line the editor shows: blank lines and multi-line quoted fields count', () => {
  const text = 'y,x,g\n1,2,a\n\n\n3,4,"b\nc"\n\n5,6\n';
  const e = thrown(() => readCsv(text, 'gaps.csv'));
  assert.equal(e.diagnostic.code, 'csv-fields');
  assert.equal(e.diagnostic.csv!.row, 8); // '5,6' is on line 8
  assert.match(e.message, /gaps\.csv line 8: 2 fields where the header has 3/);
  const t = readCsv('y,x\n1,2\n\n3,4\nabc,5\n' + '6,7\n'.repeat(5), 'ok.csv');
  assert.equal(t.nrow, 8);
  assert.equal(dataLine(t, 0), 2);
  assert.equal(dataLine(t, 1), 4);
  assert.equal(thrown(() => numericValues(t, 'y')).diagnostic.csv!.row, 5);
  // no blank lines: no line table, row + 2
  assert.equal(readCsv('y\n1\n2\n', 'plain.csv').lines, undefined);
});

test('UTF-16 with a byte-order mark is decoded; without one it is a clear message', () => {
  const csv = 'y,g\n1,ä\n2,b\n';
  const le = new Uint8Array([0xff, 0xfe, ...Buffer.from(csv, 'utf16le')]);
  assert.equal(decodeText(le), csv);
  const be = Buffer.from(csv, 'utf16le').swap16();
  assert.equal(decodeText(new Uint8Array([0xfe, 0xff, ...be])), csv);
  assert.equal(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(csv)])), csv);
  assert.equal(readCsv(decodeText(le), 'u16.csv').nrow, 2);
  // UTF-16 without a BOM read as UTF-8: NUL characters
  const e = thrown(() => readCsv(Buffer.from(csv, 'utf16le').toString('utf8'), 'nobom.csv'));
  assert.equal(e.diagnostic.code, 'csv-encoding');
  assert.match(e.message, /UTF-16/);
});

test('files that must not be read: not a regular file, more than a string holds, /dev/zero', () => {
  assert.match(refuseDataFile('zero', { isFile: false, size: 0 })!, /not a regular file/);
  assert.match(refuseDataFile('big.csv', { isFile: true, size: 600e6 })!, /600 MB.*largest data file.*537 MB/);
  assert.equal(refuseDataFile('ok.csv', { isFile: true, size: MAX_DATA_BYTES }), null);
  // A binary file (Parquet) travels as base64, 4 characters for 3 bytes: 3/4 of a string's capacity.
  assert.match(refuseDataFile('big.parquet', { isFile: true, size: 450e6 }, true)!, /450 MB.*largest data file.*403 MB.*base64/);
  assert.equal(refuseDataFile('ok.parquet', { isFile: true, size: 400e6 }, true), null);
  if (existsSync('/dev/zero')) {
    const e = thrown(() => readDataFile('/dev/zero', '/dev/zero'));
    assert.equal(e.diagnostic.code, 'data-refused');
    const p = prepareModels('data: /dev/zero\nmodel m:\n  formula: y ~ 1 + (1 | g)\n', (rel) => readDataFile(rel, rel));
    const d = p.diagnostics.find((x) => x.code === 'data-refused');
    assert.ok(d?.range, 'located on the data: line');
  }
  const dir = mkdtempSync(join(tmpdir(), 'mlm-rel-'));
  try {
    const f = join(dir, 'u.csv');
    writeFileSync(f, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('y,g\n1,a\n', 'utf16le')]));
    assert.equal(readDataFile(f, 'u.csv'), 'y,g\n1,a\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('chunked reading parses as one papaparse call would: quotes, embedded line breaks, CRLF', async () => {
  let s = 1;
  const rand = (n: number) => ((s = (s * 1103515245 + 12345) & 0x7fffffff), s % n);
  const lines = ['a,b,c'];
  for (let i = 0; i < 40000; i++) {
    const q = rand(10);
    const b = q === 0 ? `"x""y\r\nz${i}"` : q === 1 ? `"p,q${i}"` : q === 2 ? `5" screen` : `v${rand(50)}`;
    lines.push(`${rand(1000)},${b},${rand(3)}`);
  }
  const text = lines.join('\r\n');
  const whole = Papa.parse<string[]>(text, { delimiter: ',', newline: '\r\n', skipEmptyLines: true }).data;
  const t = await readCsvAsync(text, 'q.csv', 0);
  assert.equal(t.nrow, whole.length - 1);
  const b = t.columns.get('b')!;
  const raw = b.raw;
  for (let i = 0; i < whole.length - 1; i++) if (raw[i] !== whole[i + 1][1]) assert.fail(`row ${i}: ${raw[i]} vs ${whole[i + 1][1]}`);
  // a record end is never inside a quoted field
  const end = recordEnd('a,"x\ny",b\nc,d,e', 0, 3, ',', '\n');
  assert.equal(end, 9);
});

test('readCsvAsync hands the event loop back while a large file is read', async () => {
  const text = 'y,x\n' + Array.from({ length: 300000 }, (_, i) => `${i},${i % 7}`).join('\n');
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  try {
    const t = await readCsvAsync(text, 'big.csv', 0);
    assert.equal(t.nrow, 300000);
  } finally {
    clearInterval(timer);
  }
  assert.ok(ticks > 0, 'an interval callback ran while the CSV was read');
});

/** A table of `rows` rows: y, x, a two-level factor f, and groups g (some shared across h: repeated ids are checked). */
function largeTable(rows: number) {
  const lines = ['y,x,f,g,h'];
  for (let i = 0; i < rows; i++) lines.push(`${((i * 7919) % 1000) / 10},${i % 10},${i % 3 ? 'a' : 'b'},g${i % 500},h${i % 37}`);
  const doc = parseMlm('data: large.csv\nmodel a:\n  formula: y ~ x + f + (1 + x | g) + (1 | h)\n');
  return { doc, model: doc.models[0], table: applyDocument(doc, readCsv(lines.join('\n'), 'large.csv')) };
}

test('model frames and checks against the data are built in slices of rows: the event loop is entered meanwhile', async () => {
  const rows = 200000;
  const { doc, model, table } = largeTable(rows);
  // every pass over the rows yields once per ROWS_PER_STEP rows (a count, not a time)
  let steps = 0;
  const gen = buildModelFrameSteps(doc, model, table, { prepared: true });
  while (!gen.next().done) steps++;
  assert.ok(steps >= 8 * Math.ceil(rows / ROWS_PER_STEP), `${steps} slices`);
  steps = 0;
  const check = analyzePreparedSteps(doc, model, table);
  while (!check.next().done) steps++;
  assert.ok(steps >= 10 * Math.ceil(rows / ROWS_PER_STEP), `${steps} slices`);
  // the async variants hand the event loop back (an interval runs) and give what the sync ones give
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  try {
    const frame = await buildModelFrameAsync(doc, model, table, { prepared: true }, { yieldEveryMs: 1 });
    const framed = ticks;
    const diags = await analyzePreparedAsync(doc, model, table, { yieldEveryMs: 1 });
    assert.ok(framed > 0, 'an interval callback ran while the frame was built');
    assert.ok(ticks > framed, 'an interval callback ran while the model was checked against the data');
    const sync = buildModelFrame(doc, model, table, { prepared: true });
    assert.deepEqual(frame.coefnames, ['(Intercept)', 'x', 'fb']);
    assert.deepEqual([frame.n, frame.coefnames, Array.from(frame.X.subarray(0, 10)), frame.reTerms.map((t) => [t.group, t.levels.length, t.k])], [
      sync.n,
      sync.coefnames,
      Array.from(sync.X.subarray(0, 10)),
      sync.reTerms.map((t) => [t.group, t.levels.length, t.k]),
    ]);
    assert.deepEqual(diags, analyzePrepared(doc, model, table));
  } finally {
    clearInterval(timer);
  }
  // a cancelled build stops with CancelledError
  await assert.rejects(buildModelFrameAsync(doc, model, table, { prepared: true }, { yieldEveryMs: 1, isCancelled: () => true }), CancelledError);
});

test('CSV fields are kept packed (one string per column) and read back as the file has them', () => {
  const text = 'y,name,z\n1.50,"a, b",\n2,  c  ,NA\n,d,3e2\n';
  const t = readCsv(text, 'p.csv');
  const raw = (name: string) => t.columns.get(name)!.raw;
  assert.deepEqual([...raw('y')], ['1.50', '2', '']);
  assert.deepEqual([...raw('name')], ['a, b', '  c  ', 'd']);
  assert.deepEqual(Array.from(raw('z')), ['', 'NA', '3e2']);
  assert.equal(raw('name').length, 3);
  assert.equal(raw('name')[1], '  c  ');
  assert.equal(raw('name')[3], undefined);
  assert.ok(Array.isArray(raw('y')));
  assert.equal(raw('y').findIndex((f) => f === '2'), 1);
  assert.equal(JSON.stringify(raw('y')), '["1.50","2",""]');
  assert.throws(() => {
    (raw('y') as string[])[0] = 'x';
  }, TypeError);
});
