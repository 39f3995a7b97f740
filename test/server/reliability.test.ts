/**
 * Issue 18's server reproducers (items 5-7): data-derived text is escaped in hover and completion Markdown,
 * a symbolic link out of the workspace is refused, a lone surrogate or a path above / in `data:` gets a
 * diagnostic and leaves the document working, a folder is not read as data, and a large CSV being parsed
 * does not hold up requests on another document, nor does checking a model against it (building its frame).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompletionItem, Diagnostic, Hover, MarkupContent } from 'vscode-languageserver-protocol';
import { ensureBuilt, LspClient, makeWorkspace, positionOf, type Workspace } from './lspClient';

let ws: Workspace;
let client: LspClient;

before(async () => {
  ensureBuilt();
  ws = makeWorkspace();
  ws.copyData('sleepstudy.csv');
  client = new LspClient(ws);
  await client.initialize();
});

after(async () => {
  await client.dispose();
  ws.dispose();
});

function find(ds: Diagnostic[], code: string): Diagnostic {
  const d = ds.find((x) => x.code === code);
  assert.ok(d, `no '${code}' among ${JSON.stringify(ds.map((x) => [x.code, x.message]))}`);
  return d!;
}

const HOSTILE = ['![t](https://example.invalid/p.png)', '[run](command:workbench.action.quit)', '<img src=x>'];

/** No link, image or HTML survives: every bracket and angle bracket of the data is escaped. */
function assertInert(markdown: string): void {
  assert.doesNotMatch(markdown, /(^|[^\\])!\[/, markdown);
  assert.doesNotMatch(markdown, /(^|[^\\])\[(run|t)(\\)?\]\(/, markdown);
  assert.doesNotMatch(markdown, /(^|[^\\])<img/, markdown);
}

test('factor levels go into hover and completion Markdown escaped (no tracking pixel, no command link)', async () => {
  const rows = ['y,lev,g'];
  for (let i = 0; i < 30; i++) rows.push(`${i},"${HOSTILE[i % 3]}",g${i % 5}`);
  writeFileSync(join(ws.dir, 'hostile.csv'), rows.join('\n') + '\n');
  const text = 'data: hostile.csv\nmodel a:\n  formula: y ~ lev + (1 | g)\n';
  const uri = ws.write('hostile.mlm', text);
  await client.open(uri, text);
  const hover = await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, 'lev', 1) });
  const value = (hover.contents as MarkupContent).value;
  assert.match(value, /\\!\\\[t\\\]/); // shown literally
  assertInert(value);
  const typing = 'data: hostile.csv\nmodel b:\n  formula: y ~ \n';
  const uri2 = ws.write('typing.mlm', typing);
  await client.open(uri2, typing);
  const items = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: uri2 }, position: { line: 2, character: 15 } });
  const lev = items.find((i) => i.label === 'lev');
  assert.ok(lev);
  assertInert((lev.documentation as MarkupContent).value);
});

test('a symbolic link inside the workspace that points outside it is refused', async () => {
  const outside = mkdtempSync(join(tmpdir(), 'mlm-secret-'));
  try {
    writeFileSync(join(outside, 'secret.csv'), 'y,g\n1,a\n2,b\n');
    symlinkSync(join(outside, 'secret.csv'), join(ws.dir, 'link.csv'));
    const text = 'data: link.csv\nmodel a:\n  formula: y ~ 1 + (1 | g)\n';
    const uri = ws.write('link.mlm', text);
    const d = find(await client.open(uri, text), 'data-outside-workspace');
    assert.match(String(d.message), /symbolic link/);
    // a link that stays inside is followed
    symlinkSync(join(ws.dir, 'sleepstudy.csv'), join(ws.dir, 'inside.csv'));
    const ok = 'data: inside.csv\nmodel a:\n  formula: Reaction ~ Days + (1 | Subject)\n';
    const uri2 = ws.write('inside.mlm', ok);
    assert.deepEqual((await client.open(uri2, ok)).filter((x) => x.severity === 1), []);
  } finally {
    rmSync(outside, { recursive: true, force: true });
  }
});

test('a lone surrogate in data: is a diagnostic and the document keeps its symbols and completion', async () => {
  const text = 'data: sleep\uD800.csv\nmodel a:\n  formula: Reaction ~ Days + (1 | Subject)\n';
  const uri = ws.write('surrogate.mlm', 'x');
  const d = find(await client.open(uri, text), 'data-path');
  assert.match(String(d.message), /invalid character/);
  const symbols = await client.request<unknown[]>('textDocument/documentSymbol', { textDocument: { uri } });
  assert.ok(symbols.length > 0);
  const items = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: { line: 1, character: 0 } });
  assert.ok(Array.isArray(items));
  assert.equal(client.logs.filter((l) => /URIError|failed/.test(l)).length, 0, client.logs.join('\n'));
});

test('a path that climbs above / and a folder named as data get diagnostics', async () => {
  const up = 'data: ' + '../'.repeat(40) + 'x.csv\nmodel a:\n  formula: y ~ 1 + (1 | g)\n';
  const uri = ws.write('up.mlm', up);
  assert.match(String(find(await client.open(uri, up), 'data-path').message), /climbs above the root/);
  mkdirSync(join(ws.dir, 'folder.csv'));
  const dir = 'data: folder.csv\nmodel a:\n  formula: y ~ 1 + (1 | g)\n';
  const uri2 = ws.write('dir.mlm', dir);
  assert.match(String(find(await client.open(uri2, dir), 'data-refused').message), /not a regular file/);
});

/** large.csv: 400,000 rows of y, x and 500 groups g. */
function writeLargeCsv(): void {
  if (existsSync(join(ws.dir, 'large.csv'))) return;
  const rows = ['y,x,g'];
  for (let i = 0; i < 400000; i++) rows.push(`${(i * 7919) % 1000},${i % 10},g${i % 500}`);
  writeFileSync(join(ws.dir, 'large.csv'), rows.join('\n'));
}

test('while a large CSV is parsed for one document, another document is answered first', async () => {
  writeLargeCsv();
  const big = 'data: large.csv\nmodel a:\n  formula: y ~ x + (1 | g)\n';
  const small = 'data: sleepstudy.csv\nmodel b:\n  formula: Reaction ~ Days + (1 | Subject)\n';
  const bigUri = ws.write('large.mlm', big);
  const smallUri = ws.write('small.mlm', small);
  await client.open(smallUri, small); // sleepstudy.csv parsed and cached
  const order: string[] = [];
  const bigDone = client.open(bigUri, big).then(() => order.push('large document checked'));
  await new Promise((r) => setTimeout(r, 30)); // the server is now reading large.csv
  await client.request('textDocument/hover', { textDocument: { uri: smallUri }, position: positionOf(small, 'Days') });
  order.push('hover on the other document');
  await bigDone;
  assert.deepEqual(order, ['hover on the other document', 'large document checked']);
});

test('while a model is checked against a large data set (its frame built), another document is answered first', async () => {
  // large.csv is parsed and cached when the document opens; then a new formula re-checks the model against it
  writeLargeCsv();
  const small = 'data: sleepstudy.csv\nmodel b:\n  formula: Reaction ~ Days + (1 | Subject)\n';
  const smallUri = ws.write('small2.mlm', small);
  await client.open(smallUri, small);
  const big = 'data: large.csv\nmodel a:\n  formula: y ~ x + (1 | g)\n';
  const bigUri = ws.write('large2.mlm', big);
  const opened = client.waitDiagnostics(bigUri, () => true, 120000);
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: bigUri, languageId: 'mlm', version: 1, text: big } });
  await opened;
  const order: string[] = [];
  const next = client.waitDiagnostics(bigUri, () => true, 120000).then(() => order.push('large document checked'));
  await client.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri: bigUri, version: 2 },
    contentChanges: [{ text: big.replace('y ~ x + (1 | g)', 'y ~ x + I(x^2) + log(y + 1) + (1 + x | g)') }],
  });
  await new Promise((r) => setTimeout(r, 120)); // the throttle has passed: the server is checking the model
  const checkedBefore = order.length > 0;
  await client.request('textDocument/hover', { textDocument: { uri: smallUri }, position: positionOf(small, 'Days') });
  order.push('hover on the other document');
  await next;
  // when the check was still running as the hover was sent, the hover is answered before it ends
  if (!checkedBefore) assert.deepEqual(order, ['hover on the other document', 'large document checked']);
});

test('while another document holds the worst formulas of issue 18, a healthy document is answered', async () => {
  const bad = [
    'data: sleepstudy.csv',
    'model p:',
    '  formula: Reaction ~ Days^1e308 + (1 | Subject)',
    'model q:',
    '  formula: Reaction ~ (Days + Subject + Reaction)^1000000 + (1 | Subject)',
    'model r:',
    `  formula: Reaction ~ ${'('.repeat(1000)}Days${')'.repeat(1000)} + (1 | Subject)`,
    '',
  ].join('\n');
  const healthy = 'data: sleepstudy.csv\nmodel h:\n  formula: Reaction ~ Days + (1 | Subject)\n';
  const healthyUri = ws.write('healthy2.mlm', healthy);
  await client.open(healthyUri, healthy);
  const badUri = ws.write('worst.mlm', bad);
  const diags = client.open(badUri, bad);
  const latencies: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    await client.request('textDocument/hover', { textDocument: { uri: healthyUri }, position: positionOf(healthy, 'Days') });
    latencies.push(performance.now() - t0);
  }
  const ds = await diags;
  assert.ok(ds.some((d) => d.severity === 1), 'the bad formulas are reported');
  console.log(`hover on a healthy document while the worst formulas are open: max ${Math.max(...latencies).toFixed(1)} ms over ${latencies.length}`);
});
