/**
 * Seeded, time-bounded fuzzing of the language server: random edits of the example files (as a user types,
 * one change at a time) with hover, completion and symbols at random positions, while a healthy document is
 * queried between edits, and every third damaged document fitted. Fails when a request errors or does not answer
 * within HANG_MS, when the server logs a failed handler, or when a fit fails with an internal or unlocated
 * message; prints the latency of the healthy document's requests.
 * MLM_FUZZ_SEED and MLM_FUZZ_SERVER_MS change the seed and the time budget.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, LspClient, makeWorkspace, positionOf, root } from '../server/lspClient';
import { makeRng, mutateMlm } from './mutate';
import type { FitResponse } from '../../protocol/index';

const SEED = Number(process.env.MLM_FUZZ_SEED ?? 20261203);
const BUDGET_MS = Number(process.env.MLM_FUZZ_SERVER_MS ?? 15000);
const HANG_MS = 10000;

function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${HANG_MS / 1000} s: ${what}`)), HANG_MS))),
  ]);
}

test(`server fuzz (seed ${SEED}, ${BUDGET_MS / 1000} s): every request answers, no handler fails`, async () => {
  ensureBuilt();
  const ws = makeWorkspace();
  for (const f of ['sleepstudy.csv', 'Pastes.csv', 'Penicillin.csv', 'rats.csv']) ws.write(f, readFileSync(join(root, 'examples', f), 'utf8'));
  const sources = ['sleepstudy.mlm', 'pastes.mlm', 'penicillin.mlm', 'rats.mlm'].map((f) => readFileSync(join(root, 'examples', f), 'utf8'));
  const client = new LspClient(ws);
  const rng = makeRng(SEED);
  const latencies: number[] = [];
  let edits = 0;
  let requests = 0;
  let fits = 0;
  try {
    await client.initialize();
    const healthy = sources[0];
    const healthyUri = ws.write('healthy.mlm', healthy);
    await client.open(healthyUri, healthy);
    const healthyPos = positionOf(healthy, 'Days', 0, 1);
    const deadline = Date.now() + BUDGET_MS;
    let doc = 0;
    while (Date.now() < deadline) {
      const src = sources[doc % sources.length];
      const uri = ws.write(`fuzz${doc++}.mlm`, src);
      await within(client.open(uri, src), `open ${uri}`);
      let text = src;
      for (let k = 0; k < 25 && Date.now() < deadline; k++) {
        text = mutateMlm(text, rng);
        edits++;
        // do not wait for diagnostics: the next keystroke comes first, as in an editor
        const version = client.change(uri, text).catch(() => undefined);
        const lines = text.split('\n');
        const line = rng.int(lines.length);
        const position = { line, character: rng.int((lines[line]?.length ?? 0) + 1) };
        await within(client.request('textDocument/hover', { textDocument: { uri }, position }), `hover ${JSON.stringify(position)} in:\n${text}`);
        await within(client.request('textDocument/completion', { textDocument: { uri }, position }), `completion in:\n${text}`);
        if (k % 5 === 0) await within(client.request('textDocument/documentSymbol', { textDocument: { uri } }), `symbols in:\n${text}`);
        const t0 = performance.now();
        await within(client.request('textDocument/hover', { textDocument: { uri: healthyUri }, position: healthyPos }), 'hover on the healthy document');
        latencies.push(performance.now() - t0);
        requests += 4;
        void version;
      }
      if (doc % 3 === 0) {
        // fit the damaged document: every failure is a located message, none internal
        const r = await within(client.request<FitResponse>('mlm/fit', { uri }), `fit of:\n${text}`);
        fits++;
        const internal = r.errors.filter((e) => /internal error|unexpectedly/.test(e.message) || (!e.range && !e.cancelled));
        assert.deepEqual(internal, [], `fit of:\n${text}`);
      }
      await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    }
    assert.deepEqual(client.failedHandlers(), []);
  } finally {
    await client.dispose();
    ws.dispose();
  }
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(1);
  console.log(`server fuzz: ${edits} edits, ${requests} requests, ${fits} fit requests; healthy-document hover latency median ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${q(1)} ms`);
  assert.ok(edits >= 20, `only ${edits} edits ran`);
});
