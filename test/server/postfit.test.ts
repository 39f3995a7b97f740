// After a fit through the language server: hovers on a factor term show its marginal means (emmeans'
// reference values), an estimate: line its result; an unknown coefficient in estimate: is a located
// diagnostic with a did-you-mean.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic, Hover } from 'vscode-languageserver-protocol';
import { ensureBuilt, LspClient, makeWorkspace, positionOf, root, type Workspace } from './lspClient';

let ws: Workspace;
let client: LspClient;
const ref = JSON.parse(readFileSync(join(root, 'test/fixtures/postfit/bdf_emmeans_denomina.json'), 'utf8'));

const TEXT = [
  'data: bdf.csv',
  'model denom:',
  '  formula: langPOST ~ IQ.verb + factor(denomina) + (1 | schoolNR)',
  '  means: denomina',
  '  estimate: both = IQ.verb + factor(denomina)2',
  '  estimate: IQ.verb + factr(denomina)3',
  '',
].join('\n');

before(async () => {
  ensureBuilt();
  ws = makeWorkspace();
  ws.copyData('bdf.csv');
  client = new LspClient(ws);
  await client.initialize();
});

after(async () => {
  await client.dispose();
  ws.dispose();
});

async function hoverText(uri: string, needle: string, offset = 0): Promise<string> {
  const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: positionOf(TEXT, needle, offset) });
  return h ? (h.contents as { value: string }).value : '';
}

test('factor hover: marginal means as emmeans; estimate: hover; unknown coefficient diagnosed', async () => {
  const uri = ws.write('denom.mlm', TEXT);
  await client.open(uri, TEXT);
  const res = await client.request<{ fitted: string[]; results: Array<{ postfit?: { errors: unknown[] } }> }>('mlm/fit', { uri });
  assert.deepEqual(res.fitted, ['denom']);
  const h = await hoverText(uri, 'factor(denomina)', 3);
  assert.match(h, /Estimated marginal means of denomina/);
  for (const m of ref.emmeans) assert.ok(h.includes(Number(m.emmean.toPrecision(4)).toString()) || h.includes(m.emmean.toFixed(2)), `${m.emmean} in ${h}`);
  const est = await hoverText(uri, 'IQ.verb + factor(denomina)2', 2);
  assert.match(est, /estimate both/);
  const has = (ds: Diagnostic[] | undefined) => (ds ?? []).some((x) => /factr\(denomina\)3/.test(String(x.message)));
  const errs = has(client.lastDiagnostics(uri)) ? client.lastDiagnostics(uri)! : await client.waitDiagnostics(uri, has);
  const d = errs.find((x) => /factr/.test(String(x.message)))!;
  assert.match(String(d.message), /did you mean 'factor\(denomina\)3'/);
  assert.equal(d.range.start.line, 5);
  assert.equal(d.range.start.character, positionOf(TEXT, 'factr(denomina)3', 0).character);
});

test('GLMM factor hover: probabilities (emmeans type = "response") with the values of emmeans on cbpp', async () => {
  const cb = JSON.parse(readFileSync(join(root, 'test/fixtures/postfit/cbpp_emmeans_response.json'), 'utf8'));
  ws.copyData('cbpp.csv');
  const text = 'data: cbpp.csv\nmodel m:\n  formula: cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)\n  family: binomial\n';
  const uri = ws.write('cbpp.mlm', text);
  await client.open(uri, text);
  const res = await client.request<{ fitted: string[] }>('mlm/fit', { uri });
  assert.deepEqual(res.fitted, ['m']);
  const pos = positionOf(text, 'factor(period)', 3);
  const hv = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: pos });
  const h = hv ? (hv.contents as { value: string }).value : '';
  assert.match(h, /Estimated marginal means of period.*probabilities/);
  assert.match(h, /\| period \| prob \| SE \|/);
  for (const m of cb.emmeans) assert.ok(h.includes(`| ${Number(m.prob.toPrecision(3))} |`), `${m.prob} in ${h}`);
  assert.doesNotMatch(h, /P value adjustment/);
  assert.match(h, /back\\-transformed from the logit scale/);
});
