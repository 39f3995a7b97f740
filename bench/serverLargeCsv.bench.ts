/**
 * Language-server latency while a large CSV is read: a generated CSV of about MLM_BENCH_CSV_MB megabytes
 * (default 99) is linked by one document; meanwhile a hover on another, healthy document is sent every 50 ms.
 * Reports the hover latency quantiles during the read and the check of the model against the data (its frame is built
 * in slices that yield) and the time until the large document's diagnostics; then the same while the model is fitted.
 * Target: every hover answered within 200 ms.
 *
 * Run alone: node --import tsx bench/serverLargeCsv.bench.ts   (or through bench/run.ts)
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, LspClient, makeWorkspace, positionOf, root } from '../test/server/lspClient';
import { readFileSync } from 'node:fs';

async function writeCsv(path: string, megabytes: number): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  let rows = 0;
  out.write('y,x1,x2,x3,x4,x5,x6,x7,g,h,f\n');
  let s = 7;
  const r = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff), s / 0x7fffffff);
  while (bytes < megabytes * 1e6) {
    const line = `${(r() * 100).toFixed(4)},${r().toFixed(3)},${r().toFixed(3)},${Math.floor(r() * 100)},${(r() * 100).toFixed(2)},${r().toFixed(5)},${(r() * 10).toFixed(1)},${Math.floor(r() * 6)},"g${Math.floor(r() * 1000)}",h${Math.floor(r() * 50)},${r() < 0.5 ? 'a' : 'b'}\n`;
    bytes += line.length;
    rows++;
    if (!out.write(line)) await new Promise<void>((res) => out.once('drain', () => res()));
  }
  await new Promise<void>((res) => out.end(() => res()));
  return rows;
}

export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

export async function run(): Promise<Record<string, unknown>[]> {
  ensureBuilt();
  const megabytes = Number(process.env.MLM_BENCH_CSV_MB ?? 99);
  const ws = makeWorkspace();
  const client = new LspClient(ws);
  try {
    const rows = await writeCsv(join(ws.dir, 'large.csv'), megabytes);
    ws.write('sleepstudy.csv', readFileSync(join(root, 'examples', 'sleepstudy.csv'), 'utf8'));
    await client.initialize();
    const healthy = 'data: sleepstudy.csv\nmodel b:\n  formula: Reaction ~ Days + (1 | Subject)\n';
    const healthyUri = ws.write('healthy.mlm', healthy);
    await client.open(healthyUri, healthy);
    const big = 'data: large.csv\nmodel a:\n  formula: y ~ x1 + f + (1 | g)\n';
    const bigUri = ws.write('large.mlm', big);
    const t0 = performance.now();
    let checkedAt = 0;
    const checked = client.waitDiagnostics(bigUri, () => true, 600000).then(() => (checkedAt = performance.now() - t0));
    await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: bigUri, languageId: 'mlm', version: 1, text: big } });
    const latencies: number[] = [];
    while (!checkedAt) {
      const h0 = performance.now();
      await client.request('textDocument/hover', { textDocument: { uri: healthyUri }, position: positionOf(healthy, 'Days') });
      latencies.push(performance.now() - h0);
      await new Promise((res) => setTimeout(res, 50));
    }
    await checked;
    // the fit of the large model: frame (yields), then the fit and its result
    const fitLatencies: number[] = [];
    let fitted = 0;
    const f0 = performance.now();
    const fit = client.request('mlm/fit', { uri: bigUri }).then(() => (fitted = performance.now() - f0));
    while (!fitted) {
      const h0 = performance.now();
      await client.request('textDocument/hover', { textDocument: { uri: healthyUri }, position: positionOf(healthy, 'Days') });
      fitLatencies.push(performance.now() - h0);
      await new Promise((res) => setTimeout(res, 50));
    }
    await fit;
    return [
      {
        name: `server: hover on a healthy document while a ${megabytes} MB CSV (${rows} rows) is read`,
        hovers: latencies.length,
        p50Ms: Number(quantile(latencies, 0.5).toFixed(1)),
        p95Ms: Number(quantile(latencies, 0.95).toFixed(1)),
        maxMs: Number(Math.max(...latencies).toFixed(1)),
        largeDocumentCheckedMs: Math.round(checkedAt),
        ok: Math.max(...latencies) < 200,
      },
      {
        name: `server: hover on a healthy document while the model of that CSV is fitted`,
        hovers: fitLatencies.length,
        p50Ms: Number(quantile(fitLatencies, 0.5).toFixed(1)),
        p95Ms: Number(quantile(fitLatencies, 0.95).toFixed(1)),
        maxMs: Number(Math.max(...fitLatencies).toFixed(1)),
        fitMs: Math.round(fitted),
        ok: Math.max(...fitLatencies) < 200,
      },
    ];
  } finally {
    await client.dispose();
    ws.dispose();
  }
}

export default run;

if (process.argv[1] && process.argv[1].endsWith('serverLargeCsv.bench.ts')) {
  run().then((rows) => console.log(rows));
}
