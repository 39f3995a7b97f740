// `mlm` with data read through the embedded DuckDB: Parquet, globs, --engine, --sql-threshold, the path each
// fit took, and bad input as FILE:LINE:COL messages. Parquet files are written by DuckDB into a temp folder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbRunner, loadSqlData } from '../../engine/src/node/index';
import { parseMlm, readCsv } from '../../engine/src/index';
import { cli, root, close } from './runCli';

const ref = (id: string) => JSON.parse(readFileSync(join(root, 'test/fixtures/reference/fits', `${id}.json`), 'utf8'));
let tmp = '';
const mlm = (args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: tmp, encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

before(async () => {
  const b = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  tmp = mkdtempSync(join(tmpdir(), 'mlm-cli-duckdb-'));
  const csv = join(root, 'test/fixtures/reference/data/sleepstudy.csv');
  copyFileSync(csv, join(tmp, 'sleepstudy.csv'));
  const r = await DuckDbRunner.open();
  try {
    await r.query(`COPY (SELECT * FROM read_csv('${csv}')) TO '${join(tmp, 'sleep.parquet')}' (FORMAT parquet)`);
    await r.query(`COPY (SELECT * FROM read_csv('${csv}') WHERE Days < 5) TO '${join(tmp, 'part-a.parquet')}' (FORMAT parquet)`);
    await r.query(`COPY (SELECT * FROM read_csv('${csv}') WHERE Days >= 5) TO '${join(tmp, 'part-b.parquet')}' (FORMAT parquet)`);
    // rows enough for a fit that runs for a while (Ctrl+C)
    await r.query(`COPY (SELECT i % 5000 AS g, hash(i) % 1000 AS x, hash(i + 7) % 997 AS y FROM range(4000000) t(i)) TO '${join(tmp, 'long.parquet')}' (FORMAT parquet)`);
  } finally {
    await r.close();
  }
  const model = 'model full:\n  formula: Reaction ~ Days + (Days | Subject)\n';
  writeFileSync(join(tmp, 'parquet.mlm'), `data: sleep.parquet\n${model}`);
  writeFileSync(join(tmp, 'glob.mlm'), `data: part-*.parquet\n${model}`);
  writeFileSync(join(tmp, 'none.mlm'), `data: nothing-*.parquet\n${model}`);
  writeFileSync(join(tmp, 'csv.mlm'), `data: sleepstudy.csv\n${model}`);
  writeFileSync(join(tmp, 'memory.mlm'), `data: sleep.parquet\nengine: memory\n${model}`);
  writeFileSync(join(tmp, 'dayz.mlm'), `data: sleep.parquet\nmodel full:\n  formula: Reaction ~ Dayz + (1 | Subject)\n`);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('mlm fit: a Parquet file and a glob of them give lme4\'s fit from SQL cross-product blocks, and say so', () => {
  const full = ref('sleepstudy_full');
  for (const file of ['parquet.mlm', 'glob.mlm']) {
    const reason = file === 'glob.mlm' ? 'Parquet files matched by a glob' : 'a Parquet file';
    const r = mlm(['fit', file, '--json']);
    assert.equal(r.code, 0, r.err);
    const fit = JSON.parse(r.out).full;
    close(fit.REMLcrit, full.REMLcrit, 1e-8, `${file} REMLcrit`);
    close(fit.fixef.Days, full.fixef.Days, 1e-6, `${file} Days`);
    assert.equal(fit.dataSource, `DuckDB (${reason}): cross-product blocks of 180 rows from one aggregation query`);
    assert.equal(fit.fitted, undefined, 'no per-observation arrays');
    assert.match(r.err, new RegExp(`^${file}:1:7: information: .* read through DuckDB \\(${reason}\\): fitted in SQL, no rows loaded`, 'm'));
  }
});

test('mlm fit --sql-threshold 0 / --engine duckdb read a CSV through DuckDB; --engine memory does not', () => {
  const a = mlm(['fit', 'csv.mlm', '--sql-threshold', '0', '--json']);
  assert.equal(a.code, 0, a.err);
  assert.match(JSON.parse(a.out).full.dataSource, /a CSV file of 0 MB \(from 0 MB on\)/);
  const b = mlm(['fit', 'csv.mlm', '--engine', 'duckdb', '--json']);
  assert.match(JSON.parse(b.out).full.dataSource, /'engine: duckdb'/);
  const c = mlm(['fit', 'csv.mlm', '--json']);
  assert.equal(JSON.parse(c.out).full.dataSource, undefined);
  assert.doesNotMatch(c.err, /DuckDB/);
  close(JSON.parse(a.out).full.REMLcrit, JSON.parse(c.out).full.REMLcrit, 1e-10, 'same fit both ways');
  assert.equal(mlm(['fit', 'csv.mlm', '--engine', 'sqlite']).code, 2);
});

test('mlm fit: a glob that matches nothing, engine: memory for Parquet, a missing column: located errors, exit 1', () => {
  const none = mlm(['fit', 'none.mlm']);
  assert.equal(none.code, 1);
  assert.match(none.err, /^none\.mlm:1:7: no file matches 'nothing-\*\.parquet'/m);
  const memory = mlm(['fit', 'memory.mlm']);
  assert.equal(memory.code, 1);
  assert.match(memory.err, /^memory\.mlm:2:9: 'engine: memory' reads one CSV file/m);
  const dayz = mlm(['fit', 'dayz.mlm']);
  assert.equal(dayz.code, 1);
  assert.match(dayz.err, /^dayz\.mlm:3:23: .*Dayz/m);
});

test('without the native module (MLM_DUCKDB=off): a large CSV is read in memory with a warning; Parquet is a located error', () => {
  const csv = mlm(['fit', 'csv.mlm', '--sql-threshold', '0', '--json'], { MLM_DUCKDB: 'off' });
  assert.equal(csv.code, 0, csv.err);
  assert.match(csv.err, /^csv\.mlm:1:7: warning: the embedded DuckDB could not be loaded .*switched off by MLM_DUCKDB=off; 'sleepstudy\.csv' is read in memory instead/m);
  assert.equal(JSON.parse(csv.out).full.dataSource, undefined);
  const pq = mlm(['fit', 'parquet.mlm'], { MLM_DUCKDB: 'off' });
  assert.equal(pq.code, 1);
  assert.match(pq.err, /^parquet\.mlm:1:7: the embedded DuckDB could not be loaded .*; 'sleep\.parquet' cannot be read without it/m);
});

test('the node bundles load the embedded DuckDB from node_modules (kept external, not bundled)', () => {
  for (const bundle of ['dist/cli/mlm.js', 'dist/node/server.js']) {
    const text = readFileSync(join(root, bundle), 'utf8');
    assert.match(text, /require\("@duckdb\/node-api"\)/, bundle);
    assert.doesNotMatch(text, /duckdb_query_progress|class DuckDBInstance/, bundle);
  }
});

test('confint, ranef and anova work from SQL blocks as lme4 and lmerTest give them; means loads the columns; a blocks: file refuses it', () => {
  const want = ref('sleepstudy_full');
  writeFileSync(join(tmp, 'ranef.mlm'), 'data: sleep.parquet\nmodel full:\n  formula: Reaction ~ Days + (Days | Subject)\n');
  const fromBlocks = /information: sleep\.parquet read through DuckDB \(a Parquet file\): fitted in SQL, no rows loaded/;
  // profile intervals: lme4's confint(); the labels of lme4's profile
  const ci = mlm(['confint', 'ranef.mlm', '--json']);
  assert.equal(ci.code, 0, ci.err);
  assert.match(ci.err, fromBlocks);
  const rows = JSON.parse(ci.out).full.rows as Array<{ label: string; lower: number; upper: number }>;
  assert.deepEqual(rows.map((x) => x.label), want.confint_profile.names);
  rows.forEach((x, i) => {
    close(x.lower, want.confint_profile.lower[i], 1e-2, `${x.label} lower`);
    close(x.upper, want.confint_profile.upper[i], 1e-2, `${x.label} upper`);
  });
  // conditional modes: lme4's ranef()
  const re = mlm(['ranef', 'ranef.mlm', '--json']);
  assert.equal(re.code, 0, re.err);
  assert.match(re.err, fromBlocks);
  const series = JSON.parse(re.out).full as Array<{ term: string; levels: Array<{ level: string; mode: number }> }>;
  const lme4 = want.ranef[0];
  for (const sr of series) {
    const k = lme4.terms.indexOf(sr.term);
    for (const l of sr.levels) close(l.mode, lme4.values[k][lme4.levels.indexOf(l.level)], 1e-3, `${sr.term} ${l.level}`);
  }
  // lmerTest's anova(): F = t² with Satterthwaite's df
  const an = mlm(['anova', 'ranef.mlm', '--json']);
  assert.equal(an.code, 0, an.err);
  assert.match(an.err, fromBlocks);
  const a = JSON.parse(an.out).full;
  close(a['DenDF'][0], want.satterthwaite.df.Days, 1e-3, 'DenDF');
  close(a['Pr(>F)'][0], want.satterthwaite.p.Days, 1e-2, 'Pr(>F)');
  // estimated marginal means need the data's rows: the model's columns are loaded
  const means = mlm(['means', 'ranef.mlm', '--specs', 'Days', '--json']);
  assert.match(means.err, /information: sleep\.parquet read through DuckDB \(a Parquet file\): 3 of 3 columns, 180 rows/);
});

test('Ctrl+C during a DuckDB query leaves no spill folder behind', async () => {
  writeFileSync(join(tmp, 'long.mlm'), 'data: long.parquet\nmodel m:\n  formula: y ~ x + (1 | g)\n');
  const temp = join(tmp, 'tmpdir');
  mkdirSync(temp);
  const child = spawn(process.execPath, [cli, 'fit', 'long.mlm'], { cwd: tmp, env: { ...process.env, TMPDIR: temp }, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // wait until a runner has made its folder, then interrupt
  let seen = false;
  for (let i = 0; i < 600 && !seen && child.exitCode === null; i++) {
    seen = readdirSync(temp).some((f) => f.startsWith('mlm-duckdb-'));
    if (!seen) await new Promise((r) => setTimeout(r, 25));
  }
  assert.ok(seen, 'the CLI made a spill folder');
  child.kill('SIGINT');
  const code = await exited;
  assert.deepEqual(readdirSync(temp), [], `exit ${code}: nothing left in the temp folder`);
});

test('mlm fit: a binomial GLMM of data read through DuckDB is fitted from rows collapsed in SQL, no rows loaded', () => {
  copyFileSync(join(root, 'test/fixtures/duckdb/cbpp_rows.csv'), join(tmp, 'cbpp_rows.csv'));
  writeFileSync(join(tmp, 'cbpp.mlm'), 'data: cbpp_rows.csv\nengine: duckdb\nmodel b:\n  formula: y ~ factor(period) + (1 | herd)\n  family: binomial\n');
  const r = mlm(['fit', 'cbpp.mlm', '--json']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /^cbpp\.mlm:3:7: information: model b: DuckDB: 842 rows collapsed to 56 covariate patterns/m);
  assert.match(r.err, /^cbpp\.mlm:1:7: information: cbpp_rows\.csv read through DuckDB \('engine: duckdb'\): fitted in SQL, no rows loaded/m);
  // lme4's fit of the 842 rows (test/fixtures/duckdb/collapse.json; make.R)
  const want = JSON.parse(readFileSync(join(root, 'test/fixtures/duckdb/collapse.json'), 'utf8')).cbpp_bernoulli;
  const fit = JSON.parse(r.out).b;
  assert.equal(fit.nobs, 842);
  close(fit.logLik, want.logLik, 1e-5, 'logLik');
  close(fit.fixef['factor(period)2'], want.fixef['factor(period)2'], 1e-3, 'factor(period)2');
});

test('a CSV read through the embedded DuckDB takes NaN, NA and empty fields as missing, as the built-in reader does', async () => {
  const text = 'y,g,x\n1,a,0.5\n2,NaN,NaN\n3,b,\n4,NA,1.5\n5,,2\n6,a,NA\n';
  writeFileSync(join(tmp, 'nan.csv'), text);
  const doc = parseMlm('data: nan.csv\nengine: duckdb\nmodel m:\n  formula: y ~ x + (1 | g)\n');
  const r = await loadSqlData(doc, { baseDir: tmp });
  assert.deepEqual(r.diagnostics, []);
  const want = readCsv(text, 'nan.csv');
  const g = r.table!.columns.get('g')!;
  const wg = want.columns.get('g')!;
  assert.ok(g.kind === 'text' && wg.kind === 'text');
  assert.deepEqual([g.levels, [...g.codes]], [wg.levels, [...wg.codes]]);
  const x = r.table!.columns.get('x')!;
  const wx = want.columns.get('x')!;
  assert.ok(x.kind === 'numeric' && wx.kind === 'numeric');
  assert.deepEqual([...x.values], [...wx.values]);
});
