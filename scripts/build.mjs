// Bundles every entry point with esbuild. Entries whose source does not exist yet are skipped.
// Usage: node scripts/build.mjs [--watch]
import { build, context } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');

/**
 * The embedded DuckDB is a native module: node bundles load it from node_modules at run time (the .vsix
 * carries @duckdb/node-api and the platform's @duckdb/node-bindings-*; scripts/package.mjs --target).
 */
const NATIVE = ['@duckdb/node-api', '@duckdb/node-bindings', '@duckdb/node-bindings-*'];

/** [source, outfile, platform, format, extra] */
const entries = [
  ['engine/src/cli/mlm.ts', 'dist/cli/mlm.js', 'node', 'cjs', { external: NATIVE }],
  ['client/src/node/extension.ts', 'dist/node/extension.js', 'node', 'cjs', { external: ['vscode'] }],
  ['client/src/web/extension.ts', 'dist/web/extension.js', 'browser', 'cjs', { external: ['vscode'] }],
  ['server/src/node/server.ts', 'dist/node/server.js', 'node', 'cjs', { external: NATIVE }],
  ['server/src/web/server.ts', 'dist/web/server.js', 'browser', 'iife', {}],
  ['client/src/webview/main.ts', 'dist/webview/main.js', 'browser', 'iife', {}],
  ['test/web/suite/index.ts', 'dist/test/web/suite.js', 'browser', 'cjs', { external: ['vscode'], loader: { '.parquet': 'binary' } }],
];

let built = 0;
for (const [src, out, platform, format, extra] of entries) {
  if (!existsSync(join(root, src))) continue;
  mkdirSync(dirname(join(root, out)), { recursive: true });
  const options = {
    absWorkingDir: root,
    entryPoints: [src],
    outfile: out,
    bundle: true,
    platform,
    format,
    target: platform === 'node' ? 'node20' : 'es2022',
    sourcemap: true,
    minify: process.env.MLM_MINIFY === '1',
    logLevel: 'warning',
    define: platform === 'browser' ? { 'process.env.NODE_ENV': '"production"' } : {},
    ...extra,
  };
  if (watch) {
    const ctx = await context(options);
    await ctx.watch();
  } else {
    await build(options);
  }
  built++;
}
// duckdb-wasm's WebAssembly for the web server's Parquet reader, loaded from the extension's own folder on first
// use (dist/web/duckdb/); only the build with WebAssembly exceptions ships.
const wasmSource = join(dirname(createRequire(join(root, 'package.json')).resolve('@duckdb/duckdb-wasm/dist/duckdb-browser-blocking.mjs')), 'duckdb-eh.wasm');
const wasmTarget = join(root, 'dist/web/duckdb/duckdb-eh.wasm');
if (!existsSync(wasmTarget) || statSync(wasmTarget).size !== statSync(wasmSource).size || statSync(wasmTarget).mtimeMs < statSync(wasmSource).mtimeMs) {
  mkdirSync(dirname(wasmTarget), { recursive: true });
  copyFileSync(wasmSource, wasmTarget);
}
if (!watch) console.log(`build: ${built} bundle(s) written to dist/`);
