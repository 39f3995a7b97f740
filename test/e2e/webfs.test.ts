// npm start's write-through (scripts/webfs.mjs): what the workbench writes reaches the served folder on
// disk, only from the workbench's own origin and only inside the folder; the workbench loads the
// patched copy of test-web's file-system extension. The browser side is exercised by panel.test.ts
// (an HTML export that lands on disk).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error plain JS helper module without type declarations
import * as vw from '../../scripts/vscode-web.mjs';

test('the served folder takes writes from the workbench origin only, inside the folder', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlm-webfs-'));
  const outside = mkdtempSync(join(tmpdir(), 'mlm-webfs-outside-'));
  writeFileSync(join(dir, 'a.txt'), 'old');
  const server: { url: string; port: number; close(): Promise<void> } = await vw.serveWorkbench({ folder: dir, extensionDevelopmentPath: null });
  try {
    const origin = `http://localhost:${server.port}`;
    const post = (path: string, query: string, body: string | undefined, from: string) =>
      fetch(`${origin}/static/mount/${path}?${query}`, { method: 'POST', body, headers: { Origin: from } });
    const ext = await (await fetch(`${origin}/static/extensions/fs/dist/fsExtensionMain.js`)).text();
    assert.match(ext, /__mlmSync\(uri, "write", content\)/, 'the workbench gets the write-through file-system extension');
    assert.equal((await post('sub/b.txt', 'write', 'hello', origin)).status, 204);
    assert.equal(readFileSync(join(dir, 'sub', 'b.txt'), 'utf8'), 'hello');
    // the extension host runs on a subdomain of the workbench's host
    assert.equal((await post('a.txt', 'write', 'new', `http://abc123.localhost:${server.port}`)).status, 204);
    assert.equal(readFileSync(join(dir, 'a.txt'), 'utf8'), 'new');
    assert.equal((await post('sub', 'renameTo=%2Fsub2', undefined, origin)).status, 204);
    assert.ok(existsSync(join(dir, 'sub2', 'b.txt')));
    assert.equal((await post('sub2', 'delete', undefined, origin)).status, 204);
    assert.ok(!existsSync(join(dir, 'sub2')));
    // another web page, another port, or a path that leaves the folder: refused, nothing written
    assert.equal((await post('a.txt', 'write', 'evil', 'http://evil.example')).status, 403);
    assert.equal((await post('a.txt', 'write', 'evil', 'http://localhost:1')).status, 403);
    assert.equal((await post('a.txt', 'write', 'evil', `http://x.evil.example.localhost.attacker:${server.port}`)).status, 403);
    const rel = `..%2F${encodeURIComponent(outside.split('/').pop()!)}%2Fx.txt`;
    assert.equal((await post(rel, 'write', 'evil', origin)).status, 400);
    assert.equal((await post('a.txt', `renameTo=${encodeURIComponent('/../escape.txt')}`, undefined, origin)).status, 400);
    assert.equal(readFileSync(join(dir, 'a.txt'), 'utf8'), 'new');
    assert.ok(!existsSync(join(outside, 'x.txt')));
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});
