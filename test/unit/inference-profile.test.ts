import { test } from 'node:test';
import assert from 'node:assert/strict';
import { profileConfint, waldConfint, sdCorToTheta, thetaToSdCor, formatConfint } from '../../engine/src/inference/profile';
import { qnorm } from '../../engine/src/inference/distributions';
import { CancelledError } from '../../engine/src/diagnostics';
import { fitMixedModel } from '../../engine/src/fit';
import { LinearMixedModel } from '../../engine/src/lmm/model';
import { loadReference, simpleReferenceFrame } from './inference-fixtures';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

for (const id of ['sleepstudy_full', 'dyestuff']) {
  test(`profile intervals match lme4's confint(method = "profile"): ${id}`, async () => {
    const ref = loadReference(id);
    const frame = new LinearMixedModel(simpleReferenceFrame(id), { REML: ref.REML });
    const stages: string[] = [];
    const ci = await profileConfint(frame, ref, {}, { yieldEveryMs: 0, onProgress: (p) => stages.push(p.stage) });
    const cp = ref.confint_profile!;
    assert.deepEqual(ci.labels, cp.names);
    assert.equal(ci.names[ci.names.length - ref.coefnames.length - 1], '.sigma');
    assert.equal(ci.names[0], '.sig01');
    cp.names.forEach((nm, i) => {
      assert.ok(rel(ci.lower[i]!, cp.lower[i]) < 1e-2, `${nm} lower ${ci.lower[i]} vs ${cp.lower[i]}`);
      assert.ok(rel(ci.upper[i]!, cp.upper[i]) < 1e-2, `${nm} upper ${ci.upper[i]} vs ${cp.upper[i]}`);
    });
    assert.ok(stages.some((s) => s.startsWith('profile ')));
  });
}

test('profile can be cancelled', async () => {
  const ref = loadReference('sleepstudy_full');
  await assert.rejects(profileConfint(new LinearMixedModel(simpleReferenceFrame('sleepstudy_full'), { REML: ref.REML }), ref, {}, { isCancelled: () => true }), CancelledError);
});

test('Wald intervals: estimate ± 1.959964 × SE', () => {
  const ref = loadReference('sleepstudy_full');
  const w = waldConfint(ref);
  const z = qnorm(0.975);
  assert.ok(Math.abs(w.lower[1]! - (10.467285959596 - z * 1.54578964390598)) < 1e-9);
  assert.ok(Math.abs(w.upper[0]! - (251.405104848485 + z * 6.82459669495491)) < 1e-9);
});

test('(sd, cor, σ) ↔ (θ, σ) round trip on the reference θ', () => {
  const ref = loadReference('sleepstudy_full');
  const par = thetaToSdCor([2], ref.theta, ref.sigma);
  // lme4's VarCorr: sd 24.7407, cor 0.0656, sd 5.9221, sigma 25.5918
  assert.ok(rel(par[0], 24.7406579949841) < 1e-10);
  assert.ok(rel(par[1], 0.0655512382381282) < 1e-8);
  assert.ok(rel(par[2], 5.92213765889808) < 1e-10);
  const back = sdCorToTheta([2], par)!;
  back.theta.forEach((t, i) => assert.ok(Math.abs(t - ref.theta[i]) < 1e-12));
});

test("formatConfint prints R's confint matrix", () => {
  const ref = loadReference('dyestuff');
  const cp = ref.confint_profile!;
  const text = formatConfint({ method: 'profile', level: 0.95, names: ['.sig01', '.sigma', '(Intercept)'], labels: cp.names, estimates: [0, 0, 0], lower: cp.lower, upper: cp.upper, notes: [] });
  assert.equal(
    text,
    ['                 2.5 %     97.5 %', '.sig01        12.19854   84.06305', '.sigma        38.22998   67.65770', '(Intercept) 1486.45150 1568.54849'].join('\n'),
  );
  const w = formatConfint({ ...waldConfint(ref), names: ['.sig01', '.sigma', '(Intercept)'], lower: [null, null, 1489.509], upper: [null, null, 1565.491] });
  assert.match(w, /^\s+2\.5 %   97\.5 %\n\.sig01\s+NA\s+NA\n/);
});

test('GLMM profile (rats, Laplace): brackets the estimates, close to Wald for the intercept, boundary-free sd interval', async () => {
  const { confint } = await import('../../engine/src/inference/confint');
  const { handFrame, readCsvColumns } = await import('./inference-fixtures');
  const ref = loadReference('rats_laplace');
  const c = readCsvColumns('rats.csv');
  const m = c.m.map(Number);
  const n = c.n.map(Number);
  const one = m.map(() => 1);
  const frame = {
    ...handFrame({ y: m.map((v, i) => v / n[i]), responseName: 'cbind(m, n - m)', columns: { '(Intercept)': one }, terms: [{ group: 'batch', refs: c.batch, termNames: ['(Intercept)'], Z: [one] }], family: 'binomial', link: 'logit' }),
    weights: Float64Array.from(n),
  };
  const { model } = await fitMixedModel(frame, { id: 'rats', REML: false, nAGQ: 1 });
  const ci = await confint(model, ref, 'profile');
  assert.deepEqual(ci.names, ['.sig01', '(Intercept)']);
  const sd = ref.varcorr[0].sdcor;
  const b0 = ref.fixef['(Intercept)'];
  assert.ok(ci.lower[0]! > 0 && ci.lower[0]! < sd && sd < ci.upper[0]!);
  assert.ok(ci.lower[1]! < b0 && b0 < ci.upper[1]!);
  const w = waldConfint(ref);
  const width = w.upper[0]! - w.lower[0]!;
  assert.ok(Math.abs(ci.lower[1]! - w.lower[0]!) < 0.1 * width && Math.abs(ci.upper[1]! - w.upper[0]!) < 0.1 * width);
  const wald = await confint(model, ref, 'Wald');
  assert.deepEqual(wald.lower, w.lower);
});
