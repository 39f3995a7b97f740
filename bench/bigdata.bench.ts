/**
 * Data beyond memory (issue 17), in `npm run bench` (`npm run bench -- bigdata`), never a timed test.
 * Generates seeded data with DuckDB itself under /tmp/mlm-bench-data/bigdata (deleted afterwards):
 *   y = 1 + 0.5 x + u1[g1] + u2[g2] + e, g1: 10,000 levels, g2: 100 levels (crossed), x and e from hashes of
 *   the row number (the same data on every machine and thread count),
 * and runs `mlm fit` as a user does (a child process of dist/cli/mlm.js: wall time, peak RSS of the process):
 *   - 100M rows from Parquet (target ≤ 60 s, ≤ 1 GB peak RSS);
 *   - 10M rows from CSV (target ≤ 20 s);
 *   - 1M-row CSV end to end (target ≤ 3 s), and the same model in memory (`--engine memory`): the deviance
 *     of the two paths must agree within 1e-8 relative.
 * MLM_BIGDATA_ROWS=1e7 (say) scales the largest case down on a small machine.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDbRunner } from '../engine/src/node/index';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli', 'mlm.js');
const DIR = '/tmp/mlm-bench-data/bigdata';
const MODEL = 'model crossed:\n  formula: y ~ x + (1 | g1) + (1 | g2)\n';

/** Deterministic rows 0..n-1 as SQL (hash-based: independent of threads and of DuckDB's random()). */
function rowsSql(n: number): string {
  const unif = (e: string) => `((hash(${e}) % 1000003) / 1000003.0)`;
  return `SELECT g1, g2, x, 1 + 0.5 * x + (${unif('g1 * 31 + 7')} * 2 - 1) + (${unif('g2 * 131 + 3')} * 2 - 1)
      + 2 * (${unif('i * 3 + 1000000007')} + ${unif('i * 3 + 2000000011')} + ${unif('i * 3 + 3000000019')} - 1.5) AS y
    FROM (SELECT i, i % 10000 AS g1, (i * 7919) % 100 AS g2, ${unif('i')} AS x FROM range(${n}) t(i))`;
}

interface Measured {
  wallSeconds: number;
  /** CPU of the process (user + system, every thread: DuckDB's too); on a loaded machine closer to the idle wall time. */
  cpuSeconds: number;
  peakRssMB: number;
  result?: { REMLcrit: number | null; deviance: number | null; nobs: number; dataSource?: string };
  error?: string;
}

/** `mlm fit FILE --json` in a child process; its peak RSS from a preload that reports process.resourceUsage() at exit. */
function mlmFit(file: string, extra: string[] = []): Measured {
  const report = join(DIR, `rss-${process.pid}.json`);
  const preload = join(DIR, 'report-rss.cjs');
  writeFileSync(preload, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify(process.resourceUsage())));\n`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--require', preload, CLI, 'fit', file, '--json', ...extra], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const wallSeconds = (performance.now() - t0) / 1000;
  const usage = existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')) : null;
  const peakRssMB = usage ? usage.maxRSS / 1024 : NaN;
  const cpuSeconds = usage ? (usage.userCPUTime + usage.systemCPUTime) / 1e6 : NaN;
  rmSync(report, { force: true });
  if (r.status !== 0) return { wallSeconds, cpuSeconds, peakRssMB, error: (r.stderr || '').split('\n').slice(-4).join(' ') };
  const fit = Object.values(JSON.parse(r.stdout))[0] as Measured['result'];
  return { wallSeconds, cpuSeconds, peakRssMB, result: fit };
}

export async function run(): Promise<unknown[]> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: npm run build`);
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const big = Number(process.env.MLM_BIGDATA_ROWS ?? 1e8);
  const out: unknown[] = [];
  try {
    out.push({ load: `load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')} on ${(await import('node:os')).availableParallelism()} cores` });
    const gen0 = performance.now();
    const r = await DuckDbRunner.open({ memoryLimit: '2GB' });
    try {
      await r.query(`COPY (${rowsSql(big)}) TO '${DIR}/big.parquet' (FORMAT parquet)`);
      await r.query(`COPY (${rowsSql(1e7)}) TO '${DIR}/10m.csv' (HEADER)`);
      await r.query(`COPY (${rowsSql(1e6)}) TO '${DIR}/1m.csv' (HEADER)`);
    } finally {
      await r.close();
    }
    out.push({ generated: `${big.toExponential(0)} rows Parquet (${(statSync(`${DIR}/big.parquet`).size / 2 ** 30).toFixed(2)} GB), 10M and 1M rows CSV`, seconds: +((performance.now() - gen0) / 1000).toFixed(1) });
    writeFileSync(`${DIR}/big.mlm`, `data: big.parquet\n${MODEL}`);
    writeFileSync(`${DIR}/10m.mlm`, `data: 10m.csv\n${MODEL}`);
    writeFileSync(`${DIR}/1m.mlm`, `data: 1m.csv\nengine: duckdb\n${MODEL}`);

    const row = (name: string, m: Measured, target: string) => ({
      case: name,
      seconds: +m.wallSeconds.toFixed(2),
      cpuSeconds: +m.cpuSeconds.toFixed(2),
      peakRssMB: +m.peakRssMB.toFixed(0),
      target,
      ...(m.error ? { error: m.error } : { REMLcrit: m.result?.REMLcrit, nobs: m.result?.nobs, path: m.result?.dataSource }),
    });
    const b = mlmFit(`${DIR}/big.mlm`);
    out.push(row(`${big.toExponential(0)} rows Parquet, mlm fit`, b, '≤ 60 s, ≤ 1024 MB'));
    rmSync(`${DIR}/big.parquet`, { force: true });
    const c10 = mlmFit(`${DIR}/10m.mlm`);
    out.push(row('10M rows CSV, mlm fit', c10, '≤ 20 s'));
    rmSync(`${DIR}/10m.csv`, { force: true });
    const c1 = mlmFit(`${DIR}/1m.mlm`);
    out.push(row('1M rows CSV, mlm fit (DuckDB)', c1, '≤ 3 s'));
    const mem = mlmFit(`${DIR}/1m.mlm`, ['--engine', 'memory']);
    out.push(row('1M rows CSV, mlm fit --engine memory', mem, 'the same REML criterion'));
    const a = c1.result?.REMLcrit;
    const m = mem.result?.REMLcrit;
    if (a != null && m != null) {
      const rel = Math.abs(a - m) / Math.abs(m);
      out.push({ check: 'REML criterion, DuckDB blocks vs in memory (1M rows)', relative: rel, ok: rel <= 1e-8 });
    }
  } finally {
    rmSync(DIR, { recursive: true, force: true });
  }
  return out;
}
