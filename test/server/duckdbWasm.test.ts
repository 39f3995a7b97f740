/**
 * The web server's duckdb-wasm runner (server/src/web/duckdbRunner.ts), run here on the node build of the same
 * duckdb-wasm bindings: Parquet files registered as buffers become DataTables whose fits match lme4's
 * reference fits; a corrupt file, a column of the wrong type and a cancelled query give clear errors and leave
 * the runner usable; extension auto-install and auto-load are off.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { root } from './lspClient';
import { DuckDbWasmRunner, type DuckDbWasm } from '../../server/src/web/duckdbRunner';
import { applyDocument, buildModelFrame, CancelledError, fitModel, fitSpecOf, MlmError, parseMlm, type DataTable, type FitResult } from '../../engine/src/index';

const require = createRequire(join(root, 'package.json'));
const FIXTURES = join(root, 'test/fixtures');

async function nodeDuckDb(): Promise<DuckDbWasm> {
  const duckdb = require('@duckdb/duckdb-wasm/dist/duckdb-node-blocking.cjs');
  const arrow = require('apache-arrow');
  const dist = dirname(require.resolve('@duckdb/duckdb-wasm/dist/duckdb-node-blocking.cjs'));
  const db = await duckdb.createDuckDB(
    { mvp: { mainModule: join(dist, 'duckdb-mvp.wasm'), mainWorker: '' }, eh: { mainModule: join(dist, 'duckdb-eh.wasm'), mainWorker: '' } },
    new duckdb.VoidLogger(),
    duckdb.NODE_RUNTIME,
  );
  await db.instantiate(() => {});
  db.open({});
  return { db, batches: (conn, header) => arrow.RecordBatchReader.from(new duckdb.ResultStreamIterator(db, conn, header)) };
}

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
  const table = await runner.readTable("read_parquet('cbpp.parquet')", 'cbpp.parquet', { columns: ['herd', 'incidence', 'size', 'period'] });
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
