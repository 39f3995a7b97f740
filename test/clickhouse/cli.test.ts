/**
 * `mlm fit` on `data: clickhouse://…` (the built CLI against a two-shard cluster): lme4's figures, credentials
 * from MLM_CLICKHOUSE_USER / MLM_CLICKHOUSE_PASSWORD, and located errors for a wrong table, an unreachable
 * server and credentials written into the URL; `mlm sql`'s printed query run as printed on the cluster, its saved
 * result fitted through `blocks:`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANALYST, freePort, startCluster, type ClickHouseCluster } from './cluster';
import { loadCrossed, loadSleepstudy } from './data';
import { assertSameFit, fitInMemory } from './samefit';
import { cli } from '../cli/runCli';
import { ensureBuilt } from '../server/lspClient';
import { loadReference } from '../conformance/harness';

let cluster: ClickHouseCluster;
let dir: string;

before(async () => {
  ensureBuilt();
  cluster = await startCluster();
  await loadSleepstudy(cluster);
  dir = mkdtempSync(join(tmpdir(), 'mlm-ch-cli-'));
});

after(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await cluster?.stop();
});

/** Runs the built CLI without blocking the event loop; `env` adds to a copy of this process's environment without MLM_CLICKHOUSE_*. */
function mlm(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  const base = { ...process.env };
  delete base.MLM_CLICKHOUSE_USER;
  delete base.MLM_CLICKHOUSE_PASSWORD;
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [cli, ...args], { cwd: dir, env: { ...base, ...env } });
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

function write(name: string, data: string, formula = 'Reaction ~ Days + (Days | Subject)'): string {
  writeFileSync(join(dir, name), `# sleepstudy on ClickHouse\ndata: ${data}\n\nmodel full:\n  formula: ${formula}\n`);
  return name;
}

const url = (table: string) => `clickhouse://127.0.0.1:${cluster.httpPorts[0]}/${table}`;

test('mlm fit on a Distributed table prints lme4 figures; --json carries no per-observation arrays', async () => {
  const file = write('sleep.mlm', url('default.sleepstudy'));
  const text = await mlm(['fit', file]);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /REML criterion at convergence: 1743\.6/);
  assert.match(text.out, /Data: clickhouse:\/\/127\.0\.0\.1:\d+\/default\.sleepstudy/);
  assert.match(text.out, /Number of obs: 180, groups:  Subject, 18/);
  const json = await mlm(['fit', file, '--json']);
  assert.equal(json.code, 0, json.err);
  const fit = JSON.parse(json.out).full;
  const ref = loadReference('sleepstudy_full');
  assert.ok(Math.abs(fit.REMLcrit - (ref.REMLcrit as number)) <= 1e-6 * (ref.REMLcrit as number));
  assert.equal(fit.residuals, undefined);
  assert.ok(json.out.length < 200_000, `${json.out.length} characters of JSON`);
});

test('credentials from the environment: a wrong password is refused on the data: line, the right one fits', async () => {
  const file = write('creds.mlm', url('default.sleepstudy'));
  const wrong = await mlm(['fit', file], { MLM_CLICKHOUSE_USER: ANALYST.user, MLM_CLICKHOUSE_PASSWORD: 'wrong-password' });
  assert.equal(wrong.code, 1);
  assert.match(wrong.err, /^creds\.mlm:2:7: ClickHouse at 127\.0\.0\.1:\d+ refused the credentials \(Wrong password for user analyst\); set MLM_CLICKHOUSE_USER/m);
  assert.doesNotMatch(wrong.err, /wrong-password/);
  const right = await mlm(['fit', file], { MLM_CLICKHOUSE_USER: ANALYST.user, MLM_CLICKHOUSE_PASSWORD: ANALYST.password });
  assert.equal(right.code, 0, right.err);
});

test('a wrong table, a wrong column and an unreachable server: located errors, exit status 1', async () => {
  const table = await mlm(['fit', write('table.mlm', url('default.no_such_table'))]);
  assert.equal(table.code, 1);
  assert.match(table.err, /^table\.mlm:2:7: ClickHouse at 127\.0\.0\.1:\d+: Table default\.no_such_table doesn't exist\./m);
  const column = await mlm(['fit', write('column.mlm', url('default.sleepstudy'), 'Reaction ~ Dayz + (1 | Subject)')]);
  assert.equal(column.code, 1);
  assert.match(column.err, /^column\.mlm:5:23: .*'Dayz'/m);
  const port = await freePort();
  const down = await mlm(['fit', write('down.mlm', `clickhouse://127.0.0.1:${port}/default.sleepstudy`)]);
  assert.equal(down.code, 1);
  assert.match(down.err, new RegExp(`^down\\.mlm:2:7: cannot reach ClickHouse at 127\\.0\\.0\\.1:${port} \\(connection refused`, 'm'));
});

test('user:password@ in the URL is refused where it is written, before any connection', async () => {
  const r = await mlm(['fit', write('inurl.mlm', url('default.sleepstudy').replace('clickhouse://', 'clickhouse://analyst:secret@'))]);
  assert.equal(r.code, 1);
  assert.match(r.err, /^inurl\.mlm:2:20: credentials do not belong in the \.mlm file/m);
  assert.doesNotMatch(r.err, /secret@/);
});

test('mlm sql prints the model\'s blocks query in the ClickHouse dialect, and the cluster runs it', async () => {
  const file = write('sql.mlm', url('default.sleepstudy'));
  const r = await mlm(['sql', file, '--model', 'full']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^-- model full: Reaction ~ Days \+ \(Days \| Subject\) \(clickhouse\)/);
  assert.doesNotMatch(r.out, /GROUPING SETS/);
  const query = r.out.replace(/^--.*\n/, '').trim().replace(/;$/, '');
  const rows = (await cluster.exec(`${query}\nFORMAT TabSeparated`)).trim().split('\n');
  assert.ok(rows.length >= 18, `${rows.length} rows`);
});

test('mlm sql on a Distributed table of 1,000,000 rows: the printed text runs as printed (twice), and its saved result fits as the rows in memory', async () => {
  // two evaluations of an average over this many rows on two shards differ in the last digit: a centre computed in
  // every UNION ALL branch made ClickHouse refuse the query (code 179); the printed query carries the centres as numbers
  const big = await loadCrossed(cluster, 1_000_000, ['g1', 'g2'], 'crossed_big');
  const formula = 'y ~ x + (1 | g1) + (1 | g2)';
  const r = await mlm(['sql', write('big.mlm', url(big.table), formula), '--model', 'full']);
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.out, /\(SELECT /, 'no scalar subquery');
  let saved = '';
  for (let k = 0; k < 2; k++) saved = await cluster.exec(r.out, 0, { default_format: 'CSVWithNames' });
  writeFileSync(join(dir, 'big-blocks.csv'), saved);
  writeFileSync(join(dir, 'big-blocks.mlm'), `blocks: big-blocks.csv\n\nmodel full:\n  formula: ${formula}\n`);
  const f = await mlm(['fit', 'big-blocks.mlm', '--json']);
  assert.equal(f.code, 0, f.err);
  const fit = JSON.parse(f.out).full;
  const mem = await fitInMemory(`data: big.csv\n\nmodel full:\n  formula: ${formula}\n`, big.csv);
  assertSameFit(fit, mem);
  assert.equal(fit.nobs, 1_000_000);
});
