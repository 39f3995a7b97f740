import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { ensureBuilt, LspClient, makeWorkspace, positionOf, type Workspace } from './lspClient';

let ws: Workspace;
let client: LspClient;

before(async () => {
  ensureBuilt();
  ws = makeWorkspace();
  ws.copyData('sleepstudy.csv');
  ws.copyData('mathach.csv');
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

function rangeOfText(text: string, needle: string, occurrence = 0) {
  const start = positionOf(text, needle, 0, occurrence);
  return { start, end: { line: start.line, character: start.character + needle.length } };
}

test('parser problems: unknown key, duplicate model, compare naming an unknown model, with exact ranges', async () => {
  const text = [
    'data: sleepstudy.csv',
    '',
    'model full:',
    '  formula: Reaction ~ Days + (Days | Subject)',
    '  methd: ML',
    '',
    'model full:',
    '  formula: Reaction ~ Days + (1 | Subject)',
    '',
    'compare: full, fulll',
    '',
  ].join('\n');
  const uri = ws.write('parser.mlm', text);
  const ds = await client.open(uri, text);
  const key = find(ds, 'unknown-key');
  assert.deepEqual(key.range, rangeOfText(text, 'methd'));
  assert.match(String(key.message), /did you mean 'method'/);
  const dup = find(ds, 'duplicate-model');
  assert.deepEqual(dup.range, rangeOfText(text, 'full', 1));
  const unknown = find(ds, 'unknown-model');
  assert.deepEqual(unknown.range, rangeOfText(text, 'fulll'));
  assert.equal(unknown.severity, 1);
});

test('formula syntax error is located inside the formula', async () => {
  const text = 'data: sleepstudy.csv\nmodel a:\n  formula: Reaction ~ Days + (Days | Subject\n';
  const uri = ws.write('syntax.mlm', text);
  const ds = await client.open(uri, text);
  assert.ok(ds.length >= 1);
  const d = ds.find((x) => x.range.start.line === 2);
  assert.ok(d, JSON.stringify(ds));
  assert.ok(d!.range.start.character >= text.split('\n')[2].indexOf('Reaction'), JSON.stringify(d));
});

test('unknown column: located on the name, with a did-you-mean', async () => {
  const text = 'data: sleepstudy.csv\n\nmodel a:\n  formula: Reaction ~ Dayz + (Days | Subject)\n';
  const uri = ws.write('column.mlm', text);
  const ds = await client.open(uri, text);
  const d = find(ds, 'unknown-column');
  assert.deepEqual(d.range, rangeOfText(text, 'Dayz'));
  assert.match(String(d.message), /'Dayz'.*did you mean 'Days'/);
});

test('missing data file and no data line', async () => {
  const text = 'data: sleep.csv\nmodel a:\n  formula: Reaction ~ Days + (1 | Subject)\n';
  const uri = ws.write('missing.mlm', text);
  const ds = await client.open(uri, text);
  const d = find(ds, 'data-not-found');
  assert.deepEqual(d.range, rangeOfText(text, 'sleep.csv'));
  assert.match(String(d.message), /sleep\.csv/);

  const text2 = 'model a:\n  formula: Reaction ~ Days + (1 | Subject)\n';
  const uri2 = ws.write('nodata.mlm', text2);
  const ds2 = await client.open(uri2, text2);
  find(ds2, 'missing-data');
});

test('a malformed CSV is reported on the data line with the file line the editor shows', async () => {
  writeFileSync(join(ws.dir, 'bad.csv'), 'y,x,g\n1,2,a\n3,4\n5,6,b\n');
  const text = 'data: bad.csv\nmodel a:\n  formula: y ~ x + (1 | g)\n';
  const uri = ws.write('badcsv.mlm', text);
  const ds = await client.open(uri, text);
  const d = find(ds, 'csv-fields');
  assert.deepEqual(d.range, rangeOfText(text, 'bad.csv'));
  assert.match(String(d.message), /line 3/); // header = line 1; '3,4' is the second data row
});

test('data path outside the workspace folder is refused', async () => {
  const text = 'data: ../../etc/passwd\nmodel a:\n  formula: y ~ 1 + (1 | g)\n';
  const uri = ws.write('outside.mlm', text);
  const ds = await client.open(uri, text);
  const d = find(ds, 'data-outside-workspace');
  assert.deepEqual(d.range, rangeOfText(text, '../../etc/passwd'));
});

test('structural problems from the engine analysis: constant slope within school', async () => {
  const text = 'data: mathach.csv\n\nmodel p:\n  formula: mathach ~ pracad + (pracad | school)\n';
  const uri = ws.write('constant.mlm', text);
  const ds = await client.open(uri, text);
  const d = find(ds, 'constant-within-group');
  assert.deepEqual(d.range, rangeOfText(text, 'pracad', 1));
  assert.equal(d.severity, 2);
});

test('structural problems: one-level group, more random effects than observations, binary response', async () => {
  writeFileSync(
    join(ws.dir, 'small.csv'),
    'y,x,g,one,obs,b\n' + [1, 2, 3, 4, 5, 6].map((i) => `${i * 1.5},${i},${i % 2 ? 'a' : 'b'},k,${i},${i % 2}`).join('\n') + '\n',
  );
  const text = [
    'data: small.csv',
    'model single:',
    '  formula: y ~ x + (1 | one)',
    'model many:',
    '  formula: y ~ x + (1 | obs)',
    'model binary:',
    '  formula: b ~ x + (1 | g)',
    '',
  ].join('\n');
  const uri = ws.write('struct.mlm', text);
  const ds = await client.open(uri, text);
  const single = find(ds, 'single-group');
  assert.equal(single.range.start.line, 2);
  const many = find(ds, 'too-many-random-effects');
  assert.equal(many.range.start.line, 4);
  const bin = find(ds, 'binary-response');
  const b = positionOf(text, 'b ~ x');
  assert.deepEqual(bin.range, { start: b, end: { line: b.line, character: b.character + 1 } });
});

test('relative ids: class numbered within school -> repeated-group-ids suggesting (1 | school/class)', async () => {
  const rows: string[] = [];
  let k = 0;
  for (const school of ['s1', 's2', 's3', 's4']) {
    for (const cls of [1, 2, 3]) for (let p = 0; p < 3; p++) rows.push(`${school},${cls},${(k++ * 7) % 11}`);
  }
  writeFileSync(join(ws.dir, 'classes.csv'), 'school,class,y\n' + rows.join('\n') + '\n');
  const text = 'data: classes.csv\nmodel m:\n  formula: y ~ 1 + (1 | school) + (1 | class)\n';
  const uri = ws.write('nested.mlm', text);
  const ds = await client.open(uri, text);
  const d = find(ds, 'repeated-group-ids');
  assert.deepEqual(d.range, rangeOfText(text, '(1 | class)'));
  assert.equal((d.data as { suggestion: string }).suggestion, '(1 | school/class)');
});

test('diagnostics follow edits, and the CSV is re-read when it changes on disk', async () => {
  writeFileSync(join(ws.dir, 'live.csv'), 'score,hours,team\n1,2,"a"\n2,3,"a"\n3,5,"b"\n4,4,"b"\n5,6,"c"\n6,7,"c"\n');
  const text = 'data: live.csv\nmodel m:\n  formula: score ~ hour + (1 | team)\n';
  const uri = ws.write('live.mlm', text);
  const ds = await client.open(uri, text);
  assert.deepEqual(find(ds, 'unknown-column').range, rangeOfText(text, 'hour'));

  // Fixing the text clears the error.
  const fixed = text.replace('hour ', 'hours ');
  const ds2 = await client.change(uri, fixed);
  assert.equal(ds2.filter((d) => d.code === 'unknown-column').length, 0, JSON.stringify(ds2));

  // Renaming the column in the CSV brings it back once the watcher reports the change.
  writeFileSync(join(ws.dir, 'live.csv'), 'score,h,team\n1,2,"a"\n2,3,"a"\n3,5,"b"\n4,4,"b"\n5,6,"c"\n6,7,"c"\n');
  const next = client.waitDiagnostics(uri, (d) => d.some((x) => x.code === 'unknown-column'));
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: ws.uri('live.csv'), type: 2 }] });
  const ds3 = await next;
  assert.deepEqual(find(ds3, 'unknown-column').range, rangeOfText(fixed, 'hours'));
});

test('the server survives garbage and keeps answering', async () => {
  const text = 'model\n  formula: ~~ ((( | ||\n:::\n\tdata: \u0000\ncompare:\nmodel x: y ~ (1 |\n';
  const uri = ws.write('garbage.mlm', text);
  const ds = await client.open(uri, text);
  assert.ok(ds.length > 0);
  for (let line = 0; line < 6; line++) {
    for (const character of [0, 3, 9, 20]) {
      await client.request('textDocument/hover', { textDocument: { uri }, position: { line, character } });
      await client.request('textDocument/completion', { textDocument: { uri }, position: { line, character } });
    }
  }
  const none = await client.request('textDocument/hover', { textDocument: { uri: ws.uri('not-open.mlm') }, position: { line: 0, character: 0 } });
  assert.equal(none, null);
  // Still alive: a valid document gets its diagnostics.
  const ok = 'data: sleepstudy.csv\nmodel a:\n  formula: Reaction ~ Days + (1 | Subject)\n';
  const ds2 = await client.open(ws.write('after.mlm', ok), ok);
  assert.deepEqual(ds2.filter((d) => d.severity === 1), []);
});
