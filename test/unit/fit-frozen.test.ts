/** The FitResult leaves the engine complete (plot data attached there when asked) and deep-frozen. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareModels } from '../../engine/src/frame/prepare';
import { fitMixedModel, fitModel } from '../../engine/src/fit';
import { deepFreeze } from '../../engine/src/freeze';

const dataDir = join(import.meta.dirname, '..', 'fixtures', 'reference', 'data');
const read = (f: string) => readFileSync(join(dataDir, f), 'utf8');

function prepared(text: string) {
  const prep = prepareModels(text, read);
  const m = prep.models[0];
  assert.ok(m.frame, JSON.stringify(m.error));
  return m;
}

test('a gaussian fit is frozen all the way down; plot data only when asked, attached by the engine', async () => {
  const m = prepared('data: sleepstudy.csv\nmodel full:\n  formula: Reaction ~ Days + (Days | Subject)\n');
  const r = await fitModel(m.frame!, m.spec);
  assert.equal(r.id, 'full');
  assert.ok(Object.isFrozen(r));
  assert.ok(Object.isFrozen(r.fixef) && Object.isFrozen(r.varcorr) && Object.isFrozen(r.tests));
  assert.equal(r.plotData, undefined);
  assert.throws(() => {
    (r as { id: string }).id = 'other';
  }, TypeError);
  assert.throws(() => {
    (r.fixef as Record<string, number>).Days = 0;
  }, TypeError);

  const { result } = await fitMixedModel(m.frame!, { ...m.spec, plotData: true });
  assert.ok(result.plotData, 'plot data attached in the engine');
  assert.equal(result.plotData!.y.length, 180); // sleepstudy: 18 subjects × 10 days
  assert.ok(result.plotData!.figures, "the plots' statistics come with it");
  assert.ok(Object.isFrozen(result.plotData) && Object.isFrozen(result.plotData!.y) && Object.isFrozen(result.plotData!.groups.Subject));
});

test('a GLMM fit is frozen too', async () => {
  const m = prepared('data: cbpp.csv\nformula: cbind(incidence, size - incidence) ~ period + (1 | herd)\nfamily: binomial\n');
  const r = await fitModel(m.frame!, m.spec);
  assert.ok(Object.isFrozen(r) && Object.isFrozen(r.fixef));
  assert.throws(() => {
    (r.fixef as Record<string, number>)['(Intercept)'] = 0;
  }, TypeError);
});

test('deepFreeze freezes nested objects and arrays and leaves primitives alone', () => {
  const v = deepFreeze({ a: [1, { b: 2 }], c: { d: [3] }, e: null, f: 'x' });
  assert.ok(Object.isFrozen(v) && Object.isFrozen(v.a) && Object.isFrozen(v.a[1]) && Object.isFrozen(v.c.d));
  assert.equal(deepFreeze(5), 5);
  assert.equal(deepFreeze(null), null);
});
