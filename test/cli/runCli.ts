// The built `mlm` command run as a child process in a working folder, for the CLI tests.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const root = process.env.MLM_ROOT ?? join(__dirname, '..', '..');
export const cli = join(root, 'dist', 'cli', 'mlm.js');

/** `mlm ARGS` in the folder cwd() names (read at call time: the folder is made in before()). */
export function cliRunner(cwd: () => string) {
  const mlm = (args: string[]) => {
    const r = spawnSync(process.execPath, [cli, ...args], { cwd: cwd(), encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const json = (args: string[]) => {
    const r = mlm([...args, '--json']);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out);
  };
  return { mlm, json };
}

export const close = (got: number, want: number, rel: number, what: string) =>
  assert.ok(Math.abs(got - want) <= rel * Math.max(Math.abs(want), 1e-12), `${what}: got ${got}, want ${want} (relative ${rel})`);
