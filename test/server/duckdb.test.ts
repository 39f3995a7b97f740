/**
 * The desktop server (dist/node/server.js) with data read through the embedded DuckDB: a Parquet file is
 * checked, fitted in SQL (lme4's figures; the in-memory fit of the same rows) and previewed; data beyond the
 * editor's rows are checked on a sample and fitted in SQL, with progress and cancel; a glob that matches nothing,
 * Parquet files of different column types and a missing column are located diagnostics, and the server stays alive.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { CancellationTokenSource } from 'vscode-languageserver-protocol/node';
import { join } from 'node:path';
import { DuckDbRunner } from '../../engine/src/node/index';
import { ensureBuilt, LspClient, makeWorkspace, referenceData, root, type Workspace } from './lspClient';

let ws: Workspace;
let client: LspClient;
const reference = (name: string) => JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'reference', 'fits', `${name}.json`), 'utf8'));

before(async () => {
  ensureBuilt();
  ws = makeWorkspace();
  const csv = join(referenceData, 'sleepstudy.csv');
  const r = await DuckDbRunner.open();
  try {
    await r.query(`COPY (SELECT * FROM read_csv('${csv}')) TO '${join(ws.dir, 'sleep.parquet')}' (FORMAT parquet)`);
    await r.query(`COPY (SELECT * FROM read_csv('${csv}') WHERE Days < 5) TO '${join(ws.dir, 'mixed-1.parquet')}' (FORMAT parquet)`);
    await r.query(`COPY (SELECT CAST(Reaction AS VARCHAR) || ' ms' AS Reaction, Days, Subject FROM read_csv('${csv}') WHERE Days >= 5) TO '${join(ws.dir, 'mixed-2.parquet')}' (FORMAT parquet)`);
    // seeded rows (hashes of the row number: the same on every run): y = 2 + 0.5 x + a[g] + e, 300 groups, as
    // Parquet and as CSV (DuckDB writes doubles in their shortest exact form, so both hold the same numbers)
    const u = (i: string, k: number) => `((hash(${i}, ${k}) % 1000000) / 1000000.0)`;
    const rows = `SELECT 'g' || (hash(i, 1) % 300) AS g, 3 + 2 * ${u('i', 2)} AS x, 2 + 0.5 * (3 + 2 * ${u('i', 2)}) + 0.8 * (((hash(hash(i, 1) % 300, 9) % 1000) / 1000.0) - 0.5) + (${u('i', 3)} + ${u('i', 4)} + ${u('i', 5)} - 1.5) AS y, CAST(hash(i, 6) % 4 AS DOUBLE) AS xc, CASE WHEN ${u('i', 7)} < 1 / (1 + exp(0.5 - 0.4 * CAST(hash(i, 6) % 4 AS DOUBLE) - 1.5 * (((hash(hash(i, 1) % 300, 9) % 1000) / 1000.0) - 0.5))) THEN 1 ELSE 0 END AS z FROM range(20000) t(i) ORDER BY i`;
    await r.query(`COPY (${rows}) TO '${join(ws.dir, 'seeded.parquet')}' (FORMAT parquet)`);
    await r.query(`COPY (${rows}) TO '${join(ws.dir, 'seeded.csv')}' (FORMAT csv, HEADER)`);
    // 10 billion rows that take no room: 1,000 links to one file of 10 million rows
    await r.query(`COPY (SELECT (i % 97)::DOUBLE AS y, (i % 13)::DOUBLE AS x, 'g' || (i % 50) AS g FROM range(10000000) t(i)) TO '${join(ws.dir, 'ten-million.parquet')}' (FORMAT parquet)`);
    mkdirSync(join(ws.dir, 'many'));
    for (let k = 0; k < 1000; k++) symlinkSync(join(ws.dir, 'ten-million.parquet'), join(ws.dir, 'many', `part-${k}.parquet`));
  } finally {
    await r.close();
  }
  client = new LspClient(ws);
  await client.initialize();
});

after(async () => {
  await client.dispose();
  ws.dispose();
});

test('a Parquet file: no diagnostics, mlm/fit gives lme4\'s fit and says how the data were read, the preview shows its rows', async () => {
  const text = 'data: sleep.parquet\nengine: duckdb\nmodel full:\n  formula: Reaction ~ Days + (Days | Subject)\n';
  const uri = ws.write('parquet.mlm', text);
  const diags = await client.open(uri, text);
  assert.deepEqual(diags, []);
  const ref = reference('sleepstudy_full');
  const res = await client.request<{ fitted: string[]; errors: unknown[]; results: Array<{ id: string; REMLcrit: number; dataSource?: string }> }>('mlm/fit', { uri });
  assert.deepEqual(res.errors, []);
  assert.deepEqual(res.fitted, ['full']);
  assert.ok(Math.abs(res.results[0].REMLcrit - ref.REMLcrit) < 1e-6);
  assert.match(res.results[0].dataSource ?? '', /DuckDB \('engine: duckdb'\): cross-product blocks of 180 rows from one aggregation query/);
  const p = await client.request<{ rows: number; head: string[][]; columns: Array<{ name: string }>; source?: string }>('mlm/dataPreview', { uri });
  assert.equal(p.rows, 180);
  assert.deepEqual(p.columns.map((c) => c.name), ['Reaction', 'Days', 'Subject']);
  assert.deepEqual(p.head[0], ['249.56', '0', '308']); // sleepstudy's first row as R prints it
  assert.match(p.source ?? '', /DuckDB/);
  // a term SQL does not compute: fitted to the loaded rows (the editor holds them all), and the result says so
  const curve = text.replace('model full:', 'model curve:\n  formula: Reaction ~ poly(Days, 2) + (1 | Subject)\nmodel full:');
  await client.change(uri, curve);
  const c = await client.request<{ fitted: string[]; errors: unknown[]; results: Array<{ id: string; dataSource?: string }> }>('mlm/fit', { uri, model: 'curve' });
  assert.deepEqual([c.errors, c.fitted], [[], ['curve']]);
  assert.match(c.results.find((r) => r.id === 'curve')?.dataSource ?? '', /3 of 3 columns, 180 rows; fitted to the loaded rows \(.*'poly\(Days, 2\)' is not computed in SQL/);
});

test('a small Parquet file without engine: is fitted in memory (every per-row plot); engine: duckdb fits it in SQL', async () => {
  const text = 'data: sleep.parquet\nmodel full:\n  formula: Reaction ~ Days + (Days | Subject)\n';
  const uri = ws.write('parquet-memory.mlm', text);
  assert.deepEqual(await client.open(uri, text), []);
  const ref = reference('sleepstudy_full');
  const res = await client.request<{ errors: unknown[]; results: Array<{ REMLcrit: number; dataSource?: string; residuals?: number[] }> }>('mlm/fit', { uri });
  assert.deepEqual(res.errors, []);
  assert.ok(Math.abs(res.results[0].REMLcrit - ref.REMLcrit) < 1e-6);
  assert.doesNotMatch(res.results[0].dataSource ?? '', /cross-product/);
  assert.match(res.results[0].dataSource ?? '', /DuckDB/);
  assert.equal(res.results[0].residuals?.length, 180);
});

test('bad input through DuckDB is located and the server stays alive: no match, mixed Parquet types, a missing column', async () => {
  const none = 'data: events/*.parquet\nmodel m:\n  formula: Reaction ~ Days + (1 | Subject)\n';
  const u1 = ws.write('none.mlm', none);
  const d1 = await client.open(u1, none);
  assert.equal(d1.length, 1);
  assert.equal(d1[0].code, 'data-not-found');
  assert.deepEqual(d1[0].range, { start: { line: 0, character: 6 }, end: { line: 0, character: 22 } });

  const mixed = 'data: mixed-*.parquet\nmodel m:\n  formula: Reaction ~ Days + (1 | Subject)\n';
  const u2 = ws.write('mixed.mlm', mixed);
  const d2 = await client.open(u2, mixed);
  assert.equal(d2[0]?.code, 'parquet-type-mismatch');
  assert.equal(d2[0].range.start.line, 0);

  const dayz = 'data: sleep.parquet\nmodel m:\n  formula: Reaction ~ Dayz + (1 | Subject)\n';
  const u3 = ws.write('dayz.mlm', dayz);
  const d3 = await client.open(u3, dayz);
  assert.deepEqual(d3.map((d) => d.code), ['unknown-column']);
  assert.equal(d3[0].range.start.line, 2);
  // fixing the column: the model checks clean (the data are read again with the new column set)
  const fixed = await client.change(u3, dayz.replace('Dayz', 'Days'));
  assert.deepEqual(fixed, []);
  assert.deepEqual(client.failedHandlers(), []);
});

test('engine: values are completed and hovered from the vocabulary table', async () => {
  const text = 'data: sleep.parquet\nengine: \nmodel m:\n  formula: Reaction ~ Days + (1 | Subject)\n';
  const uri = ws.write('engine.mlm', text);
  await client.open(uri, text);
  const items = await client.request<Array<{ label: string }> | { items: Array<{ label: string }> }>('textDocument/completion', { textDocument: { uri }, position: { line: 1, character: 8 } });
  const labels = (Array.isArray(items) ? items : items.items).map((i) => i.label);
  assert.deepEqual(labels, ['memory', 'duckdb']);
  const done = text.replace('engine: ', 'engine: duckdb');
  await client.change(uri, done);
  const hover = await client.request<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 10 } });
  assert.match(hover?.contents.value ?? '', /\*\*engine: duckdb\*\* — The embedded DuckDB/);
});

test('the data preview of a small Parquet file shows every column, also those no model names', async () => {
  const text = 'data: sleep.parquet\nmodel m:\n  formula: Reaction ~ 1 + (1 | Subject)\n';
  const uri = ws.write('preview.mlm', text);
  await client.open(uri, text);
  const p = await client.request<{ rows: number; columns: Array<{ name: string }> }>('mlm/dataPreview', { uri });
  assert.equal(p.rows, 180);
  assert.deepEqual(p.columns.map((c) => c.name), ['Reaction', 'Days', 'Subject']);
});

type FitReply = { fitted: string[]; errors: Array<{ model: string; message: string; cancelled?: boolean }>; results: Array<{ id: string; REMLcrit: number; logLik: number; fixef: Record<string, number>; nobs: number; dataSource?: string }> };

test('a seeded Parquet file is fitted in SQL with progress: the REML criterion of the in-memory fit of the same rows; a binomial GLMM from collapsed rows', async () => {
  const model = 'model m:\n  formula: y ~ x + (1 | g)\nmodel b:\n  formula: z ~ xc + (1 | g)\n  family: binomial\n';
  const pq = ws.write('seeded-pq.mlm', `data: seeded.parquet\nengine: duckdb\n${model}`);
  const cs = ws.write('seeded-csv.mlm', `data: seeded.csv\n${model}`);
  assert.deepEqual(await client.open(pq, `data: seeded.parquet\nengine: duckdb\n${model}`), []);
  assert.deepEqual(await client.open(cs, `data: seeded.csv\n${model}`), []);
  const sql = await client.request<FitReply>('mlm/fit', { uri: pq, workDoneToken: 'seeded-1' });
  const mem = await client.request<FitReply>('mlm/fit', { uri: cs });
  assert.deepEqual([sql.errors, mem.errors], [[], []]);
  const byId = (r: FitReply, id: string) => r.results.find((x) => x.id === id)!;
  const [a, b] = [byId(sql, 'm'), byId(mem, 'm')];
  assert.match(a.dataSource ?? '', /cross-product blocks of 20,000 rows/);
  assert.doesNotMatch(b.dataSource ?? '', /cross-product/);
  assert.equal(a.nobs, 20000);
  const rel = Math.abs(a.REMLcrit - b.REMLcrit) / Math.abs(b.REMLcrit);
  assert.ok(rel <= 1e-8, `REML criterion: SQL ${a.REMLcrit}, in memory ${b.REMLcrit} (relative ${rel})`);
  // the binomial model from its rows collapsed to covariate patterns: the log-likelihood of the fit to the rows
  const [gs, gm] = [byId(sql, 'b'), byId(mem, 'b')];
  assert.match(gs.dataSource ?? '', /20,000 rows collapsed to [\d,]+ covariate patterns/);
  assert.equal(gs.nobs, 20000);
  const relLL = Math.abs(gs.logLik - gm.logLik) / Math.abs(gm.logLik);
  assert.ok(relLL <= 1e-6, `logLik: collapsed ${gs.logLik}, in memory ${gm.logLik} (relative ${relLL})`);
  for (const c of ['(Intercept)', 'xc']) assert.ok(Math.abs(gs.fixef[c] - gm.fixef[c]) <= 1e-4 * Math.max(1, Math.abs(gm.fixef[c])), `${c}: ${gs.fixef[c]} vs ${gm.fixef[c]}`);
  await new Promise((res) => setTimeout(res, 50));
  const reports = client.progress.filter((p) => p.token === 'seeded-1' && p.value.kind === 'report').map((p) => p.value.message ?? '');
  assert.ok(reports.some((m) => /^m: sql (centres|blocks)/.test(m)), `progress: ${JSON.stringify(reports)}`);
});

test('10 billion rows (a glob): checked on a sample of the first rows, fitted in SQL; cancel stops the query and keeps the server alive', async () => {
  const text = 'data: many/*.parquet\nmodel m:\n  formula: y ~ x + (1 | g)\n';
  const uri = ws.write('many.mlm', text);
  // (the row count reads the footers of 1,000 files: allow a loaded machine time)
  assert.deepEqual(await client.open(uri, text, 120_000), [], 'no data-too-large error: the editor holds a sample');
  const p = await client.request<{ rows: number; source?: string }>('mlm/dataPreview', { uri });
  assert.equal(p.rows, 1_000_000);
  assert.match(p.source ?? '', /the first 1,000,000 of 10,000,000,000 rows/);
  // the first query scans 10^10 rows: it cannot end before the cancel that follows its progress report
  const source = new CancellationTokenSource();
  const fit = client.connection.sendRequest('mlm/fit', { uri, workDoneToken: 'many-1' }, source.token) as Promise<FitReply>;
  const started = Date.now();
  let reported = false;
  while (!reported && Date.now() - started < 60_000) {
    reported = client.progress.some((x) => x.token === 'many-1' && x.value.kind === 'report' && /^m: sql centres/.test(x.value.message ?? ''));
    if (!reported) await new Promise((res) => setTimeout(res, 20));
  }
  source.cancel();
  const r = await fit;
  assert.ok(reported, 'a progress report before the scan');
  assert.deepEqual(r.fitted, []);
  assert.deepEqual(r.errors.map((e) => [e.model, e.cancelled]), [['m', true]]);
  assert.ok(Date.now() - started < 120_000);
  // a term SQL does not compute cannot fall back to the rows the editor holds (a sample): a located error
  const curve = text.replace('y ~ x + (1 | g)', 'y ~ poly(x, 2) + (1 | g)');
  await client.change(uri, curve);
  const c = await client.request<FitReply & { errors: Array<{ range?: { start: { line: number } } }> }>('mlm/fit', { uri });
  assert.deepEqual(c.fitted, []);
  assert.match(c.errors[0]?.message ?? '', /'poly\(x, 2\)' is not computed in SQL/);
  assert.equal(c.errors[0]?.range?.start.line, 2);
  // the server answers afterwards
  const afterText = 'data: sleep.parquet\nmodel full:\n  formula: Reaction ~ Days + (Days | Subject)\n';
  const after = ws.write('after-cancel.mlm', afterText);
  await client.open(after, afterText);
  const small = await client.request<FitReply>('mlm/fit', { uri: after });
  assert.deepEqual(small.fitted, ['full']);
  assert.deepEqual(client.failedHandlers(), []);
});
