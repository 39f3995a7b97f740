/**
 * The ClickHouse runner (engine/src/sql/clickhouse.ts) against a real two-shard cluster: results of a
 * Distributed table, 64-bit integers, DESCRIBE, the located error codes (unreachable, unknown table, unknown
 * column, refused credentials), progress and cancel (the query is gone from the servers afterwards).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { ANALYST, startCluster, type ClickHouseCluster } from './cluster';
import { ClickHouseRunner, type ClickHouseLocation } from '../../engine/src/sql/clickhouse';
import { CancelledError, MlmError } from '../../engine/src/diagnostics';

let cluster: ClickHouseCluster;
let loc: ClickHouseLocation;

before(async () => {
  cluster = await startCluster();
  loc = { secure: false, host: '127.0.0.1', port: cluster.httpPorts[0], database: 'default', table: 'numbers_dist' };
  await cluster.createDistributed('numbers_dist', 'numbers_local', 'n UInt64, y Float64, g String', 'n');
  const rows = Array.from({ length: 1000 }, (_, i) => `${i}\t${i / 8}\tg${i % 3}`).join('\n');
  await cluster.insertTsv('numbers_dist', rows + '\n');
  // a larger table, written on each shard directly, for progress and cancel
  await cluster.createDistributed('big', 'big_local', 'n UInt64', 'n');
  for (const shard of [0, 1]) await cluster.exec('INSERT INTO big_local SELECT number FROM numbers(30000000)', shard);
});

after(async () => {
  await cluster?.stop();
});

async function diagnosticOf(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MlmError, `expected an MlmError, got ${String(e)}`);
    return e.diagnostic;
  }
  assert.fail('expected the query to fail');
}

test('both shards hold rows of the Distributed table', async () => {
  const [a, b] = await cluster.shardCounts('numbers_local');
  assert.equal(a + b, 1000);
  assert.ok(a > 0 && b > 0, `rows per shard: ${a}, ${b}`);
});

test('a GROUP BY over the Distributed table merges both shards; 64-bit sums arrive as numbers', async () => {
  const r = new ClickHouseRunner(loc);
  const res = await r.query('SELECT g, count() AS cnt, sum(n) AS s, sum(y) AS sy FROM numbers_dist GROUP BY g ORDER BY g');
  assert.deepEqual(res.columns, ['g', 'cnt', 's', 'sy']);
  // mathematics: i = 0..999 by i mod 3
  const expected = [0, 1, 2].map((k) => {
    const ids = Array.from({ length: 1000 }, (_, i) => i).filter((i) => i % 3 === k);
    return [`g${k}`, ids.length, ids.reduce((a, b) => a + b, 0), ids.reduce((a, b) => a + b, 0) / 8];
  });
  assert.deepEqual(res.rows, expected);
  for (const row of res.rows) assert.equal(typeof row[1], 'number');
});

test('integers beyond 2^53 arrive as bigint, NULL as null', async () => {
  const r = new ClickHouseRunner(loc);
  const res = await r.query('SELECT toUInt64(18446744073709551615) AS big, toInt64(-5) AS small, NULL AS nothing, toNullable(toUInt64(7)) AS seven');
  assert.deepEqual(res.rows, [[18446744073709551615n, -5, null, 7]]);
});

test('describe lists the Distributed table columns with their types', async () => {
  const r = new ClickHouseRunner(loc);
  assert.deepEqual(await r.describe('`default`.`numbers_dist`'), [
    { name: 'n', type: 'UInt64' },
    { name: 'y', type: 'Float64' },
    { name: 'g', type: 'String' },
  ]);
});

test('unknown table, unknown column, wrong password, unknown user: precise codes; the runner keeps working', async () => {
  const r = new ClickHouseRunner(loc);
  const table = await diagnosticOf(r.query('SELECT count() FROM default.no_such_table'));
  assert.equal(table.code, 'sql-unknown-table');
  assert.match(table.message, /no_such_table/);
  assert.match(table.message, new RegExp(`127\\.0\\.0\\.1:${loc.port}`));
  const db = await diagnosticOf(r.describe('`nodb`.`t`'));
  assert.equal(db.code, 'sql-unknown-table');
  const column = await diagnosticOf(r.query('SELECT sum(no_such_column) FROM numbers_dist'));
  assert.equal(column.code, 'sql-unknown-column');
  assert.equal(column.data?.column, 'no_such_column');
  const wrong = await diagnosticOf(new ClickHouseRunner(loc, { credentials: { user: ANALYST.user, password: 'wrong' } }).query('SELECT 1'));
  assert.equal(wrong.code, 'sql-auth');
  assert.match(wrong.message, /MLM_CLICKHOUSE_PASSWORD/);
  assert.doesNotMatch(wrong.message, /wrong/);
  const hinted = await diagnosticOf(
    new ClickHouseRunner(loc, { credentials: { user: 'nobody', password: 'x' }, credentialsHint: 'run "MLM: Set ClickHouse Password"' }).query('SELECT 1'),
  );
  assert.equal(hinted.code, 'sql-auth');
  assert.match(hinted.message, /nobody/);
  assert.match(hinted.message, /MLM: Set ClickHouse Password/);
  const res = await r.query('SELECT count() FROM numbers_dist');
  assert.deepEqual(res.rows, [[1000]]);
});

test('credentials in headers or in URL parameters (browsers) both authenticate', async () => {
  for (const credentialsIn of ['headers', 'query'] as const) {
    const r = new ClickHouseRunner(loc, { credentials: ANALYST, credentialsIn });
    const res = await r.query("SELECT user FROM system.processes WHERE query LIKE '%who-am-i%'");
    assert.deepEqual(res.rows, [[ANALYST.user]], credentialsIn);
  }
});

test('an unreachable server is sql-unreachable with host:port', async () => {
  const port = await new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
  const d = await diagnosticOf(new ClickHouseRunner({ ...loc, port }).query('SELECT 1'));
  assert.equal(d.code, 'sql-unreachable');
  assert.match(d.message, new RegExp(`cannot reach ClickHouse at 127\\.0\\.0\\.1:${port} \\(connection refused`));
  const unknownHost = await diagnosticOf(new ClickHouseRunner({ ...loc, host: 'no-such-host.invalid' }).query('SELECT 1'));
  assert.equal(unknownHost.code, 'sql-unreachable');
  assert.match(unknownHost.message, /no-such-host\.invalid:\d+ \(unknown host\)/);
});

const SLOW = 'SELECT count() FROM big WHERE sipHash64(sipHash64(sipHash64(n))) % 7 = 1 AND sipHash64(n, n, n) % 3 = 1';

test('progress reports rows read on both shards; cancel aborts and kills the query on the cluster', async () => {
  const r = new ClickHouseRunner({ ...loc, table: 'big' }, { progressDelayMs: 100, progressEveryMs: 100 });
  const ac = new AbortController();
  const seen: number[] = [];
  const p = r.query(SLOW, {
    signal: ac.signal,
    onProgress: (pr) => {
      if (pr.rowsRead) seen.push(pr.rowsRead);
      if (seen.length >= 2) ac.abort();
    },
  });
  await assert.rejects(p, CancelledError);
  assert.ok(seen.length >= 2 && seen[1] > 0, `progress: ${seen.join(', ')}`);
  // KILL QUERY runs asynchronously: the query leaves both servers shortly
  let left = '';
  for (let i = 0; i < 50; i++) {
    const a = await cluster.exec("SELECT count() FROM system.processes WHERE query LIKE '%sipHash64(n, n, n)%' AND query NOT LIKE '%system.processes%'", 0);
    const b = await cluster.exec("SELECT count() FROM system.processes WHERE query LIKE '%sipHash64(n, n, n)%' AND query NOT LIKE '%system.processes%'", 1);
    left = `${a.trim()} + ${b.trim()}`;
    if (left === '0 + 0') return;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.fail(`the cancelled query still runs on the shards: ${left}`);
});

test('a signal aborted before the query starts cancels without contacting the server', async () => {
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(new ClickHouseRunner(loc).query('SELECT 1', { signal: ac.signal }), CancelledError);
});

test('a finished query reports its rows read at the end', async () => {
  const r = new ClickHouseRunner({ ...loc, table: 'big' });
  let last: { rowsRead?: number; fraction?: number } = {};
  const res = await r.query('SELECT count() FROM big', { onProgress: (p) => (last = p) });
  assert.deepEqual(res.rows, [[60000000]]);
  assert.equal(last.fraction, 1);
});
