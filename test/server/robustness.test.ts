/**
 * Every position of damaged versions of the example files: completion and hover always answer,
 * and no handler throws (the server logs 'mlm: ... failed' when one does).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, LspClient, makeWorkspace, root } from './lspClient';

function mutations(text: string, seed: number, count: number): string[] {
  let s = seed;
  const rand = (n: number) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
  const out: string[] = [];
  const junk = ['(', ')', '|', '||', '~', ':', '#', '"', '`', '\n', '  ', '/', '*', '^', '0', 'model ', 'formula:', ',', '=',
    // the R syntax of the formula language (issue 13): strings, comparisons, logic, named arguments, bases
    "'", '==', '!', '&', '<=', ' %in% c(', 'poly(', 'splines::ns(', ', df = ', 'C(', 'contrasts: ', '^1e308'];
  for (let k = 0; k < count; k++) {
    let t = text;
    for (let e = 0; e < 3; e++) {
      const at = rand(t.length + 1);
      const kind = rand(3);
      if (kind === 0) t = t.slice(0, at) + t.slice(at + 1 + rand(8));
      else if (kind === 1) t = t.slice(0, at) + junk[rand(junk.length)] + t.slice(at);
      else t = t.slice(0, at);
    }
    out.push(t);
  }
  return out;
}

test('damaged example files: every request answers and no handler throws', async () => {
  ensureBuilt();
  const ws = makeWorkspace();
  ws.copyData('sleepstudy.csv');
  ws.copyData('mathach.csv');
  const client = new LspClient(ws);
  try {
    await client.initialize();
    const sources = ['sleepstudy.mlm', 'mathach.mlm'].map((f) => readFileSync(join(root, 'examples', f), 'utf8'));
    let n = 0;
    for (const [i, src] of sources.entries()) {
      for (const text of mutations(src, 17 + i, 12)) {
        const uri = ws.write(`m${n++}.mlm`, text);
        await client.open(uri, text);
        const lines = text.split('\n');
        for (let line = 0; line < lines.length; line += 2) {
          for (let character = 0; character <= lines[line].length; character += 5) {
            const position = { line, character };
            await client.request('textDocument/hover', { textDocument: { uri }, position });
            await client.request('textDocument/completion', { textDocument: { uri }, position });
          }
        }
        await client.request('textDocument/documentSymbol', { textDocument: { uri } });
        await client.request('textDocument/foldingRange', { textDocument: { uri } });
        await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
      }
    }
    assert.deepEqual(client.failedHandlers(), []);
  } finally {
    await client.dispose();
    ws.dispose();
  }
});
