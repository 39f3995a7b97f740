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
  // one GROUP BY Subject: the totals are its roll-up
  assert.match(r.out, /\nGROUP BY "Subject";/);
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const res = await con.runAndReadAll(r.out.replace(/^--.*\n/gm, ''));
  const cols = res.columnNames();
  const rows = res.getRowsJS();
  const get = (c: string) => (c === 'c_1' || c === 'c_2' || c === 'n_all' ? Number(rows[0][cols.indexOf(c)]) : rows.reduce((s, row) => s + Number(row[cols.indexOf(c)]), 0));
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
  assert.equal(rows.length, 18, 'one row per Subject');
  con.closeSync();
  db.closeSync();
});

test('mlm sql --dialect clickhouse: UNION ALL of GROUP BYs with count(), no GROUPING SETS, the centres of the rows as numbers', () => {
  const r = mlm(['sql', 'pen.mlm', '--dialect', 'clickhouse']);
  assert.equal(r.code, 0, r.err);
  const q = r.out;
  assert.doesNotMatch(q, /GROUPING SETS/);
  // sets: plate and sample with every sum (the total is their roll-up), the (plate, sample) cells with the count only
  const branches = q.split('\nUNION ALL\n');
  assert.equal(branches.length, 3);
  assert.match(branches[2], /toFloat64\(count\(\)\) AS _mlm_n,\s+0\.0 AS _mlm_s_0_1,\s+0\.0 AS _mlm_s_1_1/);
  // the centre is the mean diameter of the CSV's rows, written as a number (no scalar subquery: ClickHouse would
  // evaluate one per branch, and two evaluations of an average over a large Distributed table can differ)
  const diam = readFileSync(join(tmp, 'Penicillin.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[0]));
  const mean = diam.reduce((a, b) => a + b, 0) / diam.length;
  const m = /sum\(\(toFloat64\(`diameter`\) - ([-0-9.e]+)\) \* \(toFloat64\(`diameter`\) - \1\)\) AS _mlm_s_1_1/.exec(branches[0]);
  assert.ok(m, branches[0]);
  assert.ok(Math.abs(Number(m[1]) - mean) < 1e-12 * mean, `${m[1]} vs ${mean}`);
  for (const b of branches) {
    assert.ok(b.includes(`toFloat64(${m[1]}) AS _mlm_c_1`), b);
    assert.ok(b.includes(`toFloat64(${diam.length}) AS _mlm_n_all`), b);
  }
  assert.doesNotMatch(q, /\(SELECT /);
  // ClickHouse lets an alias shadow a column of the same name: inner aliases _mlm_…, renamed outside
  assert.match(q, /^SELECT _mlm_g0 AS g0, _mlm_g1 AS g1, _mlm_n AS n, /m);
  assert.match(q, /GROUP BY `plate`, `sample`/);
  assert.doesNotMatch(q, /count\(\*\)/);
});

test('mlm sql --dialect spark|trino|bigquery: GROUPING SETS, each dialect\'s quoting, casts and NaN test', () => {
  const want: Record<string, RegExp[]> = {
    spark: [/`distance`/, /CAST\(`age` AS DOUBLE\)/, /isnan\(/, /GROUP BY `Subject`/, /CASE WHEN `Sex` = 'Male' THEN 1\.0 ELSE 0\.0 END/],
    trino: [/"distance"/, /is_nan\(/, /GROUP BY "Subject"/, /CASE WHEN "Sex" = 'Male'/],
    bigquery: [/CAST\(`age` AS FLOAT64\)/, /IS_NAN\(/, /CAST\(COUNT\(\*\) AS FLOAT64\) AS n/, /GROUP BY `Subject`/],
  };
  for (const [dialect, res] of Object.entries(want)) {
    const r = mlm(['sql', 'ortho.mlm', '--dialect', dialect, '--table', 'warehouse.orthodont']);
    assert.equal(r.code, 0, r.err);
    for (const re of res) assert.match(r.out, re, `${dialect}: ${re}`);
    assert.match(r.out, /FROM warehouse\.orthodont CROSS JOIN ctr/);
    // crossed factors: both factors in GROUPING SETS, their cells in a second GROUP BY with the count only
    const c = mlm(['sql', 'pen.mlm', '--dialect', dialect, '--table', 'pen']);
    assert.equal(c.code, 0, c.err);
    const q = (x: string) => (dialect === 'trino' ? `"${x}"` : `\`${x}\``);
    assert.ok(c.out.includes(`GROUP BY GROUPING SETS ((${q('plate')}), (${q('sample')}))\nUNION ALL\n`), c.out);
    assert.ok(c.out.includes(`GROUP BY ${q('plate')}, ${q('sample')};`), c.out);
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

test('blocks: the saved result of the printed query (Parquet) is fitted without the data, as lme4 fits sleepstudy', async () => {
  const { parseMlm } = await import('../../engine/src/mlmfile/index');
  const { fitFromBlocksFile } = await import('../../engine/src/sql/fit');
  const { TestDuckDbRunner } = await import('../conformance/duckdb-runner');
  const ref = JSON.parse(readFileSync(join(root, 'test/fixtures/reference/fits/sleepstudy_full.json'), 'utf8'));
  const r = mlm(['sql', 'sleep.mlm', '--model', 'full']);
  assert.equal(r.code, 0, r.err);
  const runner = await TestDuckDbRunner.open();
  const out = join(tmp, 'blocks.parquet').replace(/'/g, "''");
  await runner.query(`COPY (${r.out.replace(/^--.*\n/gm, '').replace(/;\s*$/, '')}) TO '${out}' (FORMAT PARQUET)`);
  const doc = parseMlm('blocks: blocks.parquet\nmodel full:\n  formula: Reaction ~ Days + (Days | Subject)\n');
  assert.deepEqual(doc.diagnostics.filter((d) => d.severity === 'error'), []);
  const fit = await fitFromBlocksFile(runner, `read_parquet('${out}')`, doc, doc.models[0], { hooks: { yieldEveryMs: 0 } });
  assert.ok(Math.abs(fit.result.REMLcrit! - ref.REMLcrit) < 1e-3, `${fit.result.REMLcrit} vs ${ref.REMLcrit}`);
  for (const c of ref.coefnames) assert.ok(Math.abs(fit.result.fixef[c] - ref.fixef[c]) < 1e-4 * Math.abs(ref.fixef[c]), c);
  assert.equal(fit.result.nobs, 180);
  // a formula that is not the one the blocks were computed for
  const other = parseMlm('blocks: blocks.parquet\nmodel full:\n  formula: Reaction ~ Days + I(Days^2) + (Days | Subject)\n');
  await assert.rejects(fitFromBlocksFile(runner, `read_parquet('${out}')`, other, other.models[0]), /computed for another formula/);
  await runner.close();
  // the same through `mlm fit` (the embedded DuckDB reads the file)
  writeFileSync(join(tmp, 'fromblocks.mlm'), 'blocks: blocks.parquet\nmodel full:\n  formula: Reaction ~ Days + (Days | Subject)\n');
  const f = mlm(['fit', 'fromblocks.mlm', '--json']);
  assert.equal(f.code, 0, f.err);
  const j = JSON.parse(f.out).full;
  assert.ok(Math.abs(j.REMLcrit - ref.REMLcrit) < 1e-3, `${j.REMLcrit} vs ${ref.REMLcrit}`);
  assert.equal(j.fitted, undefined);
  const t = mlm(['fit', 'fromblocks.mlm']);
  assert.match(t.out, /REML criterion at convergence: 1743\.6/);
  // Wald intervals need only the fit; simulated residuals need the rows, which a blocks: file does not have
  const w = mlm(['confint', 'fromblocks.mlm', '--method', 'Wald', '--json']);
  assert.equal(w.code, 0, w.err);
  const days = JSON.parse(w.out).full.rows.find((x: { name: string }) => x.name === 'Days');
  assert.ok(Math.abs(days.estimate - ref.fixef.Days) < 1e-4 * ref.fixef.Days, `Days ${days.estimate}`);
  const res = mlm(['residuals', 'fromblocks.mlm']);
  assert.equal(res.code, 1);
  assert.match(res.err, /^fromblocks\.mlm:1:9: mlm residuals needs the data's rows, and model full is fitted from the cross-product blocks in 'blocks\.parquet', without rows/m);
});
