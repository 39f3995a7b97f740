// glmer's PIRLS in slices (GlmmModel.pirlsSteps, a Steps generator of hooks.ts): on data of several slices of rows it
// yields between slices, the deviance it reaches step by step or driven by a Ticker is the very number runSteps of it
// gives, and it is the deviance of the data it was built from: cbpp copied k times with a herd of its own per copy is k
// independent copies of the model, so its Laplace deviance at the same (θ, β) is k times cbpp's (up to rounding and
// PIRLS's tolerance) — a slice that skipped or repeated rows would break that sum.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelFrame } from '../../engine/src/frame/types';
import { makeFamily } from '../../engine/src/glmm/family';
import { GlmmModel } from '../../engine/src/glmm/model';
import { initialLinPred, stage1Deviance, stage1DevianceSteps, stage2Deviance, stage2DevianceSteps } from '../../engine/src/glmm/optimize';
import { ROWS_PER_STEP, runStepsAsync, Ticker, type Steps } from '../../engine/src/hooks';
import { cbppFrame } from './glmmFrames';

const COPIES = 2400; // 56 rows each: 134,400 rows, three slices

const tile = (a: Float64Array, k: number): Float64Array => {
  const out = new Float64Array(a.length * k);
  for (let c = 0; c < k; c++) out.set(a, c * a.length);
  return out;
};

/** The frame copied k times, each copy with levels of its own for every grouping factor. */
function copies(f: ModelFrame, k: number): ModelFrame {
  const n = f.n * k;
  const X = new Float64Array(n * f.p);
  for (let j = 0; j < f.p; j++) X.set(tile(f.X.subarray(j * f.n, (j + 1) * f.n), k), j * n);
  return {
    ...f,
    n,
    X,
    y: tile(f.y, k),
    weights: f.weights ? tile(f.weights, k) : null,
    rows: Int32Array.from({ length: n }, (_, i) => i),
    reTerms: f.reTerms.map((t) => {
      assert.equal(t.k, 1);
      const nlev = t.levels.length;
      const refs = new Int32Array(n);
      for (let c = 0; c < k; c++) for (let i = 0; i < f.n; i++) refs[c * f.n + i] = c * nlev + t.refs[i];
      return { ...t, refs, Z: tile(t.Z, k), levels: Array.from({ length: nlev * k }, (_, j) => `${t.levels[j % nlev]}.${Math.floor(j / nlev)}`) };
    }),
  };
}

const model = (f: ModelFrame): GlmmModel => new GlmmModel(f, makeFamily('binomial', 'logit'), f.weights!);

function drain<T>(steps: Steps<T>): { value: T; yields: number } {
  let yields = 0;
  for (;;) {
    const r = steps.next();
    if (r.done) return { value: r.value, yields };
    yields++;
  }
}

test('sliced PIRLS: the same deviance as runSteps of it, k times that of one copy, yielding between slices', async () => {
  const small = cbppFrame();
  const big = copies(small, COPIES);
  assert.ok(big.n > 2 * ROWS_PER_STEP);
  const ms = model(small);
  const lp0s = await initialLinPred(ms, new Ticker({ yieldEveryMs: 0 }));
  const lp0 = tile(lp0s, COPIES);
  const par = [0.65, -1.4, -0.99, -1.13, -1.58];

  // stage 2 (PIRLS over u, β fixed): step by step, and through runSteps on another model of the same data
  const stepped = drain(stage2DevianceSteps(model(big), par, null, lp0));
  const whole = stage2Deviance(model(big), par, null, lp0);
  assert.equal(stepped.value, whole);
  assert.ok(stepped.yields >= 3 * 2, `${stepped.yields} yields: at least two per PIRLS iteration over three slices`);
  const one = stage2Deviance(ms, par, null, lp0s);
  assert.ok(Math.abs(whole - COPIES * one) <= 1e-8 * Math.abs(whole), `${whole} vs ${COPIES} × ${one}`);

  // stage 1 (PIRLS over u and β), driven by a Ticker that hands the event loop back: timers run in between
  let timers = 0;
  const interval = setInterval(() => timers++, 0);
  const mb = model(big);
  const driven = await runStepsAsync(stage1DevianceSteps(mb, [0.65], lp0), new Ticker({ yieldEveryMs: 1 }), 'test');
  clearInterval(interval);
  assert.ok(timers > 0, 'other work ran while PIRLS was driven');
  assert.equal(driven, stage1Deviance(model(big), [0.65], lp0));
  const oneJoint = stage1Deviance(ms, [0.65], lp0s);
  assert.ok(Math.abs(driven - COPIES * oneJoint) <= 1e-8 * Math.abs(driven), `${driven} vs ${COPIES} × ${oneJoint}`);
});
