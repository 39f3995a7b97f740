// `npm run package` writes a .vsix with both entries (node for desktop, browser for the web), and that
// .vsix, unpacked and loaded as an installed extension (not the development folder), works in VS Code.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { focusEditor, goTo, openFile, openWorkbench, ROOT, runCommand, webviewFrame, type Workbench } from './workbench';
import { readZip, type ZipEntry } from './zip';

describe('the packaged .vsix', { timeout: 400_000 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'mlm-vsix-'));
  const vsix = join(tmp, 'mlm.vsix');
  let entries: ZipEntry[] = [];
  let wb: Workbench | undefined;

  before(() => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/package.mjs'), '--out', vsix], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `npm run package failed:\n${r.stdout}\n${r.stderr}`);
    entries = readZip(readFileSync(vsix));
  });
  after(async () => {
    await wb?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('holds the node and browser entries, the grammar and the license, and nothing else of the repo', () => {
    const names = entries.map((e) => e.name).filter((n) => n.startsWith('extension/'));
    const manifest = JSON.parse(entries.find((e) => e.name === 'extension/package.json')!.data().toString('utf8'));
    const wanted = [
      manifest.main.replace(/^\.\//, 'extension/'),
      manifest.browser.replace(/^\.\//, 'extension/'),
      'extension/dist/node/server.js',
      'extension/dist/web/server.js',
      'extension/dist/web/duckdb/duckdb-eh.wasm',
      'extension/syntaxes/mlm.tmLanguage.json',
      'extension/language-configuration.json',
      'extension/LICENSE.txt',
    ];
    for (const w of wanted) assert.ok(names.includes(w), `${w} is in the .vsix: ${names.join(', ')}`);
    const stray = names.filter((n) => /\.map$|\.ts$|^extension\/(engine|server|client|test|node_modules|examples|bench)\//.test(n));
    assert.deepEqual(stray, []);
    const kib = statSync(vsix).size / 1024;
    console.log(`vsix: ${entries.length} entries, ${kib.toFixed(0)} KiB`);
  });

  test('installed from the .vsix, it fits sleepstudy in VS Code for the web', async () => {
    const ext = join(tmp, 'unpacked');
    for (const e of entries) {
      if (!e.name.startsWith('extension/')) continue;
      const to = join(ext, e.name.slice('extension/'.length));
      mkdirSync(dirname(to), { recursive: true });
      writeFileSync(to, e.data());
    }
    wb = await openWorkbench({ extensionPaths: [ext] });
    const { page } = wb;
    await openFile(page, 'sleepstudy.mlm');
    await page.locator('.statusbar-item[id="status.editor.mode"]', { hasText: 'Multilevel model' }).waitFor();
    await focusEditor(page, 'sleepstudy.mlm');
    await goTo(page, wb.lineOf('sleepstudy.mlm', 'formula: Reaction ~ Days + (Days | Subject)'), 5);
    await runCommand(page, 'MLM: Fit Model');
    const frame = await webviewFrame(page, 'Fixed effects', 120_000);
    const estimates = await frame
      .locator('table', { has: frame.locator('caption', { hasText: 'Fixed effects' }) })
      .first()
      .locator('tbody tr td:nth-of-type(1)')
      .allInnerTexts();
    // lme4 reference (sleepstudy full, REML), as R's summary prints them: 251.405, 10.467.
    assert.deepEqual(estimates.map((t) => t.trim()), ['251.405', '10.467']);
    await wb.shot('20-vsix-installed-fit');
  });
});
