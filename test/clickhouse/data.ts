/**
 * Fixture rows for the clickhouse group, loaded into a two-shard cluster (cluster.ts) as Distributed tables,
 * and the same rows as CSV text for the in-memory fit they are compared with.
 * - `sleepstudy`: lme4's sleepstudy (test/fixtures/reference/data/sleepstudy.csv), Days as UInt8 so that
 *   its sums arrive as 64-bit integers;
 * - `crossed`: a seeded simulation y = 2 + 0.5 x + a[g1] + b[g2] + e with two crossed factors
 *   (g1: 500 levels, g2: 40), generated here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../engine/src/inference/rng';
import type { ClickHouseCluster } from './cluster';

const ROOT = process.env.MLM_ROOT ?? join(import.meta.dirname, '..', '..');

export interface LoadedTable {
  /** The Distributed table, `default.NAME`. */
  table: string;
  /** The rows as CSV (header first), for the in-memory fit. */
  csv: string;
  rows: number;
}

/** Reads a small CSV of the reference data (quoted strings, numbers) into rows of strings. */
function csvRows(text: string): { header: string[]; rows: string[][] } {
  const lines = text.trim().split(/\r?\n/);
  const split = (l: string) => l.split(',').map((f) => f.replace(/^"(.*)"$/, '$1'));
  return { header: split(lines[0]), rows: lines.slice(1).map(split) };
}

export async function loadSleepstudy(cluster: ClickHouseCluster): Promise<LoadedTable> {
  const csv = readFileSync(join(ROOT, 'test/fixtures/reference/data/sleepstudy.csv'), 'utf8');
  const { header, rows } = csvRows(csv);
  if (header.join() !== 'Reaction,Days,Subject') throw new Error(`unexpected sleepstudy columns: ${header.join()}`);
  await cluster.createDistributed('sleepstudy', 'sleepstudy_local', 'Reaction Float64, Days UInt8, Subject String', 'Subject');
  await cluster.insertTsv('sleepstudy', rows.map((r) => r.join('\t')).join('\n') + '\n');
  return { table: 'default.sleepstudy', csv, rows: rows.length };
}

/** y = 2 + 0.5 x + a[g1] + b[g2] + e, a ~ N(0, 0.8²), b ~ N(0, 0.5²), e ~ N(0, 1); x ~ N(3, 1) (a non-zero mean). */
export function crossedRows(n: number, seed = 20261203, l1 = 500, l2 = 40): string[][] {
  const rng = new Rng(seed);
  const a = Array.from({ length: l1 }, () => 0.8 * rng.normal());
  const b = Array.from({ length: l2 }, () => 0.5 * rng.normal());
  const rows: string[][] = [];
  for (let i = 0; i < n; i++) {
    const i1 = Math.floor(rng.uniform() * l1);
    const i2 = Math.floor(rng.uniform() * l2);
    const x = 3 + rng.normal();
    const y = 2 + 0.5 * x + a[i1] + b[i2] + rng.normal();
    // 12 significant digits: the same decimal text goes to ClickHouse and to the CSV reader
    rows.push([y.toPrecision(12), x.toPrecision(12), `s${i1 + 1}`, `t${i2 + 1}`]);
  }
  return rows;
}

export async function loadCrossed(cluster: ClickHouseCluster, n = 100_000): Promise<LoadedTable> {
  const rows = crossedRows(n);
  await cluster.createDistributed('crossed', 'crossed_local', 'y Float64, x Float64, g1 String, g2 String', 'g1');
  await cluster.insertTsv('crossed', rows.map((r) => r.join('\t')).join('\n') + '\n');
  const csv = 'y,x,g1,g2\n' + rows.map((r) => r.join(',')).join('\n') + '\n';
  return { table: 'default.crossed', csv, rows: n };
}
