import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpretFixedEffect, interpretVarCorr, apaP, parseCoefName, interpretR2, interpretInterval } from '../../engine/src/inference/interpret';
import { loadReference } from './inference-fixtures';

test('fixed effect sentence with Satterthwaite t test (sleepstudy Days)', () => {
  const f = loadReference('sleepstudy_full');
  const s = interpretFixedEffect(f, 'Days');
  // 10.467 / 1.5458 = 6.77; df 17.0 from lmerTest
  assert.equal(
    s,
    'Each one-unit increase in Days is associated with a 10.47 higher Reaction (SE 1.55, t(17.0) = 6.77, p < .001).',
  );
  assert.match(interpretFixedEffect(f, '(Intercept)'), /expected Reaction is 251\.41 \(SE 6\.82, t\(17\.0\) = 36\.84, p < \.001\)/);
});

test('GLMM sentences use odds ratios and z tests', () => {
  const c = loadReference('cbpp_binomial');
  const s = interpretFixedEffect(c, 'factor(period)2');
  const b = c.fixef['factor(period)2'];
  assert.ok(s.includes(`multiplies the odds of incidence by ${Math.exp(b).toFixed(2)}`), s);
  assert.match(s, /z = -?\d+\.\d\d, p = \.\d{3}|p < \.001/);
  const g = loadReference('grouseticks_poisson');
  assert.match(interpretFixedEffect(g, 'cHEIGHT'), /multiplies the expected TICKS by 0\.98/);
});

test('factor levels and interactions are read from the formula (mathach bryk, cbpp)', () => {
  const m = loadReference('mathach_bryk');
  assert.deepEqual(parseCoefName(m.formula, 'cses:sectorCatholic'), [
    { variable: 'cses', level: null },
    { variable: 'sector', level: 'Catholic' },
  ]);
  assert.match(interpretFixedEffect(m, 'sectorCatholic'), /^Having sector = Catholic rather than the reference level is associated with a 1\.23 higher mathach, holding the other predictors constant \(SE 0\.31, t\(149\.6\) = 4\.00, p < \.001\)\.$/);
  assert.match(interpretFixedEffect(m, 'cses:sectorCatholic'), /^The effect of cses on mathach is 1\.64 smaller when sector = Catholic rather than the reference level \(interaction cses:sectorCatholic;/);
  assert.match(interpretFixedEffect(m, 'meanses:cses'), /is 1\.04 larger for each one-unit increase in cses/);
  const c = loadReference('cbpp_binomial');
  assert.deepEqual(parseCoefName(c.formula, 'factor(period)2'), [{ variable: 'factor(period)', level: '2' }]);
});

test('variance component sentences', () => {
  const f = loadReference('sleepstudy_full');
  assert.match(interpretVarCorr(f, f.varcorr[0]), /varies between levels of Subject with SD 24\.74 \(variance 612\.10\).*±48\.49/);
  assert.match(interpretVarCorr(f, f.varcorr[1]), /effect of Days on Reaction varies between levels of Subject with SD 5\.92.*between -1\.14 and 22\.07/);
  assert.match(interpretVarCorr(f, f.varcorr[2]), /essentially uncorrelated \(r = 0\.07\)/);
  assert.match(interpretVarCorr(f, f.varcorr[3]), /residual SD of 25\.59/);
});

test('APA p-values', () => {
  assert.equal(apaP(0.0004), 'p < .001');
  assert.equal(apaP(0.0324), 'p = .032');
  assert.equal(apaP(0.5), 'p = .500');
});

test('R² sentence', () => {
  const f = loadReference('sleepstudy_vi');
  assert.equal(
    interpretR2(f, { marginal: 0.2794, conditional: 0.7996 }),
    'The fixed effects explain 28% of the variance in Reaction (marginal R² = 0.28); with the random effects, 80% (conditional R² = 0.80).',
  );
});

test('interval sentences from the reference profile intervals', () => {
  const f = loadReference('sleepstudy_full');
  const cp = f.confint_profile!;
  const t = { method: 'profile', level: 0.95, labels: cp.names, lower: cp.lower, upper: cp.upper };
  assert.equal(interpretInterval(t, 0), 'The 95% profile interval for the SD of the (Intercept) across levels of Subject runs from 14.38 to 37.72.');
  assert.equal(interpretInterval(t, 5), 'The 95% profile interval for Days runs from 7.36 to 13.58; it excludes 0.');
  assert.match(interpretInterval(t, 1), /correlation Days \/ \(Intercept\) across levels of Subject runs from -0\.48 to 0\.68/);
});

test('sentences for basis columns and TRUE/FALSE variables (lme4 reference fits sleepstudy_poly, mathach_scale_center)', () => {
  const p = loadReference('sleepstudy_poly');
  assert.deepEqual(parseCoefName(p.formula, 'poly(Days, 2)2'), [{ variable: 'poly(Days, 2)', level: '2' }]);
  assert.match(interpretFixedEffect(p, 'poly(Days, 2)2'), /^Each one-unit increase in column 2 of poly\(Days, 2\) is associated with/);
  const m = loadReference('mathach_scale_center');
  assert.match(interpretFixedEffect(m, 'I(minority == "Yes")TRUE'), /^Having I\(minority == "Yes"\) TRUE rather than FALSE is associated with a \d+\.\d\d lower mathach/);
  assert.match(interpretFixedEffect(m, 'scale(ses, scale = FALSE)'), /^Each one-unit increase in scale\(ses, scale = FALSE\)/);
});
