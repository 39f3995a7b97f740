/**
 * Linear mixed model benchmarks: every gaussian reference fit through the whole pipeline
 * (.mlm + CSV -> frame -> fit with Satterthwaite df and R², what the CLI and the server do),
 * "as lmer()" (model frame + fit, the work lme4's recorded `lmer()` time covers: no read.csv, no
 * lmerTest), the same fits alone ("fit-only", frame built untimed), and a seeded 1,000,000-row
 * model with two crossed factors.
 */
import type { BenchCase } from './run';
import type { ModelFrame, ReTermFrame } from '../engine/src/frame/types';
import { fitLmm } from '../engine/src/lmm/index';
import { fitModel } from '../engine/src/fit';
import { frameFor, loadReference, mlmTextFor, REF_DIR, referenceNames } from '../test/conformance/harness';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCsv } from '../engine/src/data/csv';
import type { DataTable } from '../engine/src/data/types';
import { buildModelFrame } from '../engine/src/frame/modelframe';
import { parseMlm } from '../engine/src/mlmfile/parse';
import type { MlmDocument } from '../engine/src/mlmfile/types';

function referenceCases(): BenchCase[] {
  return referenceNames('gaussian').map((name) => {
    const ref = loadReference(name);
    const heavy = name === 'insteval_ml';
    return {
      name: `lmm ${name}`,
      lme4Seconds: ref.lme4_seconds_median,
      repeats: heavy ? 3 : 7,
      async run() {
        const frame = frameFor(ref);
        const fit = await fitModel(frame, { id: ref.id, REML: ref.REML, nAGQ: 1 }, { yieldEveryMs: 0 });
        if (!Number.isFinite(fit.logLik)) throw new Error('fit failed');
      },
    };
  });
}

/** Seeded simulation: y = 2 + 0.5 x + a[g1] + b[g2] + e, g1 with 10,000 levels, g2 with 100, crossed. */
export function simulatedFrame(n = 1_000_000, l1 = 10_000, l2 = 100, seed = 20240607): ModelFrame {
  let s = seed >>> 0;
  const unif = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => Math.sqrt(-2 * Math.log(unif() + 1e-300)) * Math.cos(2 * Math.PI * unif());
  const a = Float64Array.from({ length: l1 }, () => 0.8 * normal());
  const b = Float64Array.from({ length: l2 }, () => 0.5 * normal());
  const r1 = new Int32Array(n), r2 = new Int32Array(n);
  const X = new Float64Array(2 * n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    r1[i] = Math.floor(unif() * l1);
    r2[i] = Math.floor(unif() * l2);
    const x = normal();
    X[i] = 1;
    X[n + i] = x;
    y[i] = 2 + 0.5 * x + a[r1[i]] + b[r2[i]] + normal();
  }
  const ones = new Float64Array(n).fill(1);
  const term = (group: string, refs: Int32Array, L: number): ReTermFrame => ({
    group, levels: Array.from({ length: L }, (_, j) => String(j + 1)), refs, termNames: ['(Intercept)'], k: 1, Z: ones,
    text: `(1 | ${group})`, fromDoubleBar: false,
  });
  return {
    n, y, responseName: 'y', X, p: 2, coefnames: ['(Intercept)', 'x'], droppedCoefs: [],
    reTerms: [term('g1', r1, l1), term('g2', r2, l2)], offset: null, weights: null,
    rows: Int32Array.from({ length: n }, (_, i) => i), rowsDropped: 0, family: 'gaussian', link: 'identity',
    formula: 'y ~ x + (1 | g1) + (1 | g2)', warnings: [],
  };
}

/**
 * What lme4's `lmer()` time covers: the model frame (formula, model matrices, random-effects terms)
 * and the fit, from data already read (read.csv is outside lme4's timing, and so is lmerTest).
 */
function asLmerCases(): BenchCase[] {
  return referenceNames('gaussian').map((name) => {
    const ref = loadReference(name);
    let doc: MlmDocument | null = null;
    let table: DataTable | null = null;
    return {
      name: `lmm as lmer() ${name}`,
      lme4Seconds: ref.lme4_seconds_median,
      repeats: name === 'insteval_ml' ? 3 : 7,
      setup() {
        doc = parseMlm(mlmTextFor(ref));
        table = readCsv(readFileSync(join(REF_DIR, 'data', ref.data), 'utf8'), ref.data);
      },
      async run() {
        const frame = buildModelFrame(doc!, doc!.models[0], table!);
        const fit = await fitLmm(frame, { REML: ref.REML }, { yieldEveryMs: 0 });
        if (!Number.isFinite(fit.logLik)) throw new Error('fit failed');
      },
    };
  });
}

/** The same fits with the model frame built beforehand (untimed): the engine's fitting time alone. */
function fitOnlyCases(): BenchCase[] {
  return referenceNames('gaussian').map((name) => {
    const ref = loadReference(name);
    let frame: ModelFrame | null = null;
    return {
      name: `lmm fit-only ${name}`,
      lme4Seconds: ref.lme4_seconds_median,
      repeats: name === 'insteval_ml' ? 3 : 7,
      setup() {
        frame = frameFor(ref);
      },
      async run() {
        const fit = await fitLmm(frame!, { REML: ref.REML }, { yieldEveryMs: 0 });
        if (!Number.isFinite(fit.logLik)) throw new Error('fit failed');
      },
    };
  });
}

let sim: ModelFrame | null = null;
const simulated: BenchCase = {
  name: 'lmm simulated 1e6 rows, 10000 x 100',
  repeats: 3,
  setup() {
    sim = simulatedFrame();
  },
  async run() {
    const fit = await fitLmm(sim!, { REML: false }, { yieldEveryMs: 0 });
    if (!Number.isFinite(fit.logLik)) throw new Error('fit failed');
  },
};

export const cases: BenchCase[] = [...referenceCases(), ...asLmerCases(), ...fitOnlyCases(), simulated];
