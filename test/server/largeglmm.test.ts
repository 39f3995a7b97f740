// A large GLMM fitted through the language server: glmer's PIRLS (each deviance evaluation: several passes over the
// rows, the weighted cross products, the factor) yields between slices of rows and between its iterations, so the
// fit reports progress from inside its first PIRLS, and a request sent once the fit reports progress is answered
// before the fit ends.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Hover } from 'vscode-languageserver-protocol';
import { ensureBuilt, LspClient, makeWorkspace, positionOf, type Workspace } from './lspClient';

let ws: Workspace;
let client: LspClient;

const ROWS = 300_000; // several slices of ROWS_PER_STEP (engine/src/hooks.ts) rows
const TEXT = 'data: large.csv\nmodel big:\n  formula: y ~ x + (1 | g)\n  family: binomial\n';
/** Progress messages of the fit's PIRLS and optimizer (engine/src/glmm/optimize.ts). */
const FITTING = /: (initial PIRLS|optimizing)/;

interface Fit {
  fitted: string[];
  errors: Array<{ model: string; message?: string }>;
  results: Array<{ id: string; nobs: number; family?: string }>;
}

before(async () => {
  ensureBuilt();
  ws = makeWorkspace();
  const lines = ['y,x,g'];
  let s = 4321;
  const r = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff), s / 0x7fffffff);
  const effect = Array.from({ length: 300 }, () => r() - 0.5);
  for (let i = 0; i < ROWS; i++) {
    const g = Math.floor(r() * 300);
    const x = r() * 2 - 1;
    const p = 1 / (1 + Math.exp(-(-0.3 + 0.8 * x + effect[g])));
    lines.push(`${r() < p ? 1 : 0},${x.toFixed(4)},g${g}`);
  }
  ws.write('large.csv', lines.join('\n') + '\n');
  client = new LspClient(ws);
  await client.initialize();
});

after(async () => {
  await client.dispose();
  ws.dispose();
});

test('a request sent while a large GLMM is fitted is answered before the fit ends; its PIRLS reports progress', async () => {
  const uri = ws.write('large.mlm', TEXT);
  await client.open(uri, TEXT);
  const order: string[] = [];
  let ended = false;
  const fit = client.request<Fit>('mlm/fit', { uri, workDoneToken: 'glmm-1' }).then((r) => {
    ended = true;
    order.push('fit');
    return r;
  });
  const ours = () => client.progress.filter((p) => p.token === 'glmm-1').map((p) => p.value.message ?? '');
  while (!ours().some((m) => FITTING.test(m))) {
    assert.ok(!ended, `the fit reports its PIRLS or optimizer before it ends: ${ours().join(' | ')}`);
    await new Promise((res) => setTimeout(res, 1));
  }
  const hover = client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: positionOf(TEXT, 'x +') }).then((h) => {
    order.push('hover');
    return h;
  });
  const [r, h] = await Promise.all([fit, hover]);
  assert.ok(h);
  assert.deepEqual(order, ['hover', 'fit']);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.fitted, ['big']);
  assert.equal(r.results[0].nobs, ROWS);
  // the first PIRLS (from the family's starting values, before the optimizer) handed the event loop back
  assert.ok(ours().some((m) => /: initial PIRLS,/.test(m)), ours().join(' | '));
  assert.deepEqual(client.failedHandlers(), []);
});
