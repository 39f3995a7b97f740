/**
 * GLMM fitting speed on the non-gaussian reference cases (glmer's cases), compared with lme4's own
 * median time from each reference fit. Each case is built through the engine's pipeline
 * (.mlm text + CSV -> prepareModels -> frame) once; the fit (fitModel -> fitGlmm) is timed.
 * Targets: VerbAgg (Laplace) under 0.6 s; every case under lme4's time.
 *
 * Run alone: node --import tsx bench/glmm.bench.ts (prints each target as ok or SLOW), or through
 * bench/run.ts with the other benchmarks: npm run bench -- glmm  (or -- verbagg for one case).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareModels } from '../engine/src/frame/prepare';
import { fitModel } from '../engine/src/fit';
import type { BenchCase } from './run';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const refDir = join(root, 'test/fixtures/reference');

export interface GlmmBenchRow {
  name: string;
  samples: number;
  medianSeconds: number;
  minSeconds: number;
  /** median process CPU time of one fit (less sensitive than wall time to other load on the machine) */
  cpuSeconds: number;
  lme4Seconds: number;
  targetSeconds: number;
  ok: boolean;
}

const CASES: { name: string; target?: number }[] = [
  { name: 'rats_laplace' },
  { name: 'rats_agq25' },
  { name: 'cbpp_binomial' },
  { name: 'cbpp_agq9' },
  { name: 'grouseticks_poisson' },
  { name: 'verbagg_binomial', target: 0.6 },
];

function mlmText(ref: Record<string, unknown>): string {
  const fam = ref.family === 'binomial' && ref.link !== 'logit' ? `binomial(${ref.link})` : String(ref.family);
  const lines = [`data: ${ref.data}`, '', `model ${ref.id}:`, `  formula: ${ref.formula}`, `  family: ${fam}`];
  if (ref.nAGQ !== 1) lines.push(`  nAGQ: ${ref.nAGQ}`);
  return lines.join('\n') + '\n';
}

function readFit(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(refDir, 'fits', `${name}.json`), 'utf8')) as Record<string, unknown>;
}

/** The frame and fit spec of a reference case (built once, outside the timing). */
function prepareCase(name: string) {
  const ref = readFit(name);
  const prep = prepareModels(mlmText(ref), (rel) => readFileSync(join(refDir, 'data', rel), 'utf8'));
  const model = prep.models[0];
  if (!model?.frame) throw new Error(`no frame for ${name}: ${model?.error?.message ?? ''}`);
  return { ref, frame: model.frame, spec: { id: name, REML: false, nAGQ: Number(ref.nAGQ) } };
}

/** The cases for `npm run bench` (bench/run.ts), so that `npm run bench -- verbagg` selects one. */
export const cases: BenchCase[] = CASES.map((c) => {
  let prepared: ReturnType<typeof prepareCase> | null = null;
  return {
    name: `glmm ${c.name}`,
    lme4Seconds: Number(readFit(c.name).lme4_seconds_median),
    async setup() {
      prepared = prepareCase(c.name);
      await fitModel(prepared.frame, prepared.spec, { yieldEveryMs: 0 }); // warm-up (JIT)
    },
    async run() {
      await fitModel(prepared!.frame, prepared!.spec, { yieldEveryMs: 0 });
    },
  };
});

export async function run(options: { samples?: number } = {}): Promise<GlmmBenchRow[]> {
  const samples = options.samples ?? 5;
  const rows: GlmmBenchRow[] = [];
  for (const c of CASES) {
    const { ref, frame, spec } = prepareCase(c.name);
    await fitModel(frame, spec, { yieldEveryMs: 0 }); // warm-up (JIT)
    const times: number[] = [];
    const cpu: number[] = [];
    for (let s = 0; s < samples; s++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await fitModel(frame, spec, { yieldEveryMs: 0 });
      times.push((performance.now() - t0) / 1000);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1e6);
    }
    times.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    const lme4 = Number(ref.lme4_seconds_median);
    const target = Math.min(c.target ?? Infinity, lme4);
    const median = times[Math.floor(times.length / 2)];
    rows.push({ name: c.name, samples, medianSeconds: median, minSeconds: times[0], cpuSeconds: cpu[Math.floor(cpu.length / 2)], lme4Seconds: lme4, targetSeconds: target, ok: median < target });
  }
  return rows;
}

export default run;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  run().then((rows) => {
    for (const r of rows) {
      console.log(
        `${r.ok ? 'ok  ' : 'SLOW'} glmm ${r.name.padEnd(22)} median ${r.medianSeconds.toFixed(3)} s  min ${r.minSeconds.toFixed(3)} s  cpu ${r.cpuSeconds.toFixed(3)} s  (lme4 ${r.lme4Seconds.toFixed(3)} s, target < ${r.targetSeconds.toFixed(3)} s)`,
      );
    }
  });
}
