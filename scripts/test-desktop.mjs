// npm run test:desktop: runs the in-editor test suite in DESKTOP VS Code through @vscode/test-electron.
// It downloads VS Code (needs the internet), so CI does not depend on it; the same suite runs in the
// web workbench offline with `npm run test:web`.
// Usage: node scripts/test-desktop.mjs [--version 1.91.0|stable]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './vscode-web.mjs';

const b = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit', cwd: ROOT });
if (b.status !== 0) process.exit(b.status ?? 1);

const i = process.argv.indexOf('--version');
const version = i >= 0 ? process.argv[i + 1] : 'stable';
const { runTests } = createRequire(join(ROOT, 'package.json'))('@vscode/test-electron');
const workspace = mkdtempSync(join(tmpdir(), 'mlm-desktop-'));
cpSync(join(ROOT, 'examples'), workspace, { recursive: true });
try {
  await runTests({
    version,
    extensionDevelopmentPath: ROOT,
    // The suite bundle exports run() for both hosts (mocha in the extension host).
    extensionTestsPath: join(ROOT, 'dist/test/web/suite.js'),
    launchArgs: [workspace, '--disable-extensions', '--skip-welcome', '--skip-release-notes'],
  });
  console.log('test:desktop: passed');
} catch (e) {
  console.error('test:desktop: failed:', e instanceof Error ? e.message : e);
  console.error('(this runner downloads desktop VS Code; offline, `npm run test:web` runs the same suite in VS Code for the web)');
  process.exitCode = 1;
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
