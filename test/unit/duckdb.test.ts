/**
 * The embedded DuckDB (engine/src/node): data: routes, the engine: key, the runner (errors, progress, cancel,
 * its spill folder), and data: read through it: Parquet, globs, and the located errors of bad input.
 * Data are written by DuckDB itself into a temp folder from the fixture CSVs.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataRoute, isGlobPath, DEFAULT_SQL_CSV_THRESHOLD_MB } from '../../engine/src/data/route';
import { CancelledError, MlmError } from '../../engine/src/diagnostics';
import { parseMlm } from '../../engine/src/mlmfile/parse';
import { prepareDocument } from '../../engine/src/frame/prepare';
import { DuckDbRunner, loadSqlData, toMlmError } from '../../engine/src/node/index';
import type { NumericColumn, TextColumn } from '../../engine/src/data/types';
import { readCsv } from '../../engine/src/data/csv';
import { readFileSync } from 'node:fs';

const fixtures = join(__dirname, '..', 'fixtures', 'reference', 'data');
let dir = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlm-duckdb-test-'));
  const r = await DuckDbRunner.open();
  try {
    const sleep = join(fixtures, 'sleepstudy.csv').replace(/'/g, "''");
    await r.query(`COPY (SELECT * FROM read_csv('${sleep}')) TO '${join(dir, 'sleep.parquet')}' (FORMAT parquet)`);
    await r.query(`CREATE TABLE s AS SELECT * FROM read_csv('${sleep}')`);
    await r.query(`COPY (SELECT * FROM s WHERE Days < 5) TO '${join(dir, 'part-1.parquet')}' (FORMAT parquet)`);
    await r.query(`COPY (SELECT * FROM s WHERE Days >= 5) TO '${join(dir, 'part-2.parquet')}' (FORMAT parquet)`);
    // the same columns, but Reaction written as text in the second file
    await r.query(`COPY (SELECT Reaction, Days, Subject FROM s WHERE Days < 5) TO '${join(dir, 'mixed-1.parquet')}' (FORMAT parquet)`);
    await r.query(`COPY (SELECT CAST(Reaction AS VARCHAR) || 'ms' AS Reaction, Days, Subject FROM s WHERE Days >= 5) TO '${join(dir, 'mixed-2.parquet')}' (FORMAT parquet)`);
    // a text response in Parquet
    await r.query(`COPY (SELECT CAST(Reaction AS VARCHAR) || ' ms' AS Reaction, Days, Subject FROM s) TO '${join(dir, 'text.parquet')}' (FORMAT parquet)`);
    // rows enough for a query that runs for seconds (progress, cancel)
    await r.query(`SELECT setseed(0.5)`);
    await r.query(`COPY (SELECT i, random() AS x FROM range(3000000) t(i)) TO '${join(dir, 'big.parquet')}' (FORMAT parquet)`);
  } finally {
    await r.close();
  }
  // numbers for 25,000 rows (beyond DuckDB's type-sniffing sample), then text
  let csv = 'y,x,g\n';
  for (let i = 0; i < 25000; i++) csv += `${(i % 97) / 10},${i % 13},g${i % 20}\n`;
  csv += '1.5,abc,g3\n';
  writeFileSync(join(dir, 'midway.csv'), csv);
});

after(() => rmSync(dir, { recursive: true, force: true }));

const mlm = (data: string, formula = 'Reaction ~ Days + (Days | Subject)', extra = '') => parseMlm(`data: ${data}\n${extra}model m:\n  formula: ${formula}\n`);

test('data: routes: Parquet and globs through DuckDB, CSV from the size threshold on, engine: forces a path', () => {
  assert.equal(dataRoute('a.csv', { sizeBytes: 1000 }).kind, 'memory');
  assert.equal(dataRoute('a.csv', { sizeBytes: DEFAULT_SQL_CSV_THRESHOLD_MB * 2 ** 20 }).kind, 'sql');
  assert.equal(dataRoute('a.csv', { sizeBytes: 5 * 2 ** 20, thresholdMB: 5 }).kind, 'sql');
  assert.equal(dataRoute('a.csv', { sizeBytes: 5 * 2 ** 20 - 1, thresholdMB: 5 }).kind, 'memory');
  assert.deepEqual(dataRoute('big.parquet', {}), { kind: 'sql', format: 'parquet', glob: false, reason: 'a Parquet file' });
  assert.deepEqual(dataRoute('events/*.parquet', {}), { kind: 'sql', format: 'parquet', glob: true, reason: 'Parquet files matched by a glob' });
  assert.equal(dataRoute('a.csv', { engine: 'duckdb', sizeBytes: 10 }).kind, 'sql');
  assert.equal(dataRoute('huge.csv', { engine: 'memory', sizeBytes: 2 ** 40 }).kind, 'memory');
  assert.equal(dataRoute('big.parquet', { engine: 'memory' }).kind, 'refused');
  assert.ok(isGlobPath('a/*.csv') && isGlobPath('x?.parquet') && !isGlobPath('plain.csv'));
});

test("the engine: key: memory or duckdb; anything else is a located error with a suggestion", () => {
  assert.equal(parseMlm('data: a.csv\nengine: duckdb\nmodel m:\n  formula: y ~ 1 + (1 | g)\n').engine?.value, 'duckdb');
  const bad = parseMlm('data: a.csv\nengine: duckbd\nmodel m:\n  formula: y ~ 1 + (1 | g)\n');
  const d = bad.diagnostics.find((x) => x.code === 'unknown-engine');
  assert.ok(d, JSON.stringify(bad.diagnostics));
  assert.deepEqual(d.range, { start: { line: 1, character: 8 }, end: { line: 1, character: 14 } });
  assert.match(d.message, /did you mean 'duckdb'/);
});

test('runner: query, describe, readable errors with runner.ts codes', async () => {
  const r = await DuckDbRunner.open({ threads: 1 });
  try {
    const q = await r.query('SELECT 1 + 1 AS two, 42::BIGINT AS big, NULL AS nothing');
    assert.deepEqual(q.columns, ['two', 'big', 'nothing']);
    assert.deepEqual(q.rows, [[2, 42n, null]]);
    const cols = await r.describe(`read_parquet('${join(dir, 'sleep.parquet')}')`);
    assert.deepEqual(cols.map((c) => c.name), ['Reaction', 'Days', 'Subject']);
    await assert.rejects(r.query(`SELECT nope FROM read_parquet('${join(dir, 'sleep.parquet')}')`), (e: unknown) => {
      assert.ok(e instanceof MlmError);
      assert.equal(e.diagnostic.code, 'sql-unknown-column');
      assert.match(e.message, /Referenced column "nope" not found/);
      assert.doesNotMatch(e.message, /LINE 1|Binder Error/);
      return true;
    });
    await assert.rejects(r.query('SELECT * FROM no_such_table'), (e: unknown) => e instanceof MlmError && e.diagnostic.code === 'sql-unknown-table');
    // still usable after errors
    assert.deepEqual((await r.query('SELECT 3 AS x')).rows, [[3]]);
  } finally {
    await r.close();
  }
  assert.equal(toMlmError(new Error('INTERRUPT Error: Interrupted!')) instanceof CancelledError, true);
});

test('runner: progress while a query runs; cancel interrupts it, and no temp files are left behind', async () => {
  const r = await DuckDbRunner.open({ memoryLimit: '64MB', threads: 2 });
  const temp = r.tempDirectory;
  assert.ok(existsSync(temp));
  const fractions: number[] = [];
  const controller = new AbortController();
  // a scan of 1e11 rows: the query cannot end before it is cancelled, however fast or busy the machine is
  const started = Date.now();
  const running = r.query(`SELECT sum(hash(i) % 7) FROM range(100000000000) t(i)`, {
    signal: controller.signal,
    onProgress: (p) => {
      if (p.fraction !== undefined) fractions.push(p.fraction);
      if (fractions.length >= 3) controller.abort();
    },
  });
  // progress comes from polling DuckDB every 100 ms, which a busy machine may not get to: cancel after 5 s regardless
  const fallback = setTimeout(() => controller.abort(), 5000);
  await assert.rejects(running, (e: unknown) => e instanceof CancelledError);
  clearTimeout(fallback);
  assert.ok(Date.now() - started < 60000, 'cancelled: the query would run for minutes');
  assert.ok(fractions.every((f) => f >= 0 && f <= 1), `progress ${fractions}`);
  // the connection is usable after the cancel
  assert.deepEqual((await r.query('SELECT 7 AS x')).rows, [[7]]);
  await r.close();
  assert.equal(existsSync(temp), false, 'the spill folder is removed');
  assert.deepEqual(readdirSync(tmpdir()).filter((f) => join(tmpdir(), f) === temp), []);
  // an already aborted signal never starts the query
  const r2 = await DuckDbRunner.open();
  await assert.rejects(r2.query('SELECT 1', { signal: AbortSignal.abort() }), (e: unknown) => e instanceof CancelledError);
  await r2.close();
});

test('data: a Parquet file: only the columns the document names, numbers and factors as the CSV reader gives them', async () => {
  const doc = mlm('sleep.parquet', 'Reaction ~ Days + (1 | Subject)');
  const got = await loadSqlData(doc, { baseDir: dir });
  assert.deepEqual(got.diagnostics, []);
  assert.equal(got.route.kind, 'sql');
  const t = got.table!;
  const csv = readCsv(readFileSync(join(fixtures, 'sleepstudy.csv'), 'utf8'), 'sleepstudy.csv');
  assert.equal(t.nrow, 180);
  assert.deepEqual(t.names, ['Reaction', 'Days', 'Subject']);
  assert.deepEqual([...(t.columns.get('Reaction') as NumericColumn).values], [...(csv.columns.get('Reaction') as NumericColumn).values]);
  assert.match(got.note, /3 of 3 columns, 180 rows/);
  // a column the document does not name is not loaded
  const fewer = await loadSqlData(mlm('sleep.parquet', 'Reaction ~ 1 + (1 | Subject)'), { baseDir: dir });
  assert.deepEqual(fewer.table!.names, ['Reaction', 'Subject']);
  assert.deepEqual(fewer.allNames, ['Reaction', 'Days', 'Subject']);
  // every column of small data (the editor's data preview)
  const all = await loadSqlData(mlm('sleep.parquet', 'Reaction ~ 1 + (1 | Subject)'), { baseDir: dir, allColumnsUpTo: 180 });
  assert.deepEqual(all.table!.names, ['Reaction', 'Days', 'Subject']);
  const some = await loadSqlData(mlm('sleep.parquet', 'Reaction ~ 1 + (1 | Subject)'), { baseDir: dir, allColumnsUpTo: 179 });
  assert.deepEqual(some.table!.names, ['Reaction', 'Subject']);
  // text: factor codes in R's order
  const text = await loadSqlData(mlm('text.parquet'), { baseDir: dir });
  const col = text.table!.columns.get('Reaction') as TextColumn;
  assert.equal(col.kind, 'text');
  assert.deepEqual(col.levels.slice(0, 2), [...col.levels].sort().slice(0, 2));
  assert.equal(col.levels[col.codes[0]], `${(csv.columns.get('Reaction') as NumericColumn).raw[0]} ms`);
});

test('data: a glob reads every match; a glob that matches nothing is an error on the data: line', async () => {
  const doc = mlm('part-*.parquet');
  const got = await loadSqlData(doc, { baseDir: dir });
  assert.deepEqual(got.diagnostics, []);
  assert.equal(got.table!.nrow, 180);
  assert.equal(got.files.length, 2);
  const none = await loadSqlData(mlm('nothing-*.parquet'), { baseDir: dir });
  assert.equal(none.table, null);
  assert.equal(none.diagnostics.length, 1);
  assert.equal(none.diagnostics[0].code, 'data-not-found');
  assert.match(none.diagnostics[0].message, /no file matches 'nothing-\*\.parquet'/);
  assert.deepEqual(none.diagnostics[0].range, { start: { line: 0, character: 6 }, end: { line: 0, character: 23 } });
  // outside the allowed folder
  const outside = await loadSqlData(mlm('part-*.parquet'), { baseDir: dir, allowed: (p) => !p.endsWith('part-2.parquet') });
  assert.equal(outside.diagnostics[0]?.code, 'data-outside');
});

test('data: bad input is located: Parquet files of different column types, a CSV that changes type midway, a missing file', async () => {
  const mixed = await loadSqlData(mlm('mixed-*.parquet'), { baseDir: dir });
  assert.equal(mixed.table, null);
  const d = mixed.diagnostics[0];
  assert.equal(d.code, 'parquet-type-mismatch');
  assert.match(d.message, /column 'Reaction' has type VARCHAR in mixed-2\.parquet/);
  assert.equal(d.range?.start.line, 0);

  const midway = await loadSqlData(parseMlm('data: midway.csv\nmodel m:\n  formula: y ~ x + (1 | g)\n'), { baseDir: dir, engine: 'duckdb' });
  assert.equal(midway.table, null);
  const m = midway.diagnostics[0];
  assert.equal(m.code, 'csv-type-change');
  assert.deepEqual(m.csv, { file: 'midway.csv', row: 25002, column: 'x' });
  assert.match(m.message, /'abc' in column 'x' is not a number/);
  assert.equal(m.range?.start.line, 0);

  // more rows than the caller takes (the language server's limit)
  const many = await loadSqlData(mlm('sleep.parquet'), { baseDir: dir, maxRows: 100 });
  assert.equal(many.table, null);
  assert.equal(many.diagnostics[0].code, 'data-too-large');
  assert.match(many.diagnostics[0].message, /'sleep\.parquet' has 180 rows; the editor loads at most 100/);
  assert.equal(many.diagnostics[0].range?.start.line, 0);

  const missing = await loadSqlData(mlm('gone.parquet'), { baseDir: dir });
  assert.equal(missing.diagnostics[0].code, 'data-not-found');
  // engine: memory cannot read Parquet
  const refused = await loadSqlData(mlm('sleep.parquet', undefined, 'engine: memory\n'), { baseDir: dir });
  assert.equal(refused.diagnostics[0].code, 'data-engine');
  assert.equal(refused.diagnostics[0].range?.start.line, 1);
});

test('data: a missing column and a text response read from Parquet are the model frame\'s located errors', async () => {
  const doc = mlm('sleep.parquet', 'Reaction ~ Dayz + (1 | Subject)');
  const got = await loadSqlData(doc, { baseDir: dir });
  const prep = prepareDocument(doc, () => undefined, { loaded: { table: got.table, diagnostics: got.diagnostics } });
  const err = prep.models[0].error;
  assert.equal(err?.code, 'unknown-column');
  assert.match(err!.message, /Dayz/);
  assert.equal(err!.range?.start.line, 2);

  const textDoc = mlm('text.parquet', 'Reaction ~ Days + (1 | Subject)');
  const text = await loadSqlData(textDoc, { baseDir: dir });
  const prep2 = prepareDocument(textDoc, () => undefined, { loaded: { table: text.table, diagnostics: text.diagnostics } });
  const e2 = prep2.models[0].error ?? prep2.models[0].diagnostics.find((x) => x.severity === 'error');
  assert.ok(e2, 'a text response is an error');
  assert.equal(e2.range?.start.line, 2);
});
