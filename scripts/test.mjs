// Runs the test suites with node's test runner (TypeScript through tsx).
// Usage: node scripts/test.mjs [group ...]   groups: unit conformance cli clickhouse server fuzz grammar client e2e web (default: all)
// (clickhouse starts a two-shard cluster on 127.0.0.1 and fails when clickhouse-server is not installed)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const wanted = process.argv.slice(2);

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures') continue;
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

// A test file's group is the first folder under test/ (test/unit/x.test.ts -> unit).
const files = walk(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => wanted.length === 0 || wanted.includes(f.split(/[\\/]/)[1]))
  .sort();

const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit', cwd: root });
if (build.status !== 0) process.exit(build.status ?? 1);

if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files],
  { stdio: 'inherit', cwd: root, env: { ...process.env, MLM_ROOT: root } },
);
process.exit(r.status ?? 1);
