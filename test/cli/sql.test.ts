// `mlm sql`: the blocks query of a model in each dialect. The DuckDB query is run in DuckDB and its
// totals checked against sums computed here from the CSV; the others are checked by structure.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { cliRunner, root } from './runCli';

let tmp = '';
const { mlm } = cliRunner(() => tmp);

before(() => {
  const b = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  tmp = mkdtempSync(join(tmpdir(), 'mlm-sql-'));
  for (const f of ['sleepstudy.csv', 'Orthodont.csv', 'Penicillin.csv']) copyFileSync(join(root, 'test/fixtures/reference/data', f), join(tmp, f));
  writeFileSync(join(tmp, 'sleep.mlm'), 'data: sleepstudy.csv\nmodel full:\n  formula: Reaction ~ Days + (Days | Subject)\nmodel curve:\n  formula: Reaction ~ poly(Days, 2) + (1 | Subject)\n');
  writeFileSync(join(tmp, 'ortho.mlm'), 'data: Orthodont.csv\nmodel m:\n  formula: distance ~ age * Sex + (age | Subject)\n');
  writeFileSync(join(tmp, 'pen.mlm'), 'data: Penicillin.csv\nmodel m:\n  formula: diameter ~ 1 + (1 | plate) + (1 | sample)\n');
});

test('mlm sql (duckdb): the printed query runs in DuckDB and its totals are the centred sums of the data', async () => {
  const r = mlm(['sql', 'sleep.mlm', '--model', 'full']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /GROUP BY GROUPING SETS \(\(\), \("Subject"\)\)/);
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const res = await con.runAndReadAll(r.out.replace(/^--.*\n/gm, ''));
  const cols = res.columnNames();
  const rows = res.getRowsJS();
  const total = rows.find((row) => row[cols.indexOf('g0')] === null)!;
  const get = (c: string) => Number(total[cols.indexOf(c)]);
  // sums computed from the CSV here
  const lines = readFileSync(join(tmp, 'sleepstudy.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  const n = lines.length;
  const my = lines.reduce((s, l) => s + l[0], 0) / n, mx = lines.reduce((s, l) => s + l[1], 0) / n;
  assert.equal(get('n'), n);
  assert.equal(get('n_all'), n);
  assert.ok(Math.abs(get('c_1') - my) < 1e-9 && Math.abs(get('c_2') - mx) < 1e-12);
  const sxy = lines.reduce((s, l) => s + (l[0] - my) * (l[1] - mx), 0);
  assert.ok(Math.abs(get('s_1_2') - sxy) < 1e-8 * Math.abs(sxy));
  assert.ok(Math.abs(get('s_0_1')) < 1e-8, 'centred sums are ~0');
  assert.equal(rows.length, 1 + 18, 'one total row and one row per Subject');
  con.closeSync();
  db.closeSync();
});

test('mlm sql --dialect clickhouse: UNION ALL of GROUP BYs with count(), no GROUPING SETS, centres as scalar subqueries', () => {
  const r = mlm(['sql', 'pen.mlm', '--dialect', 'clickhouse']);
  assert.equal(r.code, 0, r.err);
  const q = r.out;
  assert.doesNotMatch(q, /GROUPING SETS/);
  // sets: (), plate, sample, (plate, sample)
  assert.equal(q.split('\nUNION ALL\n').length, 4);
  assert.match(q, /count\(\) AS n/);
  assert.match(q, /GROUP BY `plate`, `sample`/);
  assert.match(q, /WITH \(SELECT count\(\) FROM Penicillin\) AS w_n_all/);
  assert.doesNotMatch(q, /count\(\*\)/);
});

test('mlm sql --dialect spark|trino|bigquery: GROUPING SETS, each dialect\'s quoting, casts and NaN test', () => {
  const want: Record<string, RegExp[]> = {
    spark: [/`distance`/, /CAST\(`age` AS DOUBLE\)/, /isnan\(/, /GROUPING SETS \(\(\), \(`Subject`\)\)/, /CASE WHEN `Sex` = 'Male' THEN 1\.0 ELSE 0\.0 END/],
    trino: [/"distance"/, /is_nan\(/, /GROUPING SETS \(\(\), \("Subject"\)\)/, /CASE WHEN "Sex" = 'Male'/],
    bigquery: [/CAST\(`age` AS FLOAT64\)/, /IS_NAN\(/, /COUNT\(\*\) AS n/, /GROUPING SETS \(\(\), \(`Subject`\)\)/],
  };
  for (const [dialect, res] of Object.entries(want)) {
    const r = mlm(['sql', 'ortho.mlm', '--dialect', dialect, '--table', 'warehouse.orthodont']);
    assert.equal(r.code, 0, r.err);
    for (const re of res) assert.match(r.out, re, `${dialect}: ${re}`);
    assert.match(r.out, /FROM warehouse\.orthodont CROSS JOIN ctr/);
  }
});

test('mlm sql: a term the compiler does not write in SQL is a located error that suggests engine: memory', () => {
  const r = mlm(['sql', 'sleep.mlm', '--model', 'curve']);
  assert.equal(r.code, 1);
  assert.match(r.err, /sleep\.mlm:5:\d+: .*'poly\(Days, 2\)' is not computed in SQL; add 'engine: memory'/);
  const u = mlm(['sql', 'sleep.mlm', '--dialect', 'oracle']);
  assert.equal(u.code, 2);
  assert.match(u.err, /--dialect' needs duckdb, clickhouse, spark, trino or bigquery/);
});
