// A large model fitted through the language server: the work after the optimizer (the residuals, the panel's plot data
// and figures, the after-the-fit results) hands the event loop back, so a request sent once the fit has reported such a
// stage is answered before the fit ends; a cancel in that stage keeps the previous result; the result sent holds an
// evenly spaced sample of the per-row arrays, with figures from every row.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Hover } from 'vscode-languageserver-protocol';
import { CancellationTokenSource } from 'vscode-languageserver-protocol/node';
import { ensureBuilt, LspClient, makeWorkspace, positionOf, type Workspace } from './lspClient';

let ws: Workspace;
let client: LspClient;

const ROWS = 400_000;
const TEXT = 'data: large.csv\nmodel big:\n  formula: y ~ x + f + (1 | g)\n';
/** Progress messages of the stages after the optimizer (engine/src/fit.ts, lmm/fit.ts). */
const AFTER_OPTIMIZER = /: (residuals|plot data|effect plots|after the fit|result),/;

interface Fit {
  fitted: string[];
  errors: Array<{ model: string; cancelled?: boolean }>;
  results: Array<{ id: string; nobs: number; fitted: number[]; residuals: number[]; rows: number[]; observationSample?: { rows: number; of: number; residualRmse: number }; plotData: { y: number[]; groups: Record<string, number[]>; figures: { qq: { n: number } } } }>;
}

before(async () => {
  ensureBuilt();
  ws = makeWorkspace();
  const lines = ['y,x,f,g'];
  let s = 12345;
  const r = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff), s / 0x7fffffff);
  for (let i = 0; i < ROWS; i++) {
    const g = Math.floor(r() * 400);
    const x = r() * 10;
    lines.push(`${(5 + 0.3 * x + (g % 7) + r() * 4).toFixed(3)},${x.toFixed(3)},${r() < 0.5 ? 'a' : 'b'},g${g}`);
  }
  ws.write('large.csv', lines.join('\n') + '\n');
  client = new LspClient(ws);
  await client.initialize();
});

after(async () => {
  await client.dispose();
  ws.dispose();
});

/** Resolves once the fit with this progress token has reported a stage after the optimizer (or has ended). */
async function afterOptimizer(token: string, ended: () => boolean): Promise<boolean> {
  for (;;) {
    if (client.progress.some((p) => p.token === token && AFTER_OPTIMIZER.test(p.value.message ?? ''))) return true;
    if (ended()) return false;
    await new Promise((res) => setTimeout(res, 1));
  }
}

test('a request sent while a large fit builds its result is answered before the fit ends; the result holds a sample of the rows', async () => {
  const uri = ws.write('large.mlm', TEXT);
  await client.open(uri, TEXT);
  const order: string[] = [];
  let ended = false;
  const fit = client.request<Fit>('mlm/fit', { uri, workDoneToken: 'large-1' }).then((r) => {
    ended = true;
    order.push('fit');
    return r;
  });
  assert.ok(await afterOptimizer('large-1', () => ended), 'the fit reports the stages after the optimizer');
  const hover = client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: positionOf(TEXT, 'x +') }).then((h) => {
    order.push('hover');
    return h;
  });
  const [r, h] = await Promise.all([fit, hover]);
  assert.ok(h);
  assert.deepEqual(order, ['hover', 'fit']);
  assert.deepEqual(r.fitted, ['big']);
  const res = r.results[0];
  assert.equal(res.nobs, ROWS);
  assert.deepEqual({ rows: res.observationSample?.rows, of: res.observationSample?.of }, { rows: 10000, of: ROWS });
  for (const xs of [res.fitted, res.residuals, res.rows, res.plotData.y, res.plotData.groups.g]) assert.equal(xs.length, 10000);
  // every 40th row, in order; the QQ figure is of all rows
  assert.deepEqual(res.rows.slice(0, 3), [0, 40, 80]);
  assert.equal(res.plotData.figures.qq.n, ROWS);
  // the RMSE is that of all residuals: not far from the sample's
  const sampleRmse = Math.sqrt(res.residuals.reduce((a, e) => a + e * e, 0) / res.residuals.length);
  assert.ok(Math.abs(res.observationSample!.residualRmse / sampleRmse - 1) < 0.05);
  assert.deepEqual(client.failedHandlers(), []);
});

test('a large fit cancelled after the optimizer keeps the previous result', async () => {
  const uri = ws.uri('large.mlm');
  const source = new CancellationTokenSource();
  let ended = false;
  const fit = (client.connection.sendRequest('mlm/fit', { uri, workDoneToken: 'large-2' }, source.token) as Promise<Fit>).then((r) => {
    ended = true;
    return r;
  });
  assert.ok(await afterOptimizer('large-2', () => ended), 'the fit reports the stages after the optimizer');
  source.cancel();
  const r = await fit;
  assert.deepEqual(r.fitted, []);
  assert.deepEqual(r.errors.map((e) => [e.model, e.cancelled]), [['big', true]]);
  assert.deepEqual(r.results.map((x) => [x.id, x.observationSample?.of]), [['big', ROWS]]); // the earlier fit is kept
});
