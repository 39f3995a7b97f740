import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapConfint, quantileSorted } from '../../engine/src/inference/bootstrap';
import { Rng } from '../../engine/src/inference/rng';
import { CancelledError } from '../../engine/src/diagnostics';
import { fitMixedModel } from '../../engine/src/fit';
import { LinearMixedModel } from '../../engine/src/lmm/model';
import { handFrame, loadReference, readCsvColumns, simpleReferenceFrame } from './inference-fixtures';

test('RNG: same seed, same stream; moments of the samplers', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const sa = Array.from({ length: 5 }, () => a.uniform());
  assert.deepEqual(sa, Array.from({ length: 5 }, () => b.uniform()));
  assert.notDeepEqual(sa, Array.from({ length: 5 }, () => c.uniform()));
  const r = new Rng(1);
  const N = 20000;
  let m = 0;
  let v = 0;
  for (let i = 0; i < N; i++) {
    const z = r.normal();
    m += z;
    v += z * z;
  }
  m /= N;
  v = v / N - m * m;
  // standard errors: mean 1/√N = 0.007, variance √(2/N) = 0.01
  assert.ok(Math.abs(m) < 0.03 && Math.abs(v - 1) < 0.05, `normal mean ${m} var ${v}`);
  for (const [n, p] of [[10, 0.3], [40, 0.9], [2000, 0.5]] as const) {
    let s = 0;
    for (let i = 0; i < 4000; i++) s += r.binomial(n, p);
    const mean = s / 4000;
    assert.ok(Math.abs(mean - n * p) < 4 * Math.sqrt((n * p * (1 - p)) / 4000), `binomial(${n}, ${p}) mean ${mean}`);
  }
  for (const lam of [0.5, 4, 30, 500]) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < 4000; i++) {
      const k = r.poisson(lam);
      s += k;
      s2 += k * k;
    }
    const mean = s / 4000;
    const vv = s2 / 4000 - mean * mean;
    assert.ok(Math.abs(mean - lam) < 4 * Math.sqrt(lam / 4000), `poisson(${lam}) mean ${mean}`);
    assert.ok(Math.abs(vv / lam - 1) < 0.15, `poisson(${lam}) variance ${vv}`);
  }
});

test('quantile type 7', () => {
  assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantileSorted([1, 2, 3, 4, 5], 0.25), 2);
  assert.ok(Math.abs(quantileSorted([0, 10], 0.025) - 0.25) < 1e-12);
});

test('LMM bootstrap: deterministic for a seed, intervals cover the profile intervals\' centres (sleepstudy)', async () => {
  const ref = loadReference('sleepstudy_full');
  const frame = new LinearMixedModel(simpleReferenceFrame('sleepstudy_full'), { REML: ref.REML });
  const fractions: number[] = [];
  const b1 = await bootstrapConfint(frame, ref, { nsim: 40, seed: 2024 }, { yieldEveryMs: 0, onProgress: (p) => p.fraction !== undefined && fractions.push(p.fraction) });
  const b2 = await bootstrapConfint(frame, ref, { nsim: 40, seed: 2024 });
  assert.deepEqual(b1.replicates, b2.replicates);
  assert.deepEqual(b1.lower, b2.lower);
  const b3 = await bootstrapConfint(frame, ref, { nsim: 5, seed: 7 });
  assert.notDeepEqual(b3.replicates[0], b1.replicates[0]);
  assert.deepEqual(b1.names, ['.sig01', '.sig02', '.sig03', '.sigma', '(Intercept)', 'Days']);
  assert.equal(b1.failures, 0);
  assert.equal(fractions[fractions.length - 1], 1);
  const cp = ref.confint_profile!;
  cp.names.forEach((nm, i) => {
    const centre = (cp.lower[i] + cp.upper[i]) / 2;
    assert.ok(b1.lower[i]! < centre && centre < b1.upper[i]!, `${nm}: centre ${centre} not in [${b1.lower[i]}, ${b1.upper[i]}]`);
  });
});

test('bootstrap is cancellable', async () => {
  const ref = loadReference('dyestuff');
  let calls = 0;
  await assert.rejects(
    bootstrapConfint(new LinearMixedModel(simpleReferenceFrame('dyestuff'), { REML: ref.REML }), ref, { nsim: 50, seed: 1 }, { isCancelled: () => ++calls > 3 }),
    CancelledError,
  );
});

test('GLMM bootstrap (rats, binomial cbind): deterministic and covering the estimate', async () => {
  const ref = loadReference('rats_laplace');
  const c = readCsvColumns('rats.csv');
  const m = c.m.map(Number);
  const n = c.n.map(Number);
  const one = m.map(() => 1);
  const frame = {
    ...handFrame({
      y: m.map((v, i) => v / n[i]),
      responseName: 'cbind(m, n - m)',
      columns: { '(Intercept)': one },
      terms: [{ group: 'batch', refs: c.batch, termNames: ['(Intercept)'], Z: [one] }],
      family: 'binomial',
      link: 'logit',
    }),
    weights: Float64Array.from(n),
  };
  const { model } = await fitMixedModel(frame, { id: 'rats', REML: false, nAGQ: 1 });
  const b1 = await bootstrapConfint(model, ref, { nsim: 12, seed: 99 });
  const b2 = await bootstrapConfint(model, ref, { nsim: 12, seed: 99 });
  assert.deepEqual(b1.replicates, b2.replicates);
  assert.deepEqual(b1.names, ['.sig01', '(Intercept)']);
  const est = ref.fixef['(Intercept)'];
  assert.ok(b1.lower[1]! < est && est < b1.upper[1]!, `[${b1.lower[1]}, ${b1.upper[1]}] vs ${est}`);
});

test('Rng: Gamma, inverse Gaussian and gamma-Poisson (NB2) draws have the distributions\' means and variances', () => {
  const rng = new Rng(7);
  const N = 40000;
  const moments = (draw: () => number) => {
    let s = 0;
    let ss = 0;
    for (let i = 0; i < N; i++) {
      const v = draw();
      s += v;
      ss += v * v;
    }
    const mean = s / N;
    return { mean, variance: ss / N - mean * mean };
  };
  // mean and variance within 4 standard errors (the variance's from the fourth moment, bounded loosely)
  const check = (name: string, m: { mean: number; variance: number }, mean: number, variance: number, varTol: number) => {
    assert.ok(Math.abs(m.mean - mean) < 4 * Math.sqrt(variance / N), `${name} mean ${m.mean} vs ${mean}`);
    assert.ok(Math.abs(m.variance / variance - 1) < varTol, `${name} variance ${m.variance} vs ${variance}`);
  };
  check('Gamma(2.5, 1.5)', moments(() => rng.gamma(2.5, 1.5)), 3.75, 2.5 * 1.5 * 1.5, 0.05);
  check('Gamma(0.5, 2)', moments(() => rng.gamma(0.5, 2)), 1, 0.5 * 4, 0.08);
  // inverse Gaussian: mean μ, variance φ μ³
  check('IG(2, 0.3)', moments(() => rng.inverseGaussian(2, 0.3)), 2, 0.3 * 8, 0.1);
  // NB2 as Poisson(Gamma(θ, μ/θ)): mean μ, variance μ + μ²/θ
  check('NB2(2.2, 1.7)', moments(() => rng.poisson(rng.gamma(1.7, 2.2 / 1.7))), 2.2, 2.2 + (2.2 * 2.2) / 1.7, 0.06);
});
