// npm run package: bundles every entry (minified) and writes <name>-<version>.vsix with both the
// desktop (node) and web (browser) entries. Files that go in are listed by .vscodeignore.
// Usage: node scripts/package.mjs [--out FILE.vsix]
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
const vsce = createRequire(join(ROOT, 'package.json')).resolve('@vscode/vsce/vsce');
run(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out]);
const kib = (statSync(out).size / 1024).toFixed(0);
console.log(`package: ${out} (${kib} KiB)`);
