/** nlme's ACF of the normalized residuals of a model with a correlation structure, against nlme 3.1-162. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareModels } from '../../engine/src/frame/prepare';
import { fitModel } from '../../engine/src/fit';
import { residualAcf } from '../../engine/src/nlme/fit';

const FIX = join(__dirname, '..', 'fixtures');
const R = JSON.parse(readFileSync(join(FIX, 'nlme-acf', 'acf.json'), 'utf8'));

async function fit(csv: string, formula: string) {
  const text = readFileSync(join(FIX, 'reference', 'data', csv), 'utf8');
  const prep = prepareModels(`data: d.csv\nmodel m:\n  formula: ${formula}\n  correlation: corAR1(form = ~ 1 | Subject)\n`, () => text);
  return fitModel(prep.models[0].frame!, prep.models[0].spec);
}

for (const [id, csv, formula] of [
  ['orthodont_ar1', 'Orthodont.csv', 'distance ~ age * Sex + (1 | Subject)'],
  ['sleepstudy_ar1', 'sleepstudy.csv', 'Reaction ~ Days + (1 | Subject)'],
] as const) {
  test(`ACF of the normalized residuals matches nlme: ${id}`, async () => {
    const r = await fit(csv, formula);
    assert.ok(r.acf);
    assert.deepEqual(r.acf.lag, R[id].lag);
    r.acf.acf.forEach((v, k) => assert.ok(Math.abs(v - R[id].ACF[k]) < 2e-3, `lag ${k}: ${v} vs ${R[id].ACF[k]}`));
  });
}

test('residualAcf is nlme ACF.lme arithmetic: lagged products over pairs, by the lag-0 value (mathematics)', () => {
  // two groups: [1, -1, 1] and [2, 0]; lag 0: (1+1+1+4+0)/5 = 1.4; lag 1: (-1-1+0)/3 = -2/3; maxLag = min(2, floor(10·log10 3)) = 2
  const res = [1, -1, 1, 2, 0];
  const out = residualAcf(res, [Int32Array.from([0, 1, 2]), Int32Array.from([3, 4])]);
  assert.deepEqual(out.lag, [0, 1, 2]);
  assert.deepEqual(out.n, [5, 3, 1]);
  assert.ok(Math.abs(out.acf[1] - -2 / 3 / 1.4) < 1e-15);
  assert.ok(Math.abs(out.acf[2] - 1 / 1.4) < 1e-15);
  // nlme's plot.ACF bound: qnorm(0.975) / √n.used (qnorm(0.975) = 1.959963984540054)
  assert.ok(Math.abs(out.bound[1] - 1.959963984540054 / Math.sqrt(3)) < 1e-15);
  assert.ok(Math.abs(out.bound[2] - 1.959963984540054) < 1e-15);
});

test("an nlme fit's optSummary records its settings (FIT_SETTINGS.nlme) and lme4's start", async () => {
  const { FIT_SETTINGS } = await import('../../engine/src/optim/options');
  const r = await fit('sleepstudy.csv', 'Reaction ~ Days + (1 | Subject)');
  const s = r.optSummary!;
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
  const last = s.stages[s.stages.length - 1];
  assert.deepEqual(last.settings, { rhobeg: FIT_SETTINGS.nlme.rhobeg, rhoend: FIT_SETTINGS.nlme.rhoend, maxEval: FIT_SETTINGS.nlme.maxEval });
  assert.equal(s.stages[0].name, 'start: θ (lme4, no structures)');
  assert.equal(s.stages.reduce((a, st) => a + st.evaluations, 0), r.evaluations);
});
