/**
 * CSV in VS Code for the web: the built-in reader against duckdb-wasm (issue 17), in node with duckdb-wasm's blocking
 * node build (the same wasm the web worker runs). Generated, seeded CSVs of 10k, 100k and 1M rows × 6 columns
 * (MLM_WEBCSV_ROWS=1e4,1e5 to choose) under /tmp/mlm-bench-data/webcsv (deleted afterwards):
 *   - built-in: the bytes decoded (decodeText) and read by readCsv, every column (what the web server does today);
 *   - duckdb-wasm: the bytes through base64 and back (mlm/readFile's transport), registered, read by readCsvSql,
 *     every column and only 3 of 6 (a model's columns);
 *   - duckdb-wasm's load (compile and instantiate the wasm, open), once per worker, and the first read after it
 *     (3 of 6 columns of the largest file: the wasm's code is still cold then).
 * Wall and CPU seconds (process.cpuUsage: the wasm runs in this thread) of the median of 3 runs; the load average.
 * Run alone: node --import tsx bench/webCsv.bench.ts
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { base64ToBytes, bytesToBase64, csvLineCount, decodeText, readCsv, readCsvSql } from '../engine/src/index';
import { DuckDbWasmRunner } from '../server/src/web/duckdbRunner';
import { nodeDuckDb } from '../test/server/duckdbWasmNode';

const DIR = '/tmp/mlm-bench-data/webcsv';

/** y, x (numbers), d (integers), g (1,000 levels), h (50 levels), b (TRUE/FALSE). */
function csvOf(rows: number): Uint8Array {
  let s = 7;
  const r = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff), s / 0x7fffffff);
  const parts: string[] = ['y,x,d,g,h,b\n'];
  for (let i = 0; i < rows; i++) {
    parts.push(`${(r() * 100).toFixed(4)},${(r() - 0.5).toFixed(6)},${Math.floor(r() * 30)},g${Math.floor(r() * 1000)},h${Math.floor(r() * 50)},${r() < 0.5 ? 'TRUE' : 'FALSE'}\n`);
  }
  return new TextEncoder().encode(parts.join(''));
}

interface Timed {
  wall: number;
  cpu: number;
}

async function timed(f: () => Promise<unknown> | unknown, repeats = 3): Promise<Timed> {
  const runs: Timed[] = [];
  for (let k = 0; k < repeats; k++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await f();
    const c = process.cpuUsage(c0);
    runs.push({ wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 });
  }
  runs.sort((a, b) => a.cpu - b.cpu);
  const m = runs[Math.floor(runs.length / 2)];
  return { wall: Number(m.wall.toFixed(3)), cpu: Number(m.cpu.toFixed(3)) };
}

export async function run(): Promise<Record<string, unknown>[]> {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const out: Record<string, unknown>[] = [];
  try {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const runner = new DuckDbWasmRunner(await nodeDuckDb());
    const c = process.cpuUsage(c0);
    out.push({ case: 'duckdb-wasm load', wall: Number(((performance.now() - t0) / 1000).toFixed(3)), cpu: Number(((c.user + c.system) / 1e6).toFixed(3)), loadavg: loadavg()[0].toFixed(2) });
    const sizes = (process.env.MLM_WEBCSV_ROWS ?? '1e4,1e5,1e6').split(',').map(Number);
    const read = async (db: DuckDbWasmRunner, bytes: Uint8Array, pick: (n: string[]) => string[]) => {
      const b = base64ToBytes(bytesToBase64(bytes))!;
      db.registerFile('bench.csv', b);
      try {
        const r = await readCsvSql(db, { file: 'bench.csv', head: decodeText(b.subarray(0, 1 << 16)), lines: csvLineCount(b) }, 'data.csv', pick);
        if (!('table' in r)) throw new Error(`declined: ${r.declined}`);
      } finally {
        db.dropFile('bench.csv');
      }
    };
    const three = (n: string[]) => n.filter((x) => ['y', 'x', 'g'].includes(x));
    {
      const bytes = csvOf(Math.max(...sizes));
      const cold = new DuckDbWasmRunner(await nodeDuckDb());
      const first = await timed(() => read(cold, bytes, three), 1);
      await cold.close();
      out.push({ case: 'first read after the load (3 of 6 columns)', rows: Math.max(...sizes), ...first, loadavg: loadavg()[0].toFixed(2) });
    }
    for (const rows of sizes) {
      const bytes = csvOf(rows);
      writeFileSync(join(DIR, `rows-${rows}.csv`), bytes); // as a user's file would be; read back from memory below
      const mb = Number((bytes.length / 2 ** 20).toFixed(1));
      const builtin = await timed(() => readCsv(decodeText(bytes), 'data.csv'));
      const all = await timed(() => read(runner, bytes, (n) => n));
      const some = await timed(() => read(runner, bytes, three));
      out.push({ rows, mb, builtin, duckdbAll: all, duckdbThreeColumns: some, loadavg: loadavg()[0].toFixed(2) });
    }
    await runner.close();
  } finally {
    rmSync(DIR, { recursive: true, force: true });
  }
  return out;
}

if (require.main === module) run().then((r) => r.forEach((x) => console.log(JSON.stringify(x))));
