/**
 * Hovers after a fit display what the engine put on the FitResult (its coefficient rows with the test
 * and interval, its sentences); they compute no p-value, interval or sentence of their own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedEffectHover } from '../../server/src/hover';
import { loadReference, referenceAsFitResult } from '../conformance/harness';
import type { FitResult } from '../../engine/src/index';

// lme4's sleepstudy_full with the figures the engine would add; the test, interval and sentence are
// deliberately not what the hover could derive from fixef/se, so only a hover that reads them passes
const base: FitResult = referenceAsFitResult(loadReference('sleepstudy_full'));
const days = { name: 'Days', estimate: base.fixef.Days, se: base.se.Days, statistic: 6.5, df: 17, p: 0.0123, lower: 1.25, upper: 19.75 };
const fit: FitResult = {
  ...base,
  tests: undefined,
  satterthwaite: undefined,
  dfMethod: 'kenward-roger',
  intervalMethod: '95% CI (t, Kenward-Roger df)',
  coefficients: [days],
  interpretation: { fixef: { Days: 'ENGINE SENTENCE about Days' }, varcorr: [] },
};

test("the fixed-effect hover shows the engine's coefficient row, interval method and sentence", () => {
  const h = fixedEffectHover(fit, 'Days');
  assert.match(h, /\| 6\.50 \| 17\.0 \| 0\.0123 \| \[1\.25, 19\.75\] \|/);
  assert.match(h, /95% CI \(t, Kenward-Roger df\)/);
  assert.doesNotMatch(h, /Satterthwaite/);
  assert.match(h, /ENGINE SENTENCE about Days/);
});

test('without the engine\'s row the hover shows estimate and SE only (no p-value or interval of its own)', () => {
  const h = fixedEffectHover({ ...fit, coefficients: undefined, interpretation: undefined }, 'Days');
  assert.match(h, /\| 10\.47 \| 1\.546 \| — \| — \| — \| — \|/);
});
