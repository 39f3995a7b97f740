// Work over the rows of a large fit in slices (hooks.ts Steps): the sort in slices, the PLS cross products, the shared
// Ticker clock; and the per-row arrays of a large result cut to an evenly spaced sample after everything that needs
// every row (plotdata.ts sampleObservations, FitSpec.observationLimit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROWS_PER_STEP, runSteps, Ticker } from '../../engine/src/hooks';
import { sortSteps } from '../../engine/src/linalg/sort';
import { prepareModels } from '../../engine/src/frame/prepare';
import { fitModel } from '../../engine/src/fit';
import { LinearMixedModel } from '../../engine/src/lmm/model';
import { sampleObservations } from '../../engine/src/plotdata';
import { gridVariables } from '../../engine/src/inference/emmeans';

const sleepCsv = readFileSync(join(__dirname, '..', 'fixtures', 'reference', 'data', 'sleepstudy.csv'), 'utf8');
const SLEEP = 'data: s.csv\nmodel m:\n  formula: Reaction ~ Days + (Days | Subject)\n';

function count<T>(steps: Generator<void, T, void>): { value: T; yields: number } {
  let yields = 0;
  for (;;) {
    const r = steps.next();
    if (r.done) return { value: r.value, yields };
    yields++;
  }
}

test('sortSteps sorts as the typed array sort does, in slices of ROWS_PER_STEP', () => {
  let s = 7;
  const rnd = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff), s / 0x7fffffff);
  for (const n of [0, 1, 5, ROWS_PER_STEP - 1, ROWS_PER_STEP, ROWS_PER_STEP + 1, 3 * ROWS_PER_STEP + 17]) {
    // ties and signs: values on a coarse grid
    const a = Float64Array.from({ length: n }, () => Math.round((rnd() - 0.5) * 2000) / 10);
    const expected = a.slice().sort();
    const { yields } = count(sortSteps(a));
    assert.deepEqual(a, expected, `n = ${n}`);
    if (n > ROWS_PER_STEP) assert.ok(yields >= Math.ceil(n / ROWS_PER_STEP), `n = ${n}: ${yields} slices`);
    else assert.equal(yields, 0);
  }
});

test('PLS cross products in slices: the same criterion as setData at once, a yield every ROWS_PER_STEP rows', async () => {
  // a generated frame of 2.5 × ROWS_PER_STEP rows, two crossed scalar terms (formScalar) and one vector term (formGeneral)
  const n = Math.round(2.5 * ROWS_PER_STEP);
  const lines = ['y,x,g,h'];
  for (let i = 0; i < n; i++) lines.push(`${((i * 7919) % 1000) / 100 + (i % 13)},${(i % 17) / 3},g${i % 50},h${(i * 31) % 29}`);
  const csv = lines.join('\n');
  for (const formula of ['y ~ x + (1 | g) + (1 | h)', 'y ~ x + (x | g)']) {
    const prep = prepareModels(`data: d.csv\nmodel m:\n  formula: ${formula}\n`, () => csv);
    const frame = prep.models[0].frame!;
    const once = new LinearMixedModel(frame, { REML: true });
    const deferred = new LinearMixedModel(frame, { REML: true, deferData: true });
    const { yields } = count(deferred.pls.setDataSteps(null, frame.y));
    assert.ok(yields >= 2, `${formula}: ${yields} slices`);
    const theta = once.start().map((v, i) => v * (0.5 + i / 3));
    assert.equal(deferred.objective(theta), once.objective(theta), formula);
    const created = await LinearMixedModel.create(frame, { REML: true }, new Ticker({ yieldEveryMs: 0 }));
    assert.equal(created.objective(theta), once.objective(theta), formula);
  }
});

test('a new Ticker yields at its first tick when the event loop has been held longer than yieldEveryMs', async () => {
  await new Promise((res) => setTimeout(res, 0));
  const t0 = Date.now();
  while (Date.now() - t0 < 30); // work done before this ticker existed
  let reports = 0;
  const ticker = new Ticker({ yieldEveryMs: 20, onProgress: () => reports++ });
  await ticker.tick({ stage: 'x', evaluations: 1 });
  assert.equal(reports, 1);
  await ticker.tick({ stage: 'x', evaluations: 2 }); // just yielded: no second yield
  assert.equal(reports, 1);
});

test('sampleObservations: an evenly spaced sample of every per-row array, figures and quantiles from all rows', async () => {
  const prep = prepareModels(SLEEP, () => sleepCsv);
  const { frame, spec } = prep.models[0];
  const full = await fitModel(frame!, { ...spec!, plotData: true });
  assert.equal(sampleObservations(full, 180), full); // not more rows than the limit: unchanged
  assert.equal(full.observationSample, undefined);
  const cut = sampleObservations(full, 50);
  const idx = Array.from({ length: 50 }, (_, k) => Math.floor((k * 180) / 50));
  assert.deepEqual(cut.rows, idx.map((i) => full.rows![i]));
  assert.deepEqual(cut.fitted, idx.map((i) => full.fitted![i]));
  assert.deepEqual(cut.residuals, idx.map((i) => full.residuals![i]));
  assert.deepEqual(cut.plotData!.y, idx.map((i) => full.plotData!.y[i]));
  assert.deepEqual(cut.plotData!.groups.Subject, idx.map((i) => full.plotData!.groups.Subject[i]));
  assert.deepEqual(cut.plotData!.covariates.Days, idx.map((i) => full.plotData!.covariates.Days[i]));
  assert.deepEqual(cut.plotData!.figures, full.plotData!.figures);
  const rmse = Math.sqrt(full.residuals!.reduce((a, e) => a + e * e, 0) / 180);
  assert.deepEqual({ ...cut.observationSample!, residualRmse: +cut.observationSample!.residualRmse.toPrecision(12) }, { rows: 50, of: 180, residualRmse: +rmse.toPrecision(12) });
  // through fitModel: the same estimates, figures and residual quantiles as the fit without a limit
  const limited = await fitModel(frame!, { ...spec!, plotData: true, observationLimit: 50 });
  assert.deepEqual(limited.fixef, full.fixef);
  assert.deepEqual(limited.scaledResidualQuantiles, full.scaledResidualQuantiles);
  assert.deepEqual(limited.plotData!.figures, full.plotData!.figures);
  assert.equal(limited.plotData!.figures!.qq!.n, 180);
  assert.deepEqual(limited.rows, cut.rows);
  assert.ok(Object.isFrozen(limited.fitted));
});

test('gridVariables: one pass per frame and model, each caller gets its own copy', () => {
  const prep = prepareModels('data: s.csv\nmodel m:\n  formula: Reaction ~ Days + factor(Days > 4) + (1 | Subject)\n', () => sleepCsv);
  const input = { model: prep.models[0].decl, table: prep.table!, frame: prep.models[0].frame! };
  const first = gridVariables(input);
  const expected = JSON.parse(JSON.stringify(first));
  first[0].levels.push('changed');
  first[0].variables.length = 0;
  assert.deepEqual(gridVariables(input), expected);
  assert.equal(expected[0].column, 'Days');
  assert.ok(Math.abs(expected[0].mean - 4.5) < 1e-12); // the mean of Days 0..9 over every subject
});
