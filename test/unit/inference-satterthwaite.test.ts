import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinearMixedModel } from '../../engine/src/lmm';
import { satterthwaite, withTests, zTests } from '../../engine/src/inference/satterthwaite';
import { loadReference, simpleReferenceFrame } from './inference-fixtures';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

const CASES = ['sleepstudy_full', 'sleepstudy_full_ml', 'sleepstudy_vi', 'sleepstudy_vs', 'sleepstudy_diag', 'dyestuff', 'penicillin_crossed', 'pastes_nested', 'bdf_empty_ml', 'mathach_empty_ml'];

for (const id of CASES) {
  test(`Satterthwaite df and p match lmerTest: ${id}`, async () => {
    const ref = loadReference(id);
    const frame = simpleReferenceFrame(id);
    const model = new LinearMixedModel(frame, { REML: ref.REML });
    const fit = await model.fit();
    assert.ok(Math.abs(fit.logLik - ref.logLik) < 1e-3, `our fit logLik ${fit.logLik} vs ${ref.logLik}`);
    const s = await satterthwaite(model, fit);
    const atRef = await satterthwaite(model, ref);
    for (const name of ref.coefnames) {
      assert.ok(rel(atRef.df[name], ref.satterthwaite!.df[name]) < 1e-4, `${name}: df at lme4's optimum ${atRef.df[name]}`);
      assert.ok(rel(atRef.p[name], ref.satterthwaite!.p[name]) < 1e-2, `${name}: p at lme4's optimum ${atRef.p[name]}`);
      const df = s.df[name];
      const refDf = ref.satterthwaite!.df[name];
      assert.ok(rel(df, refDf) < 1e-2, `${name}: df ${df} vs lmerTest ${refDf}`);
      const refP = ref.satterthwaite!.p[name];
      assert.ok(Math.abs(Math.log(s.p[name]) - Math.log(refP)) < 1e-2 * Math.max(1, -Math.log(refP)), `${name}: p ${s.p[name]} vs ${refP}`);
    }
  });
}

test('withTests fills satterthwaite and t tests for an LMM, z tests for a GLMM', async () => {
  const ref = loadReference('sleepstudy_full');
  const model = new LinearMixedModel(simpleReferenceFrame('sleepstudy_full'), { REML: true });
  const fit = await model.fit();
  const out = await withTests(fit, model);
  assert.notEqual(out, fit);
  assert.equal(fit.tests, undefined, 'the input is not mutated');
  const t = out.tests!.Days;
  assert.ok(rel(t.statistic, ref.fixef.Days / ref.se.Days) < 1e-4);
  assert.ok(rel(t.df!, 17) < 1e-2);
  assert.ok(rel(out.satterthwaite!.df.Days, ref.satterthwaite!.df.Days) < 1e-2);
  const g = loadReference('cbpp_binomial');
  const z = zTests(g)['factor(period)2'];
  assert.equal(z.df, null);
  // two-sided normal p of z = -2.711 (hand: 2·(1 − Φ(2.711)) ≈ 0.0067)
  const zz = g.fixef['factor(period)2'] / g.se['factor(period)2'];
  assert.ok(Math.abs(z.statistic - zz) < 1e-12);
  assert.ok(z.p! > 0.001 && z.p! < 0.02);
  const gw = await withTests(g);
  assert.equal(gw.tests!['(Intercept)'].df, null);
});

test('withTests with the model evaluates at the fit (no refit): Dyestuff df 5', async () => {
  const ref = loadReference('dyestuff');
  const model = new LinearMixedModel(simpleReferenceFrame('dyestuff'), { REML: ref.REML });
  const out = await withTests(ref, model);
  assert.ok(rel(out.tests!['(Intercept)'].df!, ref.satterthwaite!.df['(Intercept)']) < 1e-4);
  assert.ok(rel(out.tests!['(Intercept)'].p!, ref.satterthwaite!.p['(Intercept)']) < 1e-3);
  assert.equal(await withTests(out, model), out, 'already tested: unchanged');
});

test('fitModel (the pipeline) returns Satterthwaite tests and R² for an LMM', async () => {
  const { fitModel } = await import('../../engine/src/fit');
  const ref = loadReference('sleepstudy_vi');
  const r = await fitModel(simpleReferenceFrame('sleepstudy_vi'), { id: 'vi', REML: true, nAGQ: 1 });
  assert.ok(rel(r.tests!.Days.df!, ref.satterthwaite!.df.Days) < 1e-2);
  assert.ok(r.satterthwaite);
  // marginal R² = β₁² var(Days) / (β₁² var(Days) + τ² + σ²), var(Days) = 18 × 82.5 / 179
  const vf = ref.fixef.Days ** 2 * ((18 * 82.5) / 179);
  const m = vf / (vf + ref.varcorr[0].vcov + ref.sigma ** 2);
  assert.ok(Math.abs(r.r2!.marginal - m) < 1e-3, `${r.r2!.marginal} vs ${m}`);
});
