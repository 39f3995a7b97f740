/**
 * Side by side with R in one run (when `Rscript` with lme4 and lmerTest is installed; otherwise the
 * module says so and prints our times only). Cases: the speed targets of the engine core —
 *  - InstEval (73,421 rows, ML): our fit alone against lme4's lmer() (target ≤ 0.07×) and our
 *    Satterthwaite df on the fit's model object;
 *  - a Poisson GLMM with an observation-level random effect (grouseticks, a level per row), the
 *    reference grouseticks model, VerbAgg (crossed scalar terms) and a vector-valued Poisson GLMM: our
 *    whole fit (+ Wald tests, R²) against glmer() + summary();
 *  - sleepstudy and Penicillin: fit + Satterthwaite + R² against lmerTest::lmer() + summary();
 *  - the first fit in a fresh process (reference cases above 1,000 rows) against a fresh Rscript's first
 *    lmer()/glmer() (target ≤ 1.0×): `npm run bench -- rside first`.
 * Warm: each case is fitted once untimed, then the median of a few runs. R runs its cases the same way
 * (one untimed fit, then the median of system.time). Run alone: npm run bench -- rside
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareModels } from '../engine/src/frame/prepare';
import { fitMixedModel } from '../engine/src/fit';
import { LinearMixedModel } from '../engine/src/lmm/model';
import { satterthwaite } from '../engine/src/inference/satterthwaite';
import type { ModelFrame } from '../engine/src/frame/types';

const root = join(__dirname, '..');
const dataDir = join(root, 'test/fixtures/reference/data');

interface Case {
  name: string;
  data: string;
  formula: string;
  family: 'gaussian' | 'poisson' | 'binomial';
  REML: boolean;
  /** R's expression for the data frame's preparation (factors as the reference fits have them) */
  rPrep: string;
  reps: number;
  /** time R's lmerTest::lmer + summary (Satterthwaite); off for InstEval (minutes in R) */
  rSameWork: boolean;
}

const CASES: Case[] = [
  {
    name: 'insteval_ml',
    data: 'InstEval.csv',
    formula: 'y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept:service)',
    family: 'gaussian',
    REML: false,
    rPrep: 'for (v in c("s","d","dept","service","studage","lectage")) d[[v]] <- factor(d[[v]])',
    reps: 3,
    rSameWork: false,
  },
  {
    name: 'grouseticks_olre',
    data: 'grouseticks.csv',
    formula: 'TICKS ~ factor(YEAR) + cHEIGHT + (1 | INDEX) + (1 | BROOD) + (1 | LOCATION)',
    family: 'poisson',
    REML: false,
    rPrep: 'for (v in c("INDEX","BROOD","LOCATION")) d[[v]] <- factor(d[[v]])',
    reps: 5,
    rSameWork: true,
  },
  {
    name: 'grouseticks_poisson',
    data: 'grouseticks.csv',
    formula: 'TICKS ~ factor(YEAR) + cHEIGHT + (1 | BROOD) + (1 | LOCATION)',
    family: 'poisson',
    REML: false,
    rPrep: 'for (v in c("INDEX","BROOD","LOCATION")) d[[v]] <- factor(d[[v]])',
    reps: 5,
    rSameWork: true,
  },
  {
    name: 'verbagg_binomial',
    data: 'VerbAgg.csv',
    formula: 'r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)',
    family: 'binomial',
    REML: false,
    rPrep: 'for (v in names(d)) if (is.character(d[[v]])) d[[v]] <- factor(d[[v]])',
    reps: 3,
    rSameWork: true,
  },
  {
    // a vector-valued term (singular: the slope's correlation goes to -1, in lme4 as here)
    name: 'grouseticks_vector',
    data: 'grouseticks.csv',
    formula: 'TICKS ~ factor(YEAR) + cHEIGHT + (1 + cHEIGHT | LOCATION) + (1 | BROOD)',
    family: 'poisson',
    REML: false,
    rPrep: 'for (v in c("INDEX","BROOD","LOCATION")) d[[v]] <- factor(d[[v]])',
    reps: 5,
    rSameWork: true,
  },
  {
    name: 'sleepstudy_full',
    data: 'sleepstudy.csv',
    formula: 'Reaction ~ Days + (Days | Subject)',
    family: 'gaussian',
    REML: true,
    rPrep: 'd$Subject <- factor(d$Subject)',
    reps: 7,
    rSameWork: true,
  },
  {
    name: 'penicillin_crossed',
    data: 'Penicillin.csv',
    formula: 'diameter ~ 1 + (1 | plate) + (1 | sample)',
    family: 'gaussian',
    REML: true,
    rPrep: 'd$plate <- factor(d$plate); d$sample <- factor(d$sample)',
    reps: 7,
    rSameWork: true,
  },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = Math.floor(s.length / 2);
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

function frameOf(c: Case): ModelFrame {
  const text = [`data: ${c.data}`, '', `model m:`, `  formula: ${c.formula}`, `  family: ${c.family}`, ...(c.family === 'gaussian' ? [`  method: ${c.REML ? 'REML' : 'ML'}`] : [])].join('\n') + '\n';
  const prep = prepareModels(text, (rel) => readFileSync(join(dataDir, rel), 'utf8'));
  const m = prep.models[0];
  if (!m?.frame) throw new Error(`${c.name}: no frame (${m?.error?.message ?? m?.diagnostics.map((d) => d.message).join('; ')})`);
  return m.frame;
}

async function timeIt(reps: number, f: () => Promise<unknown>): Promise<number> {
  await f();
  const t: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await f();
    t.push((performance.now() - t0) / 1000);
  }
  return median(t);
}

/** R's medians: fit alone (lmer/glmer) and the same work (lmerTest::lmer + summary; glmer + summary). */
function rTimes(c: Case): { fit: number; same: number | null } | null {
  const which = spawnSync('Rscript', ['--version'], { encoding: 'utf8' });
  if (which.error || which.status !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), 'mlm-rbench-'));
  const script = join(dir, 'b.R');
  const fitCall = c.family === 'gaussian' ? `lme4::lmer(${c.formula}, data = d, REML = ${c.REML ? 'TRUE' : 'FALSE'})` : `lme4::glmer(${c.formula}, data = d, family = ${c.family})`;
  const sameCall = c.family === 'gaussian' ? `summary(lmerTest::lmer(${c.formula}, data = d, REML = ${c.REML ? 'TRUE' : 'FALSE'}))` : `summary(${fitCall})`;
  const reps = c.name === 'insteval_ml' ? 1 : c.reps;
  writeFileSync(
    script,
    [
      'suppressMessages({library(lme4); library(lmerTest)})',
      `d <- read.csv(${JSON.stringify(join(dataDir, c.data))})`,
      c.rPrep,
      `tm <- function(expr, n) { invisible(eval(expr)); median(sapply(seq_len(n), function(i) system.time(eval(expr))[["elapsed"]])) }`,
      `f <- suppressWarnings(tm(quote(${fitCall}), ${reps}))`,
      c.rSameWork ? `s <- suppressWarnings(tm(quote(${sameCall}), ${reps}))` : 's <- NA',
      'cat(f, s, "\\n")',
    ].join('\n'),
  );
  const r = spawnSync('Rscript', [script], { encoding: 'utf8', timeout: 600_000 });
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`R failed for ${c.name}: ${r.stderr}`);
  const [f, s] = r.stdout.trim().split(/\s+/).map(Number);
  return { fit: f, same: Number.isFinite(s) ? s : null };
}

/**
 * First fit in a fresh process, for every reference case above 1,000 rows: a child node process builds
 * the model frame and fits once (bench/firstfit.child.ts, data read untimed), against a fresh Rscript
 * timing its first lmer()/glmer() call after library(lme4) and read.csv. The child runs twice: through
 * tsx (as the other benches) and as an esbuild bundle built with the product's options (scripts/build.mjs:
 * what the CLI and the language server run; tsx adds esbuild's keepNames wrappers and loads each module
 * through its loader).
 */
const FIRST_FIT_RPREP: Record<string, string> = { insteval_ml: CASES[0].rPrep };
function firstFitCases(): { name: string; rPrep: string }[] {
  const dir = join(root, 'test/fixtures/reference/fits');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ name: f.slice(0, -5), ref: JSON.parse(readFileSync(join(dir, f), 'utf8')) as { nobs: number } }))
    .filter((c) => c.ref.nobs > 1000)
    .map((c) => ({ name: c.name, rPrep: FIRST_FIT_RPREP[c.name] ?? '' }));
}

function firstFitR(name: string, rPrep: string): { seconds: number; cpuSeconds: number } | null {
  const ref = JSON.parse(readFileSync(join(root, 'test/fixtures/reference/fits', `${name}.json`), 'utf8')) as { data: string; formula: string; family: string; REML: boolean };
  const dir = mkdtempSync(join(tmpdir(), 'mlm-rfirst-'));
  const script = join(dir, 'f.R');
  const call = ref.family === 'gaussian' ? `lmer(${ref.formula}, data = d, REML = ${ref.REML ? 'TRUE' : 'FALSE'})` : `glmer(${ref.formula}, data = d, family = ${ref.family})`;
  writeFileSync(
    script,
    [
      'suppressMessages(library(lme4))',
      `d <- read.csv(${JSON.stringify(join(dataDir, ref.data))})`,
      'for (v in names(d)) if (is.character(d[[v]])) d[[v]] <- factor(d[[v]])',
      rPrep,
      `tm <- suppressWarnings(system.time(${call}))`,
      'cat(tm[["elapsed"]], tm[["user.self"]] + tm[["sys.self"]], "\\n")',
    ].join('\n'),
  );
  const r = spawnSync('Rscript', [script], { encoding: 'utf8', timeout: 600_000 });
  rmSync(dir, { recursive: true, force: true });
  if (r.error || r.status !== 0) return null;
  const [seconds, cpuSeconds] = r.stdout.trim().split(/\s+/).map(Number);
  return { seconds, cpuSeconds };
}

/** The child as the product ships code: one esbuild bundle (scripts/build.mjs's node options), in a temporary folder. */
async function bundleChild(): Promise<{ file: string; dir: string }> {
  const { build } = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'mlm-firstfit-'));
  const file = join(dir, 'firstfit.cjs');
  await build({ absWorkingDir: root, entryPoints: [join(__dirname, 'firstfit.child.ts')], outfile: file, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' });
  return { file, dir };
}

function firstFitOurs(name: string, bundle?: string): { seconds: number; cpuSeconds: number } {
  const args = bundle ? [bundle, name] : ['--import', 'tsx', join(__dirname, 'firstfit.child.ts'), name];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: root, timeout: 600_000, env: { ...process.env, MLM_ROOT: root } });
  if (r.status !== 0) throw new Error(`first fit of ${name} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { seconds: number; cpuSeconds: number };
}

export async function run(): Promise<unknown[]> {
  const filter = process.argv.slice(2).find((a) => !a.startsWith('-') && a !== 'rside');
  const firstCases = firstFitCases().filter((c) => !filter || `first ${c.name}`.includes(filter));
  const bundled = firstCases.length > 0 ? await bundleChild() : null;
  try {
    for (const c of firstCases) {
      // ours (tsx), R, ours (bundle): alternated so that a change of load touches both sides
      const ours = firstFitOurs(c.name);
      const r = firstFitR(c.name, c.rPrep);
      const oursBundle = firstFitOurs(c.name, bundled!.file);
      const ratio = (x: number, y: number | undefined): number | null => (y ? +(x / y).toFixed(3) : null);
      // wall time (the target) and CPU time (ours: every thread; R: user + system), which a busy machine disturbs less
      console.log(
        `  ${JSON.stringify({
          case: `first fit, fresh process: ${c.name}`,
          ours: ours.seconds,
          oursBundle: oursBundle.seconds,
          R: r?.seconds ?? 'Rscript not found',
          ratio: ratio(ours.seconds, r?.seconds),
          ratioBundle: ratio(oursBundle.seconds, r?.seconds),
          cpu: { ours: ours.cpuSeconds, oursBundle: oursBundle.cpuSeconds, R: r?.cpuSeconds ?? null, ratio: ratio(ours.cpuSeconds, r?.cpuSeconds), ratioBundle: ratio(oursBundle.cpuSeconds, r?.cpuSeconds) },
          loadavg: +loadavg()[0].toFixed(2),
        })}`,
      );
    }
  } finally {
    if (bundled) rmSync(bundled.dir, { recursive: true, force: true });
  }
  for (const c of CASES) {
    if (filter && !c.name.includes(filter)) continue;
    const frame = frameOf(c);
    const spec = { id: c.name, REML: c.REML, nAGQ: 1 };
    // our fit alone (lmer's work: the optimum and lme4's checks) and the same work as R's summary
    // (the whole pipeline first: it also warms up the code the fit alone runs)
    let last: Awaited<ReturnType<typeof fitMixedModel>> | null = null;
    const same = await timeIt(c.reps, async () => (last = await fitMixedModel(frame, spec, { yieldEveryMs: 0 })));
    const fitAlone = c.family === 'gaussian' ? await timeIt(c.reps, () => new LinearMixedModel(frame, { REML: c.REML }).fit({ yieldEveryMs: 0 })) : null;
    let satt: number | null = null;
    if (c.name === 'insteval_ml') {
      // on a model object of its own: the fit's object keeps the ingredients its tests computed
      const m = new LinearMixedModel(frame, { REML: c.REML });
      const result = await m.fit({ yieldEveryMs: 0 });
      const t0 = performance.now();
      await satterthwaite(m, result);
      satt = (performance.now() - t0) / 1000;
    }
    const r = rTimes(c);
    const row: Record<string, unknown> = { case: c.name, ours: { fitAlone, fitTestsR2: same, satterthwaite: satt } };
    if (r) {
      row.R = r;
      row.ratio = {
        fitAloneVsLme4: fitAlone !== null ? +(fitAlone / r.fit).toFixed(3) : null,
        sameWork: r.same ? +(same / r.same).toFixed(3) : +(same / r.fit).toFixed(3),
        satterthwaiteVsLme4Fit: satt !== null ? +(satt / r.fit).toFixed(3) : null,
      };
    } else row.R = 'Rscript not found: our times only';
    // printed as each case finishes (R's InstEval fit takes a while)
    console.log(`  ${JSON.stringify(row)}`);
  }
  return [];
}
