/**
 * The browser build of the server (dist/web/server.js) in a worker thread with a `self` shim, as a
 * web worker would run it: files are read by the client through mlm/readFile (protocol.ts).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ensureBuilt, makeWorkspace, positionOf, root, type Workspace } from './lspClient';

const shim = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const listeners = [];
globalThis.self = {
  onmessage: null,
  postMessage: (m) => parentPort.postMessage(m),
  addEventListener: (type, fn) => listeners.push([type, fn]),
  removeEventListener: () => {},
  close: () => process.exit(0),
};
parentPort.on('message', (m) => { if (self.onmessage) self.onmessage({ data: m }); });
require('node:vm').runInThisContext(fs.readFileSync(workerData.bundle, 'utf8'), { filename: workerData.bundle });
`;

let ws: Workspace;
let worker: Worker;
let nextId = 1;
const pending = new Map<number, (r: { result?: unknown; error?: unknown }) => void>();
const diagnostics = new Map<string, Array<(d: unknown[]) => void>>();
const readRequests: string[] = [];

function request<R>(method: string, params: unknown): Promise<R> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, (r) => (r.error ? reject(new Error(JSON.stringify(r.error))) : resolve(r.result as R)));
    worker.postMessage({ jsonrpc: '2.0', id, method, params });
  });
}
function notify(method: string, params: unknown): void {
  worker.postMessage({ jsonrpc: '2.0', method, params });
}
function nextDiagnostics(uri: string): Promise<Array<{ code: string; range: unknown; message: string }>> {
  return new Promise((resolve) => {
    const list = diagnostics.get(uri) ?? [];
    list.push(resolve as (d: unknown[]) => void);
    diagnostics.set(uri, list);
  });
}

before(async () => {
  ensureBuilt();
  ws = makeWorkspace();
  ws.copyData('sleepstudy.csv');
  worker = new Worker(shim, { eval: true, workerData: { bundle: join(root, 'dist', 'web', 'server.js') } });
  worker.on('message', (m: { id?: number; method?: string; params?: any; result?: unknown; error?: unknown }) => {
    if (m.method === undefined && m.id !== undefined) {
      pending.get(m.id)?.(m);
      pending.delete(m.id);
      return;
    }
    if (m.method === 'textDocument/publishDiagnostics') {
      const list = diagnostics.get(m.params.uri) ?? [];
      diagnostics.set(m.params.uri, []);
      for (const f of list) f(m.params.diagnostics);
      return;
    }
    if (m.id !== undefined && m.method) {
      // Requests from the server: answer as the VS Code client does.
      let result: unknown = null;
      if (m.method === 'mlm/readFile') {
        readRequests.push(m.params.uri);
        try {
          result = { text: readFileSync(fileURLToPath(m.params.uri), 'utf8') };
        } catch {
          result = null;
        }
      } else if (m.method === 'mlm/readDirectory') {
        result = [
          { name: 'sleepstudy.csv', type: 'file' },
          { name: 'model.mlm', type: 'file' },
        ];
      }
      worker.postMessage({ jsonrpc: '2.0', id: m.id, result });
    }
  });
  await request('initialize', { processId: null, rootUri: ws.uri(''), workspaceFolders: [{ uri: ws.uri('').replace(/\/$/, ''), name: 'ws' }], capabilities: {} });
  notify('initialized', {});
});

after(async () => {
  await worker.terminate();
  ws.dispose();
});

test('web server: reads the CSV through mlm/readFile, diagnoses, completes, fits and hovers', async () => {
  const text = 'data: sleepstudy.csv\nmodel full:\n  formula: Reaction ~ Dayz + (Days | Subject)\n';
  const uri = ws.uri('model.mlm');
  const first = nextDiagnostics(uri);
  notify('textDocument/didOpen', { textDocument: { uri, languageId: 'mlm', version: 1, text } });
  const ds = await first;
  assert.ok(readRequests.includes(ws.uri('sleepstudy.csv')), JSON.stringify(readRequests));
  const unknown = ds.find((d) => d.code === 'unknown-column');
  assert.ok(unknown, JSON.stringify(ds));
  assert.deepEqual(unknown!.range, { start: positionOf(text, 'Dayz'), end: { line: 2, character: positionOf(text, 'Dayz').character + 4 } });

  const fixed = text.replace('Dayz', 'Days');
  const second = nextDiagnostics(uri);
  notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
  assert.deepEqual(await second, []);

  const items = await request<Array<{ label: string }>>('textDocument/completion', { textDocument: { uri }, position: positionOf(fixed, '| Subject', 2) });
  assert.deepEqual(items.map((i) => i.label), ['Subject']);

  const fit = await request<{ fitted: string[] }>('mlm/fit', { uri });
  assert.deepEqual(fit.fitted, ['full']);
  const hover = await request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position: positionOf(fixed, 'Days', 1) });
  assert.match(hover.contents.value, /10\.47/); // lme4's sleepstudy_full: Days 10.467
});
