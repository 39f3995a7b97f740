/**
 * The web server's duckdb-wasm runner (server/src/web/duckdbRunner.ts), run here on the node build of the same
 * duckdb-wasm bindings: Parquet files registered as buffers become DataTables whose fits match lme4's
 * reference fits; a corrupt file, a column of the wrong type and a cancelled query give clear errors and leave
 * the runner usable; extension auto-install and auto-load are off.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './lspClient';
import { DuckDbWasmRunner } from '../../server/src/web/duckdbRunner';
import { nodeDuckDb } from './duckdbWasmNode';
import { webSqlData } from '../../server/src/web/sqlData';
import { FileRefused } from '../../server/src/host';
import { applyDocument, buildModelFrame, bytesToBase64, CancelledError, fitModel, fitSpecOf, MlmError, parseMlm, readCsv, type DataColumn, type DataTable, type FitResult } from '../../engine/src/index';

const FIXTURES = join(root, 'test/fixtures');

let runner: DuckDbWasmRunner;
before(async () => {
  runner = new DuckDbWasmRunner(await nodeDuckDb());
});
after(() => runner.close());

function parquet(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, 'parquet', name)));
}

async function fit(text: string, table: DataTable): Promise<FitResult> {
  const doc = parseMlm(text);
  const t = applyDocument(doc, table);
  const decl = doc.models[0];
  const frame = buildModelFrame(doc, decl, t);
  return fitModel(frame, fitSpecOf(decl, t, frame), { yieldEveryMs: 0 });
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

test('extension auto-install and auto-load are off (nothing is downloaded)', async () => {
  const r = await runner.query("SELECT current_setting('autoinstall_known_extensions') AS i, current_setting('autoload_known_extensions') AS l");
  assert.deepEqual(r.rows, [[false, false]]);
});

test('a Parquet file read through duckdb-wasm fits as lme4 fits sleepstudy (REML, correlated slope)', async () => {
  runner.registerFile('sleepstudy.parquet', parquet('sleepstudy.parquet'));
  const table = await runner.readTable("read_parquet('sleepstudy.parquet')", 'sleepstudy.parquet');
  assert.equal(table.nrow, 180);
  assert.deepEqual(table.names, ['Reaction', 'Days', 'Subject']);
  const subject = table.columns.get('Subject')!;
  assert.ok(subject.kind === 'text' && subject.levels.length === 18 && subject.levels[0] === '308');
  const ref = JSON.parse(readFileSync(join(FIXTURES, 'reference/fits/sleepstudy_full.json'), 'utf8'));
  const r = await fit('data: sleepstudy.parquet\nmodel full:\n  formula: Reaction ~ Days + (Days | Subject)\n', table);
  assert.ok(Math.abs(r.logLik - ref.logLik) < 1e-3, `logLik ${r.logLik} vs ${ref.logLik}`);
  for (const k of Object.keys(ref.fixef)) {
    assert.ok(rel(r.fixef[k], ref.fixef[k]) < 1e-4, `${k} ${r.fixef[k]} vs ${ref.fixef[k]}`);
    assert.ok(rel(r.se[k], ref.se[k]) < 1e-4, `se ${k}`);
  }
  assert.ok(rel(r.sigma, ref.sigma) < 1e-3);
});

test('a binomial GLMM on only the model\'s columns of a Parquet file matches glmer on cbpp', async () => {
  runner.registerFile('cbpp.parquet', parquet('cbpp.parquet'));
  const table = await runner.readTable("read_parquet('cbpp.parquet')", 'cbpp.parquet', { pick: (names) => names.filter((n) => ['herd', 'incidence', 'size', 'period'].includes(n)) });
  const ref = JSON.parse(readFileSync(join(FIXTURES, 'reference/fits/cbpp_binomial.json'), 'utf8'));
  const r = await fit('data: cbpp.parquet\nmodel m:\n  formula: cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)\n  family: binomial\n', table);
  assert.ok(Math.abs(r.logLik - ref.logLik) < 1e-3, `logLik ${r.logLik} vs ${ref.logLik}`);
  for (const k of Object.keys(ref.fixef)) assert.ok(rel(r.fixef[k], ref.fixef[k]) < 1e-3, `${k} ${r.fixef[k]} vs ${ref.fixef[k]}`);
});

test('a corrupt Parquet file is a located sql-error naming the file; the runner still answers', async () => {
  const bytes = parquet('sleepstudy.parquet');
  const broken = bytes.slice();
  broken.fill(0x41, 200, 900);
  runner.registerFile('broken.parquet', broken);
  await assert.rejects(
    runner.readTable("read_parquet('broken.parquet')", 'broken.parquet'),
    (e: unknown) => e instanceof MlmError && e.diagnostic.code.startsWith('sql-') && e.message.startsWith('broken.parquet: '),
  );
  runner.registerFile('short.parquet', bytes.slice(0, 40));
  await assert.rejects(runner.readTable("read_parquet('short.parquet')", 'short.parquet'), (e: unknown) => e instanceof MlmError && /short\.parquet/.test(e.message));
  const r = await runner.query('SELECT 1 + 1 AS two');
  assert.equal(Number(r.rows[0][0]), 2);
});

test('a response stored as text in the Parquet file is refused with the model frame\'s located message', async () => {
  runner.registerFile('text.parquet', parquet('sleepstudy-text.parquet'));
  const table = await runner.readTable("read_parquet('text.parquet')", 'sleepstudy-text.parquet');
  assert.equal(table.columns.get('Reaction')!.kind, 'text');
  await assert.rejects(
    fit('data: sleepstudy-text.parquet\nmodel full:\n  formula: Reaction ~ Days + (Days | Subject)\n', table),
    (e: unknown) => e instanceof MlmError && /Reaction/.test(e.message) && e.diagnostic.range !== undefined,
  );
});

test('a missing column and an aborted query: sql-unknown-column and CancelledError', async () => {
  await assert.rejects(runner.query("SELECT nope FROM read_parquet('sleepstudy.parquet')"), (e: unknown) => e instanceof MlmError && e.diagnostic.code === 'sql-unknown-column');
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(runner.query('SELECT 1', { signal: ac.signal }), (e: unknown) => e instanceof CancelledError);
  const describe = await runner.describe("read_parquet('sleepstudy.parquet')");
  assert.deepEqual(describe.map((c) => c.type), ['DOUBLE', 'INTEGER', 'VARCHAR']);
});

test('NULLs read as missing values: NaN in numeric columns, code -1 in text and logical columns', async () => {
  const t = await runner.readTable("(SELECT * FROM (VALUES (1.5, 2::BIGINT, 'a', true), (NULL, NULL, NULL, NULL), (3.25, 4, 'b', false)) v(x, n, g, b))", 'values');
  const x = t.columns.get('x')!;
  const n = t.columns.get('n')!;
  assert.ok(x.kind === 'numeric' && x.values[0] === 1.5 && Number.isNaN(x.values[1]) && x.values[2] === 3.25);
  assert.ok(n.kind === 'numeric' && n.values[0] === 2 && Number.isNaN(n.values[1]) && n.values[2] === 4);
  const g = t.columns.get('g')!;
  assert.ok(g.kind === 'text' && g.codes[1] === -1 && g.levels.join() === 'a,b');
  const b = t.columns.get('b')!;
  assert.ok(b.kind === 'text' && b.codes[1] === -1 && b.levels.join() === 'FALSE,TRUE' && b.codes[0] === 1);
});

describe('the web server\'s data: through duckdb-wasm (server/src/web/sqlData.ts)', () => {
  const reads: string[] = [];
  const files: Record<string, Uint8Array> = {};
  let sql: ReturnType<typeof webSqlData>;
  before(() => {
    files['file:///ws/sleep.parquet'] = parquet('sleepstudy.parquet');
    files['file:///ws/sleep.csv'] = new Uint8Array(readFileSync(join(FIXTURES, 'reference/data/sleepstudy.csv')));
    const broken = parquet('sleepstudy.parquet');
    broken.fill(0x41, 200, 900);
    files['file:///ws/broken.parquet'] = broken;
    sql = webSqlData(async (uri) => {
      reads.push(uri);
      return files[uri] ? bytesToBase64(files[uri]) : null;
    }, async () => runner);
  });
  const request = (text: string, dataUri: string) => sql.read({ docUri: 'file:///ws/a.mlm', dataUri, doc: parseMlm(text), workspaceFolders: ['file:///ws'] });

  test('a Parquet file: only the columns the document names, the file read once per version', async () => {
    const text = 'data: sleep.parquet\nmodel m:\n  formula: Reaction ~ 1 + (1 | Subject)\n';
    const r = await request(text, 'file:///ws/sleep.parquet');
    assert.ok(r?.table, JSON.stringify(r?.diagnostics));
    assert.deepEqual(r.table.names, ['Reaction', 'Subject']);
    assert.equal(r.table.nrow, 180);
    assert.match(r.note, /DuckDB in the browser \(a Parquet file\): 2 columns, 180 rows/);
    const again = await request(text + 'model n:\n  formula: Reaction ~ Days + (1 | Subject)\n', 'file:///ws/sleep.parquet');
    assert.deepEqual(again?.table?.names, ['Reaction', 'Days', 'Subject']);
    assert.equal(reads.filter((u) => u.endsWith('sleep.parquet')).length, 1, 'bytes read once');
    sql.invalidate('file:///ws/sleep.parquet');
    await request(text, 'file:///ws/sleep.parquet');
    assert.equal(reads.filter((u) => u.endsWith('sleep.parquet')).length, 2, 're-read after a change on disk');
  });

  test('a CSV file under engine: duckdb or from the size threshold on: read through DuckDB as the built-in reader reads it; smaller ones and declined ones go to the built-in reader', async () => {
    const text = 'data: sleep.csv\nengine: duckdb\nmodel m:\n  formula: Reaction ~ Days + (Days | Subject)\n';
    const r = await request(text, 'file:///ws/sleep.csv');
    const table: DataTable | null | undefined = r?.table;
    assert.ok(table, JSON.stringify(r?.diagnostics));
    assert.deepEqual(table.names, ['Reaction', 'Days', 'Subject']);
    assert.match(r!.note, /DuckDB in the browser \('engine: duckdb'\): 3 columns, 180 rows/);
    const builtIn = readCsv(readFileSync(join(FIXTURES, 'reference/data/sleepstudy.csv'), 'utf8'), 'sleep.csv');
    for (const name of table.names) {
      const a: DataColumn = table.columns.get(name)!;
      const b = builtIn.columns.get(name)!;
      if (a.kind === 'numeric' && b.kind === 'numeric') assert.deepEqual([...a.values], [...b.values]);
      else if (a.kind === 'text' && b.kind === 'text') assert.deepEqual([a.levels, [...a.codes]], [b.levels, [...b.codes]]);
      else assert.fail(`${name}: ${a.kind} vs ${b.kind}`);
    }
    const ref = JSON.parse(readFileSync(join(FIXTURES, 'reference/fits/sleepstudy_full.json'), 'utf8'));
    const f = await fit(text, table);
    assert.ok(rel(f.fixef.Days, ref.fixef.Days) < 1e-5, `Days ${f.fixef.Days} vs ${ref.fixef.Days}`);
    // without engine: the file's size against the threshold (the client tells the size; unknown = the built-in reader)
    const small = 'data: sleep.csv\nmodel m:\n  formula: Reaction ~ Days + (1 | Subject)\n';
    assert.equal(await request(small, 'file:///ws/sleep.csv'), null);
    const sized = webSqlData(async (uri) => (files[uri] ? bytesToBase64(files[uri]) : null), async () => runner, async (uri) => files[uri]?.length ?? null);
    const at = (thresholdMB: number) => sized.read({ docUri: 'file:///ws/a.mlm', dataUri: 'file:///ws/sleep.csv', doc: parseMlm(small), workspaceFolders: ['file:///ws'], thresholdMB });
    assert.equal(await at(1), null, 'below 1 MB: built-in');
    const big = await at(0);
    assert.ok(big?.table && /a CSV file of 0 MB \(from 0 MB on\)/.test(big.note), big?.note);
    // a CSV of at most ALL_COLUMNS_ROWS rows: every column (the data preview shows them all), as the built-in reader gives
    files['file:///ws/extra.csv'] = new TextEncoder().encode('y,unused,g\n1,x,a\n2,y,b\n3,z,a\n');
    const extra = await request('data: extra.csv\nengine: duckdb\nmodel m:\n  formula: y ~ 1 + (1 | g)\n', 'file:///ws/extra.csv');
    assert.deepEqual(extra?.table?.names, ['y', 'unused', 'g']);
    // a file DuckDB's rows would not match line by line: null, so the built-in reader reads it (and locates its errors)
    files['file:///ws/blank.csv'] = new TextEncoder().encode('y,g\n1,a\n\n2,b\n');
    files['file:///ws/short.csv'] = new TextEncoder().encode('y,g\n1,a\n2\n3,b\n');
    // too large for base64 (the editor refuses the bytes): the built-in reader decides (it reads text up to a larger size)
    const refusing = webSqlData(async () => {
      throw new FileRefused('too large as base64');
    }, async () => runner);
    assert.equal(await refusing.read({ docUri: 'file:///ws/a.mlm', dataUri: 'file:///ws/sleep.csv', doc: parseMlm(text), workspaceFolders: ['file:///ws'] }), null);
    for (const name of ['blank', 'short']) {
      assert.equal(await request(`data: ${name}.csv\nengine: duckdb\nmodel m:\n  formula: y ~ 1 + (1 | g)\n`, `file:///ws/${name}.csv`), null, name);
    }
  });

  test('an error while the rows stream (a CSV value DuckDB cannot convert) rejects the query: no rows are lost silently', async () => {
    // DuckDB 0.9 with nullstr = 'NA' no longer reads an empty field as missing: '' in a BIGINT column is an error.
    runner.registerFile('na.csv', new TextEncoder().encode('y,g\n1,a\n2,\n,b\n4,c\n'));
    await assert.rejects(runner.query("SELECT y FROM read_csv_auto('na.csv', header = true, nullstr = 'NA')"), (e: unknown) => e instanceof MlmError && /convert/.test(e.message));
  });

  test('bad data: lines are located errors: corrupt file, missing file, glob, engine: memory with Parquet', async () => {
    const at = async (text: string, uri: string) => (await request(text, uri))?.diagnostics[0];
    const corrupt = await at('data: broken.parquet\nmodel m:\n  formula: Reaction ~ 1 + (1 | Subject)\n', 'file:///ws/broken.parquet');
    assert.ok(corrupt && corrupt.code.startsWith('sql-') && corrupt.range?.start.line === 0 && /broken\.parquet/.test(corrupt.message), JSON.stringify(corrupt));
    const missing = await at('data: nope.parquet\nmodel m:\n  formula: y ~ 1 + (1 | g)\n', 'file:///ws/nope.parquet');
    assert.equal(missing?.code, 'data-not-found');
    const glob = await at('data: parts/*.parquet\nmodel m:\n  formula: y ~ 1 + (1 | g)\n', 'file:///ws/parts/*.parquet');
    assert.equal(glob?.code, 'sql-unsupported');
    const memory = await at('data: sleep.parquet\nengine: memory\nmodel m:\n  formula: y ~ 1 + (1 | g)\n', 'file:///ws/sleep.parquet');
    assert.equal(memory?.code, 'data-engine');
    assert.equal(memory?.range?.start.line, 1, 'on the engine: line');
  });
});
