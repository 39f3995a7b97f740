/**
 * The language server with `data: clickhouse://…` on a two-shard cluster: a fit through mlm/fit (lme4's
 * reference), credentials asked of the client (mlm/clickhouseCredentials, VS Code's secret storage), and a
 * wrong table, a wrong column or credentials in the URL as located problems, with the server still answering.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnostic, Hover } from 'vscode-languageserver-protocol';
import { ANALYST, startCluster, type ClickHouseCluster } from './cluster';
import { loadSleepstudy } from './data';
import { ensureBuilt, LspClient, makeWorkspace, positionOf, type Workspace } from '../server/lspClient';
import { loadReference } from '../conformance/harness';
import type { FitResponse } from '../../protocol/index';

let cluster: ClickHouseCluster;
let ws: Workspace;
let client: LspClient;
/** What the client answers to mlm/clickhouseCredentials (null: nothing stored). */
let stored: { user: string; password: string } | null = null;
const asked: string[] = [];

before(async () => {
  ensureBuilt();
  cluster = await startCluster();
  await loadSleepstudy(cluster);
  ws = makeWorkspace();
  client = new LspClient(ws);
  client.connection.onRequest('mlm/clickhouseCredentials', (p: { address: string }) => {
    asked.push(p.address);
    return stored;
  });
  await client.initialize();
});

after(async () => {
  await client?.dispose();
  ws?.dispose();
  await cluster?.stop();
});

const doc = (table: string, formula: string) =>
  [`# sleepstudy on ClickHouse`, `data: clickhouse://127.0.0.1:${cluster.httpPorts[0]}/${table}`, '', 'model m:', `  formula: ${formula}`, ''].join('\n');

test('a document on a ClickHouse table has no data diagnostics, hovers the table, and fits as lme4', async () => {
  const text = doc('default.sleepstudy', 'Reaction ~ Days + (Days | Subject)');
  const uri = ws.write('ch.mlm', text);
  const diags = await client.open(uri, text);
  assert.deepEqual(
    diags.filter((d) => d.severity === 1),
    [],
  );
  const hover = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, 'default.sleepstudy', 2) });
  const md = hover && typeof hover.contents === 'object' && 'value' in hover.contents ? hover.contents.value : '';
  assert.match(md, /ClickHouse table/);
  assert.match(md, new RegExp(`127\\.0\\.0\\.1:${cluster.httpPorts[0]}`));
  const r = await client.request<FitResponse>('mlm/fit', { uri });
  assert.deepEqual(r.errors, []);
  const ref = loadReference('sleepstudy_full');
  const fit = r.results[0];
  assert.ok(Math.abs((fit.REMLcrit as number) - (ref.REMLcrit as number)) <= 1e-6 * (ref.REMLcrit as number), `REMLcrit ${fit.REMLcrit} vs lme4 ${ref.REMLcrit}`);
  for (const name of ref.coefnames) assert.ok(Math.abs(fit.fixef[name] - ref.fixef[name]) <= 1e-4 * Math.abs(ref.fixef[name]), name);
  assert.deepEqual(asked, [`127.0.0.1:${cluster.httpPorts[0]}`]);
});

test('credentials come from the client: a wrong stored password is refused, the right one fits', async () => {
  const text = doc('default.sleepstudy', 'Reaction ~ Days + (1 | Subject)');
  const uri = ws.write('creds.mlm', text);
  await client.open(uri, text);
  stored = { user: ANALYST.user, password: 'not-the-password' };
  const refused = await client.request<FitResponse>('mlm/fit', { uri });
  assert.equal(refused.results.length, 0);
  assert.match(refused.errors[0].message, /refused the credentials/);
  assert.match(refused.errors[0].message, /MLM: Set ClickHouse Password/);
  assert.doesNotMatch(refused.errors[0].message, /not-the-password/);
  assert.equal(refused.errors[0].range?.start.line, 1);
  stored = { ...ANALYST };
  const ok = await client.request<FitResponse>('mlm/fit', { uri });
  assert.deepEqual(ok.errors, []);
  assert.equal(ok.results[0].nobs, 180);
  stored = null;
});

test('a wrong table and a wrong column are located fit errors; the server keeps answering', async () => {
  const text = doc('default.no_such_table', 'Reaction ~ Days + (1 | Subject)');
  const uri = ws.write('bad.mlm', text);
  await client.open(uri, text);
  const r = await client.request<FitResponse>('mlm/fit', { uri });
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0].message, /no_such_table/);
  assert.equal(r.errors[0].range?.start.line, 1);

  const colText = doc('default.sleepstudy', 'Reaction ~ Dayz + (1 | Subject)');
  const colUri = ws.write('badcol.mlm', colText);
  await client.open(colUri, colText);
  const c = await client.request<FitResponse>('mlm/fit', { uri: colUri });
  assert.equal(c.errors.length, 1);
  assert.match(c.errors[0].message, /Dayz/);
  const at = c.errors[0].range!;
  assert.equal(colText.split('\n')[at.start.line].slice(at.start.character, at.end.character), 'Dayz');

  const hover = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, 'no_such_table', 1) });
  assert.ok(hover);
  assert.deepEqual(client.failedHandlers(), []);
});

test('user:password@ in the URL is an error on that part of the data: line, and nothing is fitted', async () => {
  const text = doc('default.sleepstudy', 'Reaction ~ Days + (1 | Subject)').replace('clickhouse://', 'clickhouse://analyst:pw@');
  const uri = ws.write('inurl.mlm', text);
  const diags: Diagnostic[] = await client.open(uri, text);
  const d = diags.find((x) => x.code === 'clickhouse-credentials-in-url');
  assert.ok(d, JSON.stringify(diags));
  assert.equal(text.split('\n')[d.range.start.line].slice(d.range.start.character, d.range.end.character), 'analyst:pw@');
  const r = await client.request<FitResponse>('mlm/fit', { uri });
  assert.equal(r.results.length, 0);
  assert.match(r.errors[0].message, /credentials do not belong in the \.mlm file/);
});

test("what SQL does not fit is a located error that does not suggest 'engine: memory' (a ClickHouse table is read only through SQL)", async () => {
  const text = doc('default.sleepstudy', 'Reaction ~ Days + (1 | Subject)') + '  weights: Days\n';
  const uri = ws.write('weights.mlm', text);
  await client.open(uri, text);
  const r = await client.request<FitResponse>('mlm/fit', { uri });
  assert.equal(r.results.length, 0);
  assert.equal(
    r.errors[0].message,
    'weights: is not computed in SQL; the rows of a ClickHouse table stay on the server, so only what SQL computes can be fitted from it',
  );
  assert.equal(text.split('\n')[r.errors[0].range!.start.line].trim(), 'weights: Days');
});
