/**
 * `npm run bench`: runs every bench/*.bench.ts module. A module exports
 *   cases: BenchCase[]   ({ name, run(): Promise<void>, lme4Seconds?, repeats?, setup?() })
 * Each case is run `repeats` times (default 5) in this process; the median wall time and the peak
 * memory (rss and heapUsed high-water marks, sampled during the runs) are printed next to lme4's time.
 * Optional filter: `npm run bench -- insteval` runs only cases whose name contains the text.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface BenchCase {
  name: string;
  /** One timed run (e.g. one fit). */
  run(): Promise<void>;
  /** Untimed preparation before the first run (e.g. reading data). */
  setup?(): Promise<void> | void;
  /** lme4's median time for the same work, in seconds, when known. */
  lme4Seconds?: number;
  /** Number of timed runs (default 5). */
  repeats?: number;
}

const dir = __dirname;
const filter = process.argv.slice(2).find((a) => !a.startsWith('-'));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = Math.floor(s.length / 2);
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

async function main(): Promise<void> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort();
  const rows: string[] = [];
  const header = `${'case'.padEnd(36)} ${'median s'.padStart(9)} ${'min s'.padStart(8)} ${'lme4 s'.padStart(8)} ${'ratio'.padStart(6)} ${'peak rss MB'.padStart(11)} ${'peak heap MB'.padStart(12)}`;
  console.log(header);
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as { cases?: BenchCase[]; run?: () => Promise<unknown> };
    if (!mod.cases && typeof mod.run === 'function') {
      // a module with its own runner and report (no cases list)
      if (filter && !f.includes(filter)) continue;
      console.log(`${f}:`);
      const out = await mod.run();
      if (Array.isArray(out)) for (const r of out) console.log(`  ${JSON.stringify(r)}`);
      continue;
    }
    for (const c of mod.cases ?? []) {
      if (filter && !c.name.includes(filter)) continue;
      await c.setup?.();
      let peakRss = 0, peakHeap = 0;
      const sample = (): void => {
        const m = process.memoryUsage();
        peakRss = Math.max(peakRss, m.rss);
        peakHeap = Math.max(peakHeap, m.heapUsed);
      };
      const timer = setInterval(sample, 20);
      const times: number[] = [];
      try {
        for (let r = 0; r < (c.repeats ?? 5); r++) {
          const t0 = performance.now();
          await c.run();
          times.push((performance.now() - t0) / 1000);
          sample();
        }
      } catch (e) {
        clearInterval(timer);
        console.log(`${c.name.padEnd(36)} FAILED: ${(e as Error).message}`);
        continue;
      }
      clearInterval(timer);
      const med = median(times);
      const line = `${c.name.padEnd(36)} ${med.toFixed(3).padStart(9)} ${Math.min(...times).toFixed(3).padStart(8)} ${(c.lme4Seconds?.toFixed(3) ?? '-').padStart(8)} ${(c.lme4Seconds ? (med / c.lme4Seconds).toFixed(2) : '-').padStart(6)} ${(peakRss / 2 ** 20).toFixed(0).padStart(11)} ${(peakHeap / 2 ** 20).toFixed(0).padStart(12)}`;
      console.log(line);
      rows.push(line);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
