import { test } from 'node:test';
import assert from 'node:assert/strict';
import { caterpillar, coefByGroup, COMPARATIVE_Z } from '../../engine/src/inference/ranef';
import { loadReference } from './inference-fixtures';

test('caterpillar data of Dyestuff: sorted modes, ±1.96 sd and ±1.39 sd intervals', () => {
  const f = loadReference('dyestuff');
  const [s] = caterpillar(f);
  assert.equal(s.group, 'Batch');
  assert.equal(s.term, '(Intercept)');
  assert.deepEqual(s.points.map((p) => p.level), ['F', 'D', 'A', 'B', 'C', 'E']);
  const e = s.points[5];
  assert.ok(Math.abs(e.value - 56.7331877377178) < 1e-12);
  const sd = 19.5865700901945;
  assert.ok(Math.abs(e.lower95 - (56.7331877377178 - 1.959963984540054 * sd)) < 1e-9);
  assert.ok(Math.abs(e.upperComparative - (56.7331877377178 + 1.39 * sd)) < 1e-9);
  assert.equal(COMPARATIVE_Z, 1.39);
  // diagnostic sd: sqrt(τ² - condvar) = sqrt(1764.05 - 383.63)
  assert.ok(Math.abs(e.diagnosticSd! - Math.sqrt(1764.0500064271 - sd * sd)) < 1e-9);
  assert.equal(s.variance, 1764.0500064271);
});

test('caterpillar of a || model maps Subject.1 variances back to Subject', () => {
  const f = loadReference('sleepstudy_diag');
  const series = caterpillar(f);
  assert.deepEqual(series.map((s) => `${s.group}/${s.term}`), ['Subject/(Intercept)', 'Subject/Days']);
  assert.equal(series[1].variance, 35.8583796393533);
  for (const s of series) for (let i = 1; i < s.points.length; i++) assert.ok(s.points[i - 1].value <= s.points[i].value);
});

test("coef(): fixed effect plus each level's mode (sleepstudy subject 308)", () => {
  const f = loadReference('sleepstudy_full');
  const [c] = coefByGroup(f);
  assert.deepEqual(c.terms, ['(Intercept)', 'Days']);
  assert.equal(c.levels[0], '308');
  assert.ok(Math.abs(c.values[0][0] - (251.405104848485 + 2.25855094990116)) < 1e-9);
  assert.ok(Math.abs(c.values[0][1] - (10.467285959596 + 9.1989757655659)) < 1e-9);
  assert.deepEqual(c.unmatched, []);
  // crossed: both factors get the full fixed-effect vector
  const p = coefByGroup(loadReference('mathach_bryk'));
  assert.deepEqual(p[0].terms.slice(0, 2), ['(Intercept)', 'meanses']);
  assert.equal(p[0].values[0].length, 6);
  assert.equal(p[0].values[0][1], loadReference('mathach_bryk').fixef.meanses);
});
