// The checking assistant in the language server: after a fit, a singular fit is explained on its
// formula with quick fixes that write a simpler model next to the original (never changing it) plus a
// compare: line; mlm/check returns the convergence verdict. Expected figures: lme4's (fixtures/check).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CodeAction, Diagnostic, TextEdit } from 'vscode-languageserver-protocol';
import { ensureBuilt, LspClient, makeWorkspace, root, type Workspace } from './lspClient';

let ws: Workspace;
let client: LspClient;
const lme4 = JSON.parse(readFileSync(join(root, 'test/fixtures/check/lme4-singular.json'), 'utf8'));

before(async () => {
  ensureBuilt();
  ws = makeWorkspace();
  copyFileSync(join(root, 'test/fixtures/check/singcor.csv'), join(ws.dir, 'singcor.csv'));
  client = new LspClient(ws);
  await client.initialize();
});

after(async () => {
  await client.dispose();
  ws.dispose();
});

function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((s, l) => s + l.length + 1, 0) + p.character;
  let out = text;
  for (const e of [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start))) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

const TEXT = 'data: singcor.csv\nfactors: g\n\nmodel corr:\n  formula: y ~ x + (x | g)\n  method: REML\n';

test('a singular fit is explained on its formula; quick fixes add a simpler model and a compare: line', async () => {
  const uri = ws.write('sing.mlm', TEXT);
  await client.open(uri, TEXT);
  const notes = client.waitDiagnostics(uri, (ds) => ds.some((d) => d.code === 'singular-fit'), 60000);
  const fit = await client.request<{ results: Array<{ singular: boolean; REMLcrit: number }> }>('mlm/fit', { uri });
  assert.equal(fit.results[0].singular, lme4.singcor.singular);
  assert.ok(Math.abs(fit.results[0].REMLcrit - lme4.singcor.REMLcrit) < 1e-3);
  const d = (await notes).find((x) => x.code === 'singular-fit') as Diagnostic;
  assert.match(String(d.message), /^boundary \(singular\) fit of 'corr': the intercept-slope correlation by g is −1/);
  assert.deepEqual(d.range.start, { line: 4, character: 11 });
  const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
  assert.equal(actions.length, 1, JSON.stringify(actions.map((a) => a.title)));
  assert.match(actions[0].title, /make \(x \| g\) uncorrelated \(new model 'corr_uncorrelated', compared with 'corr'\)/);
  assert.deepEqual(actions[0].command, { title: 'Fit and compare', command: 'mlm.compareModels', arguments: [uri] });
  const next = applyEdits(TEXT, actions[0].edit!.changes![uri]);
  assert.equal(
    next,
    'data: singcor.csv\nfactors: g\n\nmodel corr:\n  formula: y ~ x + (x | g)\n  method: REML\n\nmodel corr_uncorrelated:\n  formula: y ~ x + (x || g)\n  method: REML\n\ncompare: corr, corr_uncorrelated\n',
  );
  // the new file fits both and compares them, with the boundary note in words
  const ds = await client.change(uri, next);
  assert.ok(!ds.some((x) => x.severity === 1), JSON.stringify(ds));
  const both = await client.request<{ results: unknown[]; comparisons: unknown[]; errors: unknown[] }>('mlm/fit', { uri });
  assert.equal(both.results.length, 2, JSON.stringify(both.errors));
  assert.equal(both.comparisons.length, 1);
});

test('mlm/check: the convergence verdict of a kept fit, and a clear answer for a model not fitted yet', async () => {
  const uri = ws.write('check.mlm', TEXT);
  await client.open(uri, TEXT);
  const none = await client.request<{ error?: string }>('mlm/check', { uri, model: 'corr' });
  assert.match(none.error ?? '', /has not been fitted yet/);
  await client.request('mlm/fit', { uri });
  const r = await client.request<{ text: string; safe: boolean; verdict: string; singular: boolean }>('mlm/check', { uri, model: 'corr' });
  assert.equal(r.singular, true);
  assert.equal(r.safe, true, r.verdict);
  assert.match(r.text, /Singular fit: yes\n {2}\(x \| g\): the intercept-slope correlation by g is −1/);
  assert.match(r.text, /Verdict: safe: all 4 optimizers agree to 1e-4/);
});

test('hover on a fixed effect: a link computes every inference, then the table is in the hover', async () => {
  const text = 'data: singcor.csv\nfactors: g\n\nmodel m:\n  formula: y ~ x + (1 | g)\n';
  const uri = ws.write('infer.mlm', text);
  await client.open(uri, text);
  await client.request('mlm/fit', { uri });
  const at = { line: 4, character: 15 }; // the x after ~
  const hoverText = async () => {
    const h = await client.request<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: at });
    return h?.contents.value ?? '';
  };
  const before = await hoverText();
  assert.match(before, /\[Compare every inference method\]\(command:mlm\.compareInferences\?/);
  const args = JSON.parse(decodeURIComponent(/command:mlm\.compareInferences\?([^ )]+)/.exec(before)![1]));
  assert.deepEqual(args, [uri, 'm', 'x']);
  const r = await client.request<{ coefficients: Array<{ coef: string; rows: Array<{ method: string }> }>; text: string }>('mlm/inference', { uri, model: 'm', coef: 'x' });
  assert.deepEqual(
    r.coefficients[0].rows.map((x) => x.method),
    ['Wald z', 'Satterthwaite t', 'Kenward-Roger t', 'profile likelihood', 'likelihood-ratio test'],
  );
  const after = await hoverText();
  assert.match(after, /\*\*Every inference for x\*\*/);
  assert.match(after, /\| \[Satterthwaite t\]\(command:mlm\.explainInference\?[^ ]+ "A t test whose df/);
  assert.match(after, /likelihood-ratio test\]\(command:[^ ]+ "[^"]+"\) \(both models refitted by ML\) \| — \| χ²\(1\) = /);
  assert.doesNotMatch(after, /Compare every inference method/);
  // a refit drops the kept table with the old fit
  await client.request('mlm/fit', { uri });
  assert.match(await hoverText(), /Compare every inference method/);
});
