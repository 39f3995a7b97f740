import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';
import { groupEstimates } from '../../client/src/shared/groupEstimates';
import { populationSummary } from '../../client/src/render/plots/population';
import { ppoints, quantileSorted, qqPlot } from '../../client/src/render/plots/residuals';
import { caterpillarPlot } from '../../client/src/render/plots/caterpillar';
import { plotsForFit } from '../../client/src/render/plots';
import { pnorm, qnorm } from '../../client/src/shared/normal';
import { iccRows } from '../../client/src/shared/fitView';
import { loadReferenceFit } from './helpers';

function svgDoc(svg: string): Document {
  return new JSDOM(`<!DOCTYPE html><body>${svg}</body>`).window.document;
}

test('shrinkage: sleepstudy per-subject least squares equal lm() per subject; multilevel = fixef + ranef', () => {
  const fit = loadReferenceFit('sleepstudy_full');
  const est = groupEstimates(fit, fit.ranef[0])!;
  assert.deepEqual(est.terms, ['(Intercept)', 'Days']);
  const byLevel = Object.fromEntries(est.rows.map((r) => [r.level, r]));
  // lme4::lmList(Reaction ~ Days | Subject, sleepstudy): 308: 244.1926691, 21.764702424; 335: 263.0346927, -2.881033939
  assert.ok(Math.abs(byLevel['308'].own![0] - 244.1926691) < 1e-6);
  assert.ok(Math.abs(byLevel['308'].own![1] - 21.764702424) < 1e-7);
  assert.ok(Math.abs(byLevel['335'].own![1] - -2.881033939) < 1e-7);
  // multilevel: 251.405104848485 + 2.25855094990116 and 10.467285959596 + 9.1989757655659
  assert.ok(Math.abs(byLevel['308'].multilevel[0] - 253.663655798386) < 1e-9);
  assert.ok(Math.abs(byLevel['308'].multilevel[1] - 19.666261725162) < 1e-9);
  assert.deepEqual(est.population, [251.405104848485, 10.467285959596]);
  // Shrinkage: the multilevel slopes scatter less around the population slope than the subjects' own slopes.
  const ss = (f: (r: (typeof est.rows)[number]) => number) => est.rows.reduce((s, r) => s + (f(r) - est.population[1]) ** 2, 0);
  assert.ok(ss((r) => r.multilevel[1]) < ss((r) => r.own![1]));
});

test('shrinkage for a binomial intercept model: own estimate = empirical logit with 0.5 correction', () => {
  const fit = loadReferenceFit('rats_laplace');
  const est = groupEstimates(fit, fit.ranef[0])!;
  assert.deepEqual(est.terms, ['(Intercept)']);
  // batch 1: m = 0 of n = 20 -> logit(0.5 / 21); batch 71 (last row of rats.csv): 4 of 14 -> logit(4.5 / 15)
  const r1 = est.rows.find((r) => r.level === '1')!;
  assert.ok(Math.abs(r1.own![0] - Math.log(0.5 / 21 / (1 - 0.5 / 21))) < 1e-8);
  const r71 = est.rows.find((r) => r.level === '71')!;
  assert.ok(Math.abs(r71.own![0] - Math.log(4.5 / 15 / (1 - 4.5 / 15))) < 1e-8);
});

test('population distribution of the rats intercept on the probability scale (notes: 0.126, 0.038 to 0.347)', () => {
  const fit = loadReferenceFit('rats_laplace');
  const s = populationSummary(fit, fit.ranef[0])!;
  assert.equal(s.scale, 'probability');
  assert.equal(s.center.toFixed(3), '0.126');
  assert.equal(s.lower95.toFixed(3), '0.038');
  assert.equal(s.upper95.toFixed(3), '0.347');
  const g = populationSummary(loadReferenceFit('sleepstudy_full'), loadReferenceFit('sleepstudy_full').ranef[0])!;
  assert.equal(g.scale, 'response');
  // 251.405 ± 1.96 × 24.7407
  assert.ok(Math.abs(g.lower95 - (251.405104848485 - 1.959963984540054 * 24.7406579949841)) < 1e-9);
});

test('QQ plot helpers follow R: ppoints and type-7 quantiles; normal functions', () => {
  assert.deepEqual(ppoints(4).map((p) => +p.toFixed(6)), [0.147059, 0.382353, 0.617647, 0.852941]); // (i - 3/8) / (4 + 1/4)
  assert.deepEqual(ppoints(20).slice(0, 2), [0.025, 0.075]);
  assert.equal(quantileSorted([1, 2, 3, 4], 0.25), 1.75);
  assert.ok(Math.abs(qnorm(0.975) - 1.959963984540054) < 1e-8);
  assert.ok(Math.abs(qnorm(0.001) - -3.090232306167813) < 1e-8);
  assert.ok(Math.abs(pnorm(1.959963984540054) - 0.975) < 1e-7);
  assert.ok(Math.abs(pnorm(-8) - 6.22096057427178e-16) / 6.22096057427178e-16 < 1e-6);
  const fit = loadReferenceFit('sleepstudy_full');
  const doc = svgDoc(qqPlot('qq', fit).svg);
  assert.equal(doc.querySelectorAll('circle.pt').length, 180);
});

test('caterpillar: sorted by conditional mode, 95% and 1.39-sd intervals drawn, large factors compact', () => {
  const fit = loadReferenceFit('sleepstudy_full');
  const doc = svgDoc(caterpillarPlot('c', fit.ranef[0], 0).svg);
  const labels = [...doc.querySelectorAll('text.level-label')].map((t) => t.textContent);
  // lowest intercept mode: 309 (-40.40), highest: 337 (34.89)
  assert.equal(labels[0], '309');
  assert.equal(labels[labels.length - 1], '337');
  assert.equal(doc.querySelectorAll('line.interval95').length, 18);
  assert.equal(doc.querySelectorAll('line.interval139').length, 18);
  const first = doc.querySelector('line.interval95')!;
  const thick = doc.querySelector('line.interval139')!;
  const w95 = Number(first.getAttribute('x2')) - Number(first.getAttribute('x1'));
  const w139 = Number(thick.getAttribute('x2')) - Number(thick.getAttribute('x1'));
  assert.ok(Math.abs(w139 / w95 - 1.39 / 1.96) < 0.01);
  const big = loadReferenceFit('insteval_ml');
  const s = big.ranef.find((b) => b.group === 's')!;
  const bigDoc = svgDoc(caterpillarPlot('b', s, 0).svg);
  assert.equal(bigDoc.querySelectorAll('circle.pt').length, s.levels.length);
  assert.equal(bigDoc.querySelectorAll('[tabindex="0"]').length, 1, 'only the svg itself is a tab stop');
  assert.equal(bigDoc.querySelectorAll('text.level-label').length, 0);
});

test('plots without plot data: caterpillar, residual and population plots still drawn, the rest explained', () => {
  const fit = loadReferenceFit('penicillin_crossed');
  fit.fitted = [1, 2, 3];
  fit.residuals = [0.1, -0.2, 0.1];
  const set = plotsForFit(fit, 'm');
  assert.deepEqual(set.plots.map((p) => p.kind), ['caterpillar', 'caterpillar', 'residuals', 'qq', 'population', 'population']);
  assert.equal(set.missing.length, 1);
});

test('ICC is defined for intercept-only random effects and matches variance shares', () => {
  // dyestuff: Batch variance 1764.05, residual 2451.25 (lme4 REML) -> ICC = 1764.05 / 4215.30 = 0.4185
  const d = iccRows(loadReferenceFit('dyestuff'));
  assert.equal(d.length, 1);
  const fit = loadReferenceFit('dyestuff');
  const vb = fit.varcorr[0].vcov;
  const vr = fit.varcorr[1].vcov;
  assert.ok(Math.abs(d[0].value - vb / (vb + vr)) < 1e-12);
  assert.equal(d[0].value.toFixed(3), '0.418');
  assert.equal(iccRows(loadReferenceFit('sleepstudy_full')).length, 0, 'random slopes: ICC not defined');
  assert.equal(iccRows(loadReferenceFit('grouseticks_poisson')).length, 2, 'poisson: lognormal approximation, one ICC per factor');
});
