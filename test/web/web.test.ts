// Runs the in-editor mocha suite (test/web/suite, bundled to dist/test/web/suite.js) inside the real
// VS Code web workbench with @vscode/test-web, in headless Chromium, and reports through node's runner.
// test-web launches Playwright's own chromium; PLAYWRIGHT_BROWSERS_PATH points it at system Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format } from 'node:util';
// @ts-expect-error plain JS helper module without type declarations
import * as vw from '../../scripts/vscode-web.mjs';

const ROOT: string = vw.ROOT;
const SUITE = join(ROOT, 'dist/test/web/suite.js');

test('in-editor suite passes in the VS Code web workbench', { timeout: 240_000 }, async () => {
  assert.ok(existsSync(SUITE), 'dist/test/web/suite.js is missing: run node scripts/build.mjs');
  assert.ok(existsSync(join(ROOT, 'dist/web/extension.js')), 'dist/web/extension.js (browser entry) is missing');
  process.env.PLAYWRIGHT_BROWSERS_PATH = vw.preparePlaywrightBrowsers();
  const build = vw.prepareVSCodeWeb();
  const workspace = mkdtempSync(join(tmpdir(), 'mlm-web-'));
  cpSync(join(ROOT, 'examples'), workspace, { recursive: true });
  const { runTests } = createRequire(join(ROOT, 'package.json'))('@vscode/test-web');
  // The workbench forwards its whole console (mocha's spec output among much noise) to ours: keep it,
  // print mocha's lines when the suite passes and everything when it fails.
  const captured: string[] = [];
  const originals = { log: console.log, info: console.info, warn: console.warn, error: console.error };
  const capture = (...args: unknown[]) => captured.push(format(...args));
  Object.assign(console, { log: capture, info: capture, warn: capture, error: capture });
  let failed = true;
  let watchdog: NodeJS.Timeout | undefined;
  try {
    // Rejects when the suite reports failures. test-web owns the browser and the server and offers no way
    // to stop them, so a suite that never reports would keep this process alive: give up and exit instead.
    watchdog = setTimeout(() => {
      Object.assign(console, originals);
      for (const l of captured) console.log(l);
      console.error('web tests: no result from the workbench after 200 s; exiting');
      process.exit(1);
    }, 200_000);
    watchdog.unref();
    await runTests({
      browserType: 'chromium',
      headless: true,
      browserOptions: ['--disable-features=MediaRouter', '--disable-gpu', '--disable-dev-shm-usage'],
      quality: build.quality,
      commit: build.commit,
      testRunnerDataDir: build.testRunnerDataDir,
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: SUITE,
      folderPath: workspace,
      port: await vw.freePort(),
    });
    failed = false;
  } finally {
    clearTimeout(watchdog);
    Object.assign(console, originals);
    const mochaLine = /✓|✔|passing|failing|pending|^\s+\d+\) |^\s*MLM /;
    const lines = failed ? captured : captured.filter((l) => mochaLine.test(l));
    for (const l of lines) console.log(l);
    rmSync(workspace, { recursive: true, force: true });
  }
});
