// npm run package: bundles every entry (minified) and writes <name>-<version>.vsix with both the
// desktop (node) and web (browser) entries. Files that go in are listed by .vscodeignore.
// Usage: node scripts/package.mjs [--out FILE.vsix] [--target linux-x64|linux-arm64|alpine-x64|alpine-arm64|darwin-x64|darwin-arm64|win32-x64|win32-arm64]
// With --target, the .vsix is for that platform (vsce package --target) and carries the embedded DuckDB:
// @duckdb/node-api, @duckdb/node-bindings and the platform's @duckdb/node-bindings-* (which must be installed in
// node_modules: `npm install --no-save --force @duckdb/node-bindings-darwin-arm64@<version>` on another platform),
// copied to dist/node_modules where the node bundles find them. Without --target the .vsix is universal and the
// desktop server reads Parquet nowhere (CSV in memory, with a message saying why).
import { cpSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { ROOT } from './vscode-web.mjs';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const run = (cmd, args, env = {}) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, env: { ...process.env, ...env } });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run(process.execPath, [join(ROOT, 'scripts/build.mjs')], { MLM_MINIFY: '1' });

for (const entry of [pkg.main, pkg.browser]) {
  if (!entry || !existsSync(join(ROOT, entry))) {
    console.error(`package: entry ${entry} was not built; refusing to write a .vsix without it.`);
    process.exit(1);
  }
}

// --out FILE writes the .vsix elsewhere (the tests use a temp folder).
const outArg = process.argv.indexOf('--out');
const out = outArg >= 0 ? resolve(process.argv[outArg + 1]) : join(ROOT, `${pkg.name}-${pkg.version}.vsix`);
const targetArg = process.argv.indexOf('--target');
const target = targetArg >= 0 ? process.argv[targetArg + 1] : undefined;
/** vsce's platform targets and the DuckDB binding package each needs. */
const BINDINGS = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'alpine-x64': 'linux-x64-musl',
  'alpine-arm64': 'linux-arm64-musl',
  'darwin-x64': 'darwin-x64',
  'darwin-arm64': 'darwin-arm64',
  'win32-x64': 'win32-x64',
  'win32-arm64': 'win32-arm64',
};
const nativeDir = join(ROOT, 'dist', 'node_modules');
rmSync(nativeDir, { recursive: true, force: true });
if (target !== undefined) {
  const binding = BINDINGS[target];
  if (!binding) {
    console.error(`package: unknown --target '${target}' (one of ${Object.keys(BINDINGS).join(', ')})`);
    process.exit(2);
  }
  const modules = ['@duckdb/node-api', '@duckdb/node-bindings', `@duckdb/node-bindings-${binding}`, 'detect-libc'];
  for (const m of modules) {
    const from = join(ROOT, 'node_modules', m);
    if (!existsSync(from)) {
      if (m === 'detect-libc') continue; // optional: node-bindings falls back to glibc
      const version = JSON.parse(readFileSync(join(ROOT, 'node_modules', '@duckdb', 'node-bindings', 'package.json'), 'utf8')).version;
      console.error(`package: ${m} is not installed; for --target ${target} run: npm install --no-save --force ${m}@${version}`);
      process.exit(1);
    }
    cpSync(from, join(nativeDir, m), { recursive: true });
  }
}
const vsce = createRequire(join(ROOT, 'package.json')).resolve('@vscode/vsce/vsce');
const packaged = spawnSync(
  process.execPath,
  [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', ...(target ? ['--target', target] : []), '--out', out],
  { stdio: 'inherit', cwd: ROOT },
);
// dist/node_modules would shadow node_modules for the development build of another platform
rmSync(nativeDir, { recursive: true, force: true });
if (packaged.status !== 0) process.exit(packaged.status ?? 1);
const kib = (statSync(out).size / 1024).toFixed(0);
console.log(`package: ${out} (${kib} KiB)`);
