/**
 * Fits from a Distributed table on a two-shard ClickHouse cluster (one aggregation query per model, run on
 * both shards; only the cross-product blocks come back) against lme4's reference fit and the in-memory fit
 * of the same rows; bad input (unreachable server, wrong table, wrong column) as located errors.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, startCluster, type ClickHouseCluster } from './cluster';
import { loadCrossed, loadSleepstudy, type LoadedTable } from './data';
import { clickHouseSource, parseClickHouseUrl } from '../../engine/src/sql/clickhouse';
import { fitFromSql } from '../../engine/src/sql/index';
import { locateSqlDiagnostic } from '../../engine/src/sql/locate';
import { parseMlm } from '../../engine/src/mlmfile/parse';
import { MlmError } from '../../engine/src/diagnostics';
import { assertSameFit, fitInMemory } from './samefit';
import { GAUSSIAN_TOLERANCES, compareFit, loadReference } from '../conformance/harness';

let cluster: ClickHouseCluster;
let sleep: LoadedTable;
let crossed: LoadedTable;
let crossedG: LoadedTable;

before(async () => {
  cluster = await startCluster();
  sleep = await loadSleepstudy(cluster);
  crossed = await loadCrossed(cluster, 100_000);
  crossedG = await loadCrossed(cluster, 2_000, ['g1', 'g2'], 'crossed_g');
});

after(async () => {
  await cluster?.stop();
});

const url = (table: string) => `clickhouse://127.0.0.1:${cluster.httpPorts[0]}/${table}`;

function mlm(data: string, formula: string, method = 'REML'): string {
  return `data: ${data}\n\nmodel m:\n  formula: ${formula}\n  method: ${method}\n`;
}

async function fitClickHouse(text: string) {
  const doc = parseMlm(text);
  assert.deepEqual(doc.diagnostics, []);
  const parsed = parseClickHouseUrl(doc.data!.value);
  if ('problem' in parsed) assert.fail(parsed.problem.message);
  return fitFromSql(clickHouseSource(parsed.location, doc.data!.value), doc, doc.models[0], { residualSample: 0 });
}

test('the rows of each table are spread over both shards', async () => {
  for (const [local, n] of [
    ['sleepstudy_local', sleep.rows],
    ['crossed_local', crossed.rows],
    ['crossed_g_local', crossedG.rows],
  ] as const) {
    const [a, b] = await cluster.shardCounts(local);
    assert.equal(a + b, n);
    assert.ok(a > 0 && b > 0, `${local}: ${a} + ${b}`);
  }
});

for (const [id, method] of [
  ['sleepstudy_full', 'REML'],
  ['sleepstudy_full_ml', 'ML'],
] as const) {
  test(`${id}: Reaction ~ Days + (Days | Subject) from the Distributed table matches lme4 and the in-memory fit`, async () => {
    const ref = loadReference(id);
    const text = mlm(url(sleep.table), ref.formula, method);
    const { result } = await fitClickHouse(text);
    const cmp = compareFit(result, ref, GAUSSIAN_TOLERANCES);
    assert.ok(cmp.ok, cmp.failures.join("\n"));
    assertSameFit(result, await fitInMemory(mlm('sleepstudy.csv', ref.formula, method), sleep.csv));
  });
}

test('crossed y ~ x + (1 | subject) + (1 | item), 100,000 rows over two shards: the same fit as in memory', async () => {
  const formula = 'y ~ x + (1 | subject) + (1 | item)';
  const { result } = await fitClickHouse(mlm(url(crossed.table), formula, 'ML'));
  const mem = await fitInMemory(mlm('crossed.csv', formula, 'ML'), crossed.csv);
  assertSameFit(result, mem);
  assert.equal(result.nobs, 100_000);
  assert.deepEqual(result.ngrps, mem.ngrps);
});

// ClickHouse resolves a SELECT alias before a column of the same name: the blocks query's output names (g0, g1, n, …) must not capture them
test("crossed factors named g1 and g2 (the names of the blocks query's output columns): the same fit as in memory", async () => {
  const formula = 'y ~ x + (1 | g1) + (1 | g2)';
  const { result } = await fitClickHouse(mlm(url(crossedG.table), formula, 'ML'));
  assertSameFit(result, await fitInMemory(mlm('crossed.csv', formula, 'ML'), crossedG.csv));
});

async function locatedError(text: string) {
  const doc = parseMlm(text);
  const parsed = parseClickHouseUrl(doc.data!.value);
  if ('problem' in parsed) assert.fail(parsed.problem.message);
  try {
    await fitFromSql(clickHouseSource(parsed.location, doc.data!.value, { connectTimeoutMs: 2000 }), doc, doc.models[0], { residualSample: 0 });
  } catch (e) {
    assert.ok(e instanceof MlmError, String(e));
    return { d: locateSqlDiagnostic(e.diagnostic, doc, doc.models[0]), doc };
  }
  assert.fail('the fit should have failed');
}

test('a wrong table is a located error on the data: line', async () => {
  const { d, doc } = await locatedError(mlm(url('default.no_such_table'), 'Reaction ~ Days + (1 | Subject)'));
  assert.equal(d.code, 'sql-unknown-table');
  assert.match(d.message, /no_such_table/);
  assert.deepEqual(d.range, doc.data!.range);
});

test('a wrong column is a located error on the formula, naming the column', async () => {
  const text = mlm(url(sleep.table), 'Reaction ~ Dayz + (1 | Subject)');
  const { d } = await locatedError(text);
  assert.match(d.code, /unknown-column/);
  assert.match(d.message, /Dayz/);
  const line = text.split('\n')[d.range!.start.line];
  assert.equal(line.slice(d.range!.start.character, d.range!.end.character), 'Dayz');
});

test('an unreachable server is a located error with host:port, and the cluster still answers afterwards', async () => {
  const port = await freePort();
  const { d, doc } = await locatedError(mlm(`clickhouse://127.0.0.1:${port}/default.sleepstudy`, 'Reaction ~ Days + (1 | Subject)'));
  assert.equal(d.code, 'sql-unreachable');
  assert.match(d.message, new RegExp(`127\\.0\\.0\\.1:${port} \\(connection refused`));
  assert.deepEqual(d.range, doc.data!.range);
  const { result } = await fitClickHouse(mlm(url(sleep.table), 'Reaction ~ Days + (1 | Subject)'));
  assert.equal(result.nobs, 180);
});
