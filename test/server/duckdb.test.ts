/**
 * The desktop server (dist/node/server.js) with data read through the embedded DuckDB: a Parquet file is
 * checked, fitted (lme4's figures) and previewed; a glob that matches nothing, Parquet files of different
 * column types and a missing column are located diagnostics, and the server stays alive.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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
  const text = 'data: sleep.parquet\nmodel full:\n  formula: Reaction ~ Days + (Days | Subject)\n';
  const uri = ws.write('parquet.mlm', text);
  const diags = await client.open(uri, text);
  assert.deepEqual(diags, []);
  const ref = reference('sleepstudy_full');
  const res = await client.request<{ fitted: string[]; errors: unknown[]; results: Array<{ id: string; REMLcrit: number; dataSource?: string }> }>('mlm/fit', { uri });
  assert.deepEqual(res.errors, []);
  assert.deepEqual(res.fitted, ['full']);
  assert.ok(Math.abs(res.results[0].REMLcrit - ref.REMLcrit) < 1e-6);
  assert.match(res.results[0].dataSource ?? '', /read through DuckDB \(a Parquet file\): 3 of 3 columns, 180 rows/);
  const p = await client.request<{ rows: number; head: string[][]; columns: Array<{ name: string }>; source?: string }>('mlm/dataPreview', { uri });
  assert.equal(p.rows, 180);
  assert.deepEqual(p.columns.map((c) => c.name), ['Reaction', 'Days', 'Subject']);
  assert.deepEqual(p.head[0], ['249.56', '0', '308']); // sleepstudy's first row as R prints it
  assert.match(p.source ?? '', /DuckDB/);
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
