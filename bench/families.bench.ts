/**
 * Fitting speed of the families with a dispersion parameter (Gamma, negative binomial) on the
 * glmmTMB reference cases (test/fixtures/reference/families), against glmmTMB's own median time
 * from each file (`glmmTMB_seconds_median`; printed in the "lme4 s" column of `npm run bench`, which
 * holds R's time). Target: every fit faster than glmmTMB's.
 *
 * Run alone: node --import tsx bench/families.bench.ts (prints each case as ok or SLOW), or through
 * bench/run.ts: npm run bench -- families
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareModels } from '../engine/src/frame/prepare';
import { fitModel } from '../engine/src/fit';
import type { BenchCase } from './run';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const refDir = join(root, 'test/fixtures/reference');
const NAMES = readdirSync(join(refDir, 'families'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''))
  .sort();

interface FamilyRef {
  id: string;
  data: string;
  formula: string;
  family: string;
  glmmTMB_seconds_median: number;
}

function readRef(name: string): FamilyRef {
  return JSON.parse(readFileSync(join(refDir, 'families', `${name}.json`), 'utf8')) as FamilyRef;
}

/** glmmTMB's family as the .mlm writes it. */
function mlmFamily(f: string): string {
  if (f === 'nbinom2') return 'negbinomial';
  const m = /^(\w[\w.]*)\(link = "([^"]+)"\)$/.exec(f);
  return m ? `${m[1]}(${m[2]})` : f;
}

function prepareCase(name: string) {
  const ref = readRef(name);
  const text = `data: ${ref.data}\n\nmodel ${ref.id}:\n  formula: ${ref.formula}\n  family: ${mlmFamily(ref.family)}\n`;
  const prep = prepareModels(text, (rel) => readFileSync(join(refDir, 'data', rel), 'utf8'));
  const model = prep.models[0];
  if (!model?.frame) throw new Error(`no frame for ${name}: ${model?.error?.message ?? ''}`);
  return { ref, frame: model.frame, spec: model.spec };
}

export const cases: BenchCase[] = NAMES.map((name) => {
  let prepared: ReturnType<typeof prepareCase> | null = null;
  return {
    name: `families ${name} (R: glmmTMB)`,
    lme4Seconds: readRef(name).glmmTMB_seconds_median,
    async setup() {
      prepared = prepareCase(name);
      await fitModel(prepared.frame, prepared.spec, { yieldEveryMs: 0 }); // warm-up (JIT)
    },
    async run() {
      await fitModel(prepared!.frame, prepared!.spec, { yieldEveryMs: 0 });
    },
  };
});

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  (async () => {
    for (const name of NAMES) {
      const { ref, frame, spec } = prepareCase(name);
      await fitModel(frame, spec, { yieldEveryMs: 0 });
      const times: number[] = [];
      const cpu: number[] = [];
      for (let s = 0; s < 7; s++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await fitModel(frame, spec, { yieldEveryMs: 0 });
        times.push((performance.now() - t0) / 1000);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1e6);
      }
      times.sort((a, b) => a - b);
      cpu.sort((a, b) => a - b);
      const median = times[3];
      const target = ref.glmmTMB_seconds_median;
      console.log(`${median < target ? 'ok  ' : 'SLOW'} families ${name.padEnd(22)} median ${median.toFixed(3)} s  min ${times[0].toFixed(3)} s  cpu ${cpu[3].toFixed(3)} s  (glmmTMB ${target.toFixed(3)} s)`);
    }
  })();
}
