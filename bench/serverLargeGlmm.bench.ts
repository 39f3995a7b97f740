/**
 * Language-server latency while a large GLMM is fitted: a generated binomial CSV of MLM_BENCH_GLMM_ROWS rows (default
 * 1,000,000) with y ~ x + (1 | g); meanwhile a hover on another, healthy document is sent every 50 ms. glmer's PIRLS
 * (every deviance evaluation) yields between slices of rows (engine/src/glmm/model.ts pirlsSteps). Reports the hover
 * latency quantiles during the fit, the fit's wall time and the load average at its start and end.
 * Target: every hover answered within 200 ms.
 *
 * Run alone: node --import tsx bench/serverLargeGlmm.bench.ts   (or through bench/run.ts)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, LspClient, makeWorkspace, positionOf, root } from '../test/server/lspClient';
import { quantile } from './serverLargeCsv.bench';

function writeCsv(path: string, rows: number): void {
  const lines = ['y,x,g'];
  let s = 11;
  const r = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff), s / 0x7fffffff);
  const effect = Array.from({ length: 1000 }, () => r() - 0.5);
  for (let i = 0; i < rows; i++) {
    const g = Math.floor(r() * 1000);
    const x = r() * 2 - 1;
    const p = 1 / (1 + Math.exp(-(-0.3 + 0.8 * x + effect[g])));
    lines.push(`${r() < p ? 1 : 0},${x.toFixed(4)},g${g}`);
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

export async function run(): Promise<Record<string, unknown>[]> {
  ensureBuilt();
  const rows = Number(process.env.MLM_BENCH_GLMM_ROWS ?? 1_000_000);
  const ws = makeWorkspace();
  const client = new LspClient(ws);
  try {
    writeCsv(join(ws.dir, 'large.csv'), rows);
    ws.write('sleepstudy.csv', readFileSync(join(root, 'examples', 'sleepstudy.csv'), 'utf8'));
    await client.initialize();
    const healthy = 'data: sleepstudy.csv\nmodel b:\n  formula: Reaction ~ Days + (1 | Subject)\n';
    const healthyUri = ws.write('healthy.mlm', healthy);
    await client.open(healthyUri, healthy);
    const big = 'data: large.csv\nmodel a:\n  formula: y ~ x + (1 | g)\n  family: binomial\n';
    const bigUri = ws.write('large.mlm', big);
    await client.open(bigUri, big);
    const latencies: number[] = [];
    let fitted = 0;
    const load0 = loadavg()[0];
    const f0 = performance.now();
    const fit = client.request('mlm/fit', { uri: bigUri }).then(() => (fitted = performance.now() - f0));
    while (!fitted) {
      const h0 = performance.now();
      await client.request('textDocument/hover', { textDocument: { uri: healthyUri }, position: positionOf(healthy, 'Days') });
      latencies.push(performance.now() - h0);
      await new Promise((res) => setTimeout(res, 50));
    }
    await fit;
    return [
      {
        name: `server: hover on a healthy document while a binomial GLMM of ${rows} rows is fitted`,
        hovers: latencies.length,
        p50Ms: Number(quantile(latencies, 0.5).toFixed(1)),
        p95Ms: Number(quantile(latencies, 0.95).toFixed(1)),
        maxMs: Number(Math.max(...latencies).toFixed(1)),
        fitMs: Math.round(fitted),
        loadAverage: [load0, loadavg()[0]].map((x) => Number(x.toFixed(1))),
        ok: Math.max(...latencies) < 200,
      },
    ];
  } finally {
    await client.dispose();
    ws.dispose();
  }
}

export default run;

if (process.argv[1] && process.argv[1].endsWith('serverLargeGlmm.bench.ts')) {
  run().then((rows) => console.log(rows));
}
