import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chisqUpper, normalUpper, pnorm, qchisq, qnorm, qt, tTwoSided } from '../../engine/src/inference/distributions';
import { listReferenceIds, loadReference } from './inference-fixtures';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

test('normal: Φ(0) = 1/2, Φ(1.959964) = 0.975, quantiles invert the cdf', () => {
  assert.equal(pnorm(0), 0.5);
  assert.ok(Math.abs(qnorm(0.975) - 1.959963984540054) < 1e-13);
  for (const p of [1e-12, 1e-5, 0.01, 0.3, 0.5, 0.8, 0.999]) assert.ok(rel(pnorm(qnorm(p)), p) < 1e-12, String(p));
  // Mills ratio bound: φ(z)/z·(1 - 1/z²) < P(Z>z) < φ(z)/z
  const z = 10;
  const phi = Math.exp(-50) / Math.sqrt(2 * Math.PI);
  assert.ok(normalUpper(z) < phi / z && normalUpper(z) > (phi / z) * (1 - 1 / (z * z)));
});

test('t distribution: df = 1 is Cauchy, df = 2 has a closed form', () => {
  for (const t of [0.3, 1, 4.5, 30]) {
    assert.ok(rel(tTwoSided(t, 1), 1 - (2 / Math.PI) * Math.atan(t)) < 1e-12);
    assert.ok(rel(tTwoSided(t, 2), 1 - t / Math.sqrt(2 + t * t)) < 1e-10);
  }
  assert.ok(Math.abs(qt(0.975, 2) - Math.sqrt(2 / (0.05 * (2 - 0.05)) - 2)) < 1e-10);
});

test('chi-square: 1 df is a squared normal, 2 df is exponential', () => {
  for (const x of [0.1, 3.84, 20, 100]) {
    assert.ok(rel(chisqUpper(x, 1), 2 * normalUpper(Math.sqrt(x))) < 1e-10);
    assert.ok(rel(chisqUpper(x, 2), Math.exp(-x / 2)) < 1e-10);
  }
  assert.ok(Math.abs(qchisq(0.95, 1) - 1.959963984540054 ** 2) < 1e-9);
});

test("t p-values reproduce lmerTest's p from the reference df (every gaussian fit)", () => {
  let n = 0;
  for (const id of listReferenceIds()) {
    const f = loadReference(id);
    if (!f.satterthwaite) continue;
    for (const name of f.coefnames) {
      const t = f.fixef[name] / f.se[name];
      const p = tTwoSided(t, f.satterthwaite.df[name]);
      const ref = f.satterthwaite.p[name];
      assert.ok(rel(p, ref) < 1e-6 || Math.abs(p - ref) < 1e-300, `${id} ${name}: ${p} vs ${ref}`);
      n++;
    }
  }
  assert.ok(n > 20);
});
