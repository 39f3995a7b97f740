import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPlotData } from '../../engine/src/plotdata';
import type { ModelFrame, ReTermFrame } from '../../engine/src/frame/types';

function term(group: string, levels: string[], refs: number[], termNames: string[], fromDoubleBar = false): ReTermFrame {
  return { group, levels, refs: Int32Array.from(refs), termNames, k: termNames.length, Z: new Float64Array(refs.length * termNames.length), text: '', fromDoubleBar };
}

test('buildPlotData: response, weights, level indices per factor (|| terms merged), covariates with slopes first', () => {
  const n = 4;
  // X columns: (Intercept), x, z (column-major)
  const X = Float64Array.from([1, 1, 1, 1, 10, 20, 30, 40, 0.5, 0.25, 0, 1]);
  const frame: ModelFrame = {
    n,
    y: Float64Array.from([0.1, 0.2, 0.3, 0.4]),
    responseName: 'y',
    X,
    p: 3,
    coefnames: ['(Intercept)', 'x', 'z'],
    droppedCoefs: [],
    reTerms: [term('g', ['a', 'b'], [0, 0, 1, 1], ['(Intercept)'], true), term('g', ['a', 'b'], [0, 0, 1, 1], ['z'], true), term('h', ['u', 'v', 'w'], [2, 1, 0, 2], ['(Intercept)'])],
    offset: null,
    weights: Float64Array.from([10, 20, 10, 5]),
    rows: Int32Array.from([0, 1, 2, 4]),
    rowsDropped: 1,
    family: 'binomial',
    link: 'logit',
    formula: 'y ~ x + z + (z || g) + (1 | h)',
    warnings: [],
  };
  const pd = buildPlotData(frame);
  assert.deepEqual(pd.y, [0.1, 0.2, 0.3, 0.4]);
  assert.deepEqual(pd.weights, [10, 20, 10, 5]);
  assert.deepEqual(pd.groups, { g: [0, 0, 1, 1], h: [2, 1, 0, 2] });
  assert.deepEqual(Object.keys(pd.covariates), ['z', 'x'], 'random-slope covariate first');
  assert.deepEqual(pd.covariates.x, [10, 20, 30, 40]);
  assert.deepEqual(pd.covariates.z, [0.5, 0.25, 0, 1]);
  // Plain JSON: survives a round trip unchanged.
  assert.deepEqual(JSON.parse(JSON.stringify(pd)), pd);
});
