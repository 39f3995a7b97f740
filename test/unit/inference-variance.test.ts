import { test } from 'node:test';
import assert from 'node:assert/strict';
import { icc, r2Nakagawa, levelOneVariance } from '../../engine/src/inference/variance';
import { interpretIcc } from '../../engine/src/inference/interpret';
import type { FitResult } from '../../engine/src/result';
import { handFrame, loadReference, readCsvColumns } from './inference-fixtures';

test("ICC of the lecture notes' empty model: 18.13 / (18.13 + 62.85) = 0.2239", () => {
  const base = loadReference('bdf_empty_ml');
  const notes: FitResult = {
    ...base,
    responseName: 'langPOST',
    ngrps: { schoolnr: 211 },
    varcorr: [
      { grp: 'schoolnr', var1: '(Intercept)', var2: null, vcov: 18.13, sdcor: Math.sqrt(18.13) },
      { grp: 'Residual', var1: null, var2: null, vcov: 62.85, sdcor: Math.sqrt(62.85) },
    ],
    sigma: Math.sqrt(62.85),
  };
  const r = icc(notes);
  assert.equal(r.applicable, true);
  // 18.13 + 62.85 = 80.98; 18.13 / 80.98 = 0.223882...
  assert.ok(Math.abs(r.icc! - 18.13 / 80.98) < 1e-12);
  assert.equal(r.icc!.toFixed(2), '0.22');
  assert.ok(Math.abs(r.totalVariance - 80.98) < 1e-9);
  assert.equal(interpretIcc(notes, r), '22% of the variance in langPOST lies between schoolnrs (ICC = 0.22).');
});

test('ICC of the reference empty models (bdf, mathach)', () => {
  const b = loadReference('bdf_empty_ml');
  const rb = icc(b);
  assert.ok(Math.abs(rb.icc! - 19.4285424410228 / (19.4285424410228 + 64.5678329390087)) < 1e-9);
  const m = loadReference('mathach_empty_ml');
  const rm = icc(m);
  const tau = m.varcorr[0].vcov;
  assert.ok(Math.abs(rm.icc! - tau / (tau + m.sigma ** 2)) < 1e-12);
  assert.match(interpretIcc(m, rm), /^18% of the variance in mathach lies between schools \(ICC = 0\.18\)\.$/);
});

test('ICC with two crossed factors splits the variance; random slopes make it not applicable', () => {
  const p = loadReference('penicillin_crossed');
  const r = icc(p);
  const [v1, v2] = [p.varcorr[0].vcov, p.varcorr[1].vcov];
  const total = v1 + v2 + p.sigma ** 2;
  assert.ok(Math.abs(r.icc! - (v1 + v2) / total) < 1e-12);
  assert.deepEqual(r.groups.map((g) => g.group), ['plate', 'sample']);
  assert.ok(Math.abs(r.groups[1].icc - v2 / total) < 1e-12);
  const s = icc(loadReference('sleepstudy_full'));
  assert.equal(s.applicable, false);
  assert.equal(s.icc, null);
});

test('GLMM ICC on the latent scale: logit uses π²/3', () => {
  const c = loadReference('cbpp_binomial');
  const r = icc(c);
  const tau = c.varcorr[0].vcov;
  assert.equal(r.residual.kind, 'logit');
  assert.ok(Math.abs(r.icc! - tau / (tau + Math.PI ** 2 / 3)) < 1e-12);
  assert.match(interpretIcc(c, r), /on the latent scale/);
});

test('Poisson level-1 variance is log(1 + 1/λ) with λ = exp(η̄ + σ²/2)', () => {
  const g = loadReference('grouseticks_poisson');
  const v = levelOneVariance(g, 1.5);
  const lambda = Math.exp(g.fixef['(Intercept)'] + 0.75);
  assert.ok(Math.abs(v.value - Math.log(1 + 1 / lambda)) < 1e-12);
  assert.equal(v.kind, 'poisson-lognormal');
});

test('Nakagawa R² of sleepstudy random intercept by hand: var(Xβ) = β₁² var(Days), var(Days) = 18 × 82.5 / 179', () => {
  const f = loadReference('sleepstudy_vi');
  const c = readCsvColumns('sleepstudy.csv');
  const y = c.Reaction.map(Number);
  const days = c.Days.map(Number);
  const frame = handFrame({
    y,
    responseName: 'Reaction',
    columns: { '(Intercept)': y.map(() => 1), Days: days },
    terms: [{ group: 'Subject', refs: c.Subject, termNames: ['(Intercept)'], Z: [y.map(() => 1)] }],
  });
  const r = r2Nakagawa(f, frame);
  const vf = f.fixef.Days ** 2 * ((18 * 82.5) / 179); // Σ(d - 4.5)² = 82.5 per subject, n - 1 = 179
  const tau = f.varcorr[0].vcov;
  const s2 = f.sigma ** 2;
  assert.ok(Math.abs(r.varFixed - vf) < 1e-9 * vf);
  assert.ok(Math.abs(r.varRandom - tau) < 1e-9 * tau);
  assert.ok(Math.abs(r.marginal - vf / (vf + tau + s2)) < 1e-12);
  assert.ok(Math.abs(r.conditional - (vf + tau) / (vf + tau + s2)) < 1e-12);
});

test('Nakagawa R² with a random slope averages z′Σz over rows', () => {
  const f = loadReference('sleepstudy_full');
  const c = readCsvColumns('sleepstudy.csv');
  const y = c.Reaction.map(Number);
  const days = c.Days.map(Number);
  const frame = handFrame({
    y,
    responseName: 'Reaction',
    columns: { '(Intercept)': y.map(() => 1), Days: days },
    terms: [{ group: 'Subject', refs: c.Subject, termNames: ['(Intercept)', 'Days'], Z: [y.map(() => 1), days] }],
  });
  const r = r2Nakagawa(f, frame);
  const [v0, v1, cov] = [f.varcorr[0].vcov, f.varcorr[1].vcov, f.varcorr[2].vcov];
  // mean over days 0..9 of v0 + 2 d cov + d² v1: mean(d) = 4.5, mean(d²) = 28.5
  const expected = v0 + 2 * 4.5 * cov + 28.5 * v1;
  assert.ok(Math.abs(r.varRandom - expected) < 1e-9 * expected);
});
