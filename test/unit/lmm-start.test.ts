// Starting values of large LMMs (engine/src/lmm/start.ts): the single-term criterion is the one-term
// model's profiled criterion (checked against LinearMixedModel on that model), and a fit from the
// single-term start reaches the optimum a fit from lme4's start reaches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelFrame, ReTermFrame } from '../../engine/src/frame/types';
import { fitLmm, LinearMixedModel } from '../../engine/src/lmm/index';
import { singleTermCriterion, singleTermStart } from '../../engine/src/lmm/start';
import { minimize } from '../../engine/src/optim/bobyqa';
import { FIT_SETTINGS } from '../../engine/src/optim/options';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** y = 1 + 0.3 x + a[g1] + b[g2] + c[g3] + e with uneven level sizes; vector = a (1 + x | g1) term instead of (1 | g1). */
function simulated(n: number, L: number[], sds: number[], seed: number, vector = false): ModelFrame {
  const u = rng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(u() + 1e-300)) * Math.cos(2 * Math.PI * u());
  const effects = L.map((l, t) => Float64Array.from({ length: l }, () => sds[t] * normal()));
  const refs = L.map(() => new Int32Array(n));
  const x = new Float64Array(n), y = new Float64Array(n), one = new Float64Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    x[i] = normal();
    let v = 1 + 0.3 * x[i] + normal();
    for (let t = 0; t < L.length; t++) {
      // squared uniform: uneven level sizes
      const lev = i < L[t] ? i : Math.min(L[t] - 1, Math.floor(u() * u() * L[t])); // every level used at least once
      refs[t][i] = lev;
      v += effects[t][lev];
    }
    y[i] = v;
  }
  const X = new Float64Array(2 * n);
  X.set(one, 0);
  X.set(x, n);
  const reTerms: ReTermFrame[] = L.map((l, t) => {
    const k = vector && t === 0 ? 2 : 1;
    const Z = new Float64Array(n * k);
    Z.set(one, 0);
    if (k === 2) Z.set(x, n);
    return { group: `g${t + 1}`, levels: Array.from({ length: l }, (_, j) => String(j + 1)), refs: refs[t], termNames: k === 2 ? ['(Intercept)', 'x'] : ['(Intercept)'], k, Z, text: '', fromDoubleBar: false };
  });
  return {
    n, y, responseName: 'y', X, p: 2, coefnames: ['(Intercept)', 'x'], droppedCoefs: [], reTerms, offset: null, weights: null,
    rows: Int32Array.from({ length: n }, (_, i) => i), rowsDropped: 0, family: 'gaussian', link: 'identity', formula: '', warnings: [],
  };
}

test('the single-term criterion from a PLS system\'s cross products is the one-term model\'s profiled criterion (ML and REML)', () => {
  const fr = simulated(3000, [300, 80, 12], [0.6, 0.4, 0.3], 7);
  for (const REML of [false, true]) {
    const full = new LinearMixedModel(fr, { REML });
    for (let t = 0; t < 3; t++) {
      const f = singleTermCriterion(full.pls.scalarTermCrossProducts(t)!, fr.p, fr.n, REML);
      const alone = new LinearMixedModel({ ...fr, reTerms: [fr.reTerms[t]] }, { REML });
      for (const th of [0, 0.2, 0.7, 1.5]) {
        const a = f(th), b = alone.objective([th]);
        assert.ok(Math.abs(a - b) < 1e-8 * Math.abs(b), `term ${t} θ ${th} REML ${REML}: ${a} vs ${b}`);
      }
    }
  }
});

test('a large model of scalar terms starts from the single-term fits and reaches the optimum of lme4\'s start', async () => {
  const fr = simulated(FIT_SETTINGS.lmm.cheapMaxN + 1000, [1500, 300, 20], [0.5, 0.7, 0.2], 11);
  const fit = await fitLmm(fr, { REML: false });
  const stage = fit.optSummary!.stages[0];
  assert.equal(stage.startFrom, 'single-term fits');
  assert.equal(stage.settings.rhobeg, FIT_SETTINGS.lmm.rhobegNearStart);
  assert.equal(stage.settings.startRhoend, FIT_SETTINGS.lmm.startRhoend);
  const m = new LinearMixedModel(fr, { REML: false });
  const near = await singleTermStart(m.pls, fr.n, false, FIT_SETTINGS.lmm.startRhoend);
  assert.deepEqual(stage.start, near);
  // the same optimum from lme4's start, to a tight resolution
  const ref = await minimize((th) => m.objective(th), m.start(), m.lower, m.lower.map(() => Infinity), { rhobeg: 0.5, rhoend: 1e-8 });
  const dev = -2 * fit.logLik;
  assert.ok(Math.abs(dev - ref.fval) < 1e-4, `${dev} vs ${ref.fval}`);
  fit.theta.forEach((th, i) => assert.ok(Math.abs(th - ref.x[i]) < 1e-3 * Math.max(ref.x[i], 0.1), `θ${i} ${th} vs ${ref.x[i]}`));
});

test('a large model with a vector-valued term starts from lme4\'s start', async () => {
  const fr = simulated(FIT_SETTINGS.lmm.cheapMaxN + 1000, [400, 30], [0.5, 0.3], 5, true);
  const fit = await fitLmm(fr, { REML: true });
  const stage = fit.optSummary!.stages[0];
  assert.equal(stage.startFrom, 'lme4');
  assert.deepEqual(stage.start, new LinearMixedModel(fr, { REML: true }).start());
  assert.equal(stage.settings.rhobeg, FIT_SETTINGS.lmm.rhobeg);
});
