import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';
import { groupEstimates } from '../../engine/src/inference/noPooling';
import { binnedResiduals, localLinear, populationSummary, ppoints } from '../../engine/src/plotfigures';
import { quantile7 as quantileSorted } from '../../engine/src/inference/distributions';
import { qqPlot } from '../../client/src/render/plots/residuals';
import { caterpillarPlot } from '../../client/src/render/plots/caterpillar';
import { effectPlot } from '../../client/src/render/plots/effects';
import { plotsForFit } from '../../client/src/render/plots';
import { pnorm, qnorm } from '../../engine/src/inference/distributions';
import { iccRows } from '../../client/src/shared/fitView';
import { fmt } from '../../client/src/shared/format';
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
  const s = populationSummary(fit, 'batch')!;
  assert.equal(s.scale, 'probability');
  assert.equal(s.center.toFixed(3), '0.126');
  assert.equal(s.lower95.toFixed(3), '0.038');
  assert.equal(s.upper95.toFixed(3), '0.347');
  const g = populationSummary(loadReferenceFit('sleepstudy_full'), 'Subject')!;
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
  const qq = fit.plotData!.figures!.qq!;
  const doc = svgDoc(qqPlot('qq', qq).svg);
  assert.equal(doc.querySelectorAll('circle.pt').length, 180);
  assert.ok(doc.querySelector('path.qq-band'), 'pointwise band drawn');
  // car::qqPlot's band at the median: line ± 1.96 × (slope / dnorm(0)) × sqrt(0.25 / n)
  const k = 89; // ppoints(180)[89] = 0.4972...
  const z = qq.theoretical[k];
  assert.ok(Math.abs(qq.upper[k] - qq.lower[k] - 2 * 1.959963984540054 * (qq.slope / (Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI))) * Math.sqrt((0.5 - 0.5 / 180) * (0.5 + 0.5 / 180) / 180)) < 1e-6);
});

test('caterpillar: sorted by conditional mode, 95% and 1.39-sd intervals drawn, large factors compact', () => {
  const fit = loadReferenceFit('sleepstudy_full');
  const iv = fit.ranefIntervals![0];
  const doc = svgDoc(caterpillarPlot('c', fit.ranef[0], 0, iv).svg);
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
  // the engine's interval of the lowest mode (309): -40.40 ± qnorm(0.975) × its conditional sd, in the tooltip
  const j309 = fit.ranef[0].levels.indexOf('309');
  const sd309 = fit.ranef[0].condsd[0][j309];
  assert.ok(Math.abs(iv.lower[j309] - (fit.ranef[0].values[0][j309] - 1.959963984540054 * sd309)) < 1e-9);
  assert.ok(doc.querySelector('svg')!.innerHTML.includes(`95% interval ${fmt(iv.lower[j309])} to ${fmt(iv.upper[j309])}`));
  // without the engine's intervals the modes are drawn alone (the view computes none)
  const bare = svgDoc(caterpillarPlot('c', fit.ranef[0], 0).svg);
  assert.equal(bare.querySelectorAll('line.interval95, line.interval139').length, 0);
  assert.equal(bare.querySelectorAll('circle.pt').length, 18);
  const big = loadReferenceFit('insteval_ml');
  const s = big.ranef.find((b) => b.group === 's')!;
  const bigDoc = svgDoc(caterpillarPlot('b', s, 0, big.ranefIntervals!.find((x) => x.group === 's')).svg);
  assert.equal(bigDoc.querySelectorAll('svg > g.cat-row circle.pt').length, s.levels.length);
  assert.equal(bigDoc.querySelectorAll('svg [tabindex="0"]').length, 0, 'only the svg itself is a tab stop');
  // the 6 lowest and 6 highest are labelled; the fully labelled plot waits in a template
  assert.equal(bigDoc.querySelectorAll('svg text.level-label').length, 12);
  const cp = caterpillarPlot('b', s, 0);
  assert.match(cp.controls!, /class="level-filter"/);
  assert.match(cp.extra!, /^<template id="b-all-template">/);
});

test('plots without the engine figures: caterpillar and residual plots still drawn, the rest explained', () => {
  const fit = loadReferenceFit('penicillin_crossed');
  fit.fitted = [1, 2, 3];
  fit.residuals = [0.1, -0.2, 0.1];
  const set = plotsForFit(fit, 'm');
  assert.deepEqual(set.plots.map((p) => p.kind), ['caterpillar', 'caterpillar', 'residuals']);
  assert.equal(set.missing.length, 1);
});

test('binned residuals follow arm::binnedplot: sqrt(n) bins by fitted value, mean and 2 sd / sqrt(n)', () => {
  // 100 points: 10 bins of 10; residuals alternate ±1 within a bin -> mean 0, sd = sqrt(10/9)
  const fitted = Array.from({ length: 100 }, (_, i) => i / 100);
  const res = fitted.map((_, i) => (i % 2 ? 1 : -1));
  const b = binnedResiduals(fitted, res)!;
  assert.equal(b.length, 10);
  assert.equal(b[0].n, 10);
  assert.ok(Math.abs(b[0].mean) < 1e-12);
  assert.ok(Math.abs(b[0].se2 - (2 * Math.sqrt(10 / 9)) / Math.sqrt(10)) < 1e-12);
  assert.ok(Math.abs(b[0].fitted - 0.045) < 1e-12);
});

test('the residual smoother reproduces a straight line exactly (local linear fit)', () => {
  const x = Array.from({ length: 50 }, (_, i) => i);
  const sm = localLinear(x, x.map((v) => 3 - 0.5 * v))!;
  sm.x.forEach((v, k) => assert.ok(Math.abs(sm.y[k] - (3 - 0.5 * v)) < 1e-9));
});

test('the residual smoother of a million points (a systematic sample of them) still reproduces a line over the whole range', () => {
  const n = 1_000_003;
  const x = Array.from({ length: n }, (_, i) => ((i * 7919) % n) / 1000);
  const sm = localLinear(x, x.map((v) => 3 - 0.5 * v))!;
  assert.equal(sm.x.length, 51);
  assert.ok(sm.x[0] < 1 && sm.x[50] > 999, `${sm.x[0]}..${sm.x[50]}`);
  sm.x.forEach((v, k) => assert.ok(Math.abs(sm.y[k] - (3 - 0.5 * v)) < 1e-7));
});

test('effect plot of Days (sleepstudy): the population line with its band from vcov, drawn as a line and a band', () => {
  const fit = loadReferenceFit('sleepstudy_full');
  const f = fit.plotData!.figures!.effects.find((e) => e.x === 'Days')!;
  const c = f.series[0];
  // at Days = 0 the prediction is the intercept; its band is ± z × SE(intercept) (the helper has no model object for df)
  assert.ok(Math.abs(c.fit[0] - 251.405104848485) < 1e-9);
  assert.ok(Math.abs(c.fit[c.fit.length - 1] - (251.405104848485 + 9 * 10.467285959596)) < 1e-9);
  assert.ok(Math.abs(c.upper[0] - c.fit[0] - 1.959963984540054 * 6.82459669495491) < 1e-6);
  const svg = new JSDOM(effectPlot('e', fit, f).svg, { contentType: 'image/svg+xml' }).window.document;
  assert.equal(svg.querySelectorAll('path.effect-band').length, 1);
  assert.equal(svg.querySelectorAll('path.effect-line').length, 1);
  assert.equal(svg.querySelectorAll('.legend-entry').length, 0, 'one line: no legend');
});

test('effect plot of an interaction: a line, band and legend entry per level; factor levels as points with intervals', () => {
  const fit = loadReferenceFit('sleepstudy_full');
  const series = (label: string, shift: number) => ({ label, x: [0, 9], fit: [250 + shift, 340 + shift], lower: [240 + shift, 320 + shift], upper: [260 + shift, 360 + shift] });
  const byLevel = { term: 'Days:grp', x: 'Days', xKind: 'covariate' as const, by: 'grp', byKind: 'factor' as const, series: [series('a', 0), series('b', 20), series('<c>', 40)], scale: 'response' as const, band: 'normal quantile (z)', held: '' };
  const doc = new JSDOM(effectPlot('i', fit, byLevel).svg, { contentType: 'image/svg+xml' }).window.document;
  assert.equal(doc.querySelectorAll('path.effect-line').length, 3);
  assert.deepEqual([...doc.querySelectorAll('path.effect-band')].map((p) => p.getAttribute('class')), ['effect-band series-0', 'effect-band series-1', 'effect-band series-2']);
  assert.deepEqual([...doc.querySelectorAll('.legend-label')].map((t) => t.childNodes[0].textContent), ['a', 'b', '<c>'], 'level names escaped, shown as text');
  assert.equal(doc.querySelector('.legend-title')?.textContent, 'grp');
  const factor = { term: 'f', x: 'f', xKind: 'factor' as const, levels: ['lo', 'hi'], by: null, byKind: null, series: [{ label: null, x: [0, 1], fit: [1, 2], lower: [0.5, 1.5], upper: [1.5, 2.5] }], scale: 'response' as const, band: 'normal quantile (z)', held: '' };
  const fd = new JSDOM(effectPlot('f', fit, factor).svg, { contentType: 'image/svg+xml' }).window.document;
  assert.equal(fd.querySelectorAll('circle.effect-pt').length, 2);
  assert.equal(fd.querySelectorAll('line.effect-bar').length, 2);
  assert.deepEqual([...fd.querySelectorAll('text.tick-label')].slice(0, 2).map((t) => t.childNodes[0].textContent), ['lo', 'hi']);
});

test('ICC is defined for intercept-only random effects and matches variance shares', () => {
  // dyestuff: Batch variance 1764.05, residual 2451.25 (lme4 REML) -> ICC = 1764.05 / 4215.30 = 0.4185
  const d = iccRows(loadReferenceFit('dyestuff'));
  assert.equal(d.length, 1);
  const fit = loadReferenceFit('dyestuff');
  const vb = fit.varcorr[0].vcov;
  const vr = fit.varcorr[1].vcov;
  assert.ok(Math.abs(d[0].icc - vb / (vb + vr)) < 1e-12);
  assert.equal(d[0].icc.toFixed(3), '0.418');
  assert.equal(iccRows(loadReferenceFit('sleepstudy_full')).length, 0, 'random slopes: ICC not defined');
  assert.equal(iccRows(loadReferenceFit('grouseticks_poisson')).length, 2, 'poisson: lognormal approximation, one ICC per factor');
});

test('GLMM: DHARMa simulated residuals drawn first (uniform QQ, residuals against predicted rank), binned residuals kept', async () => {
  const { prepareModels } = await import('../../engine/src/frame/prepare');
  const { fitModel } = await import('../../engine/src/fit');
  const { withPlotData } = await import('../../engine/src/plotdata');
  const { withSimulatedResiduals } = await import('../../engine/src/inference/simres');
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const csv = readFileSync(join(__dirname, '..', 'fixtures', 'reference', 'data', 'cbpp.csv'), 'utf8');
  const prep = prepareModels('data: c.csv\nmodel m:\n  formula: cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)\n  family: binomial\n', () => csv);
  const frame = prep.models[0].frame!;
  const fit = await withSimulatedResiduals(frame, withPlotData(frame, await fitModel(frame, prep.models[0].spec)));
  const sim = fit.plotData!.figures!.simulated!;
  // the uniform QQ: expected quantiles (i - 0.5)/n, observed sorted
  assert.equal(sim.qq.expected.length, 56);
  assert.ok(Math.abs(sim.qq.expected[0] - 0.5 / 56) < 1e-15);
  assert.ok(sim.qq.observed.every((v, i) => i === 0 || v >= sim.qq.observed[i - 1]));
  assert.ok(sim.points.x.every((v) => v >= 0 && v <= 1));
  const { plots } = plotsForFit(fit, 'm');
  const kinds = plots.map((p) => p.kind);
  const iq = kinds.indexOf('simulated-qq');
  assert.ok(iq >= 0 && kinds[iq + 1] === 'simulated-residuals' && kinds.indexOf('binned-residuals') > iq + 1, kinds.join(','));
  const qq = plots[iq];
  assert.match(qq.caption, /Kolmogorov-Smirnov test p = /);
  assert.ok(svgDoc(qq.svg).querySelectorAll('*').length < 5000);
  // a gaussian fit is left as it is
  const g = loadReferenceFit('sleepstudy_full');
  assert.equal(await withSimulatedResiduals(frame, g), g);
  // more simulated values than the cap (56 observations × 250 here): none computed, a note in the panel, binned residuals kept
  const big = await withSimulatedResiduals(frame, withPlotData(frame, await fitModel(frame, prep.models[0].spec)), undefined, 56 * 250 - 1);
  assert.equal(big.plotData!.figures!.simulated, undefined);
  assert.match(big.plotData!.figures!.simulatedNote!, /not computed for 56 observations/);
  const set = plotsForFit(big, 'm');
  assert.deepEqual(set.plots.map((p) => p.kind).filter((k) => k.startsWith('simulated')), []);
  assert.ok(set.plots.some((p) => p.kind === 'binned-residuals'));
  assert.ok(set.missing.includes(big.plotData!.figures!.simulatedNote!));
});

test("nlme's ACF plot for a model with a correlation structure: one bar per lag, the 95% bounds, the verdict in the caption", async () => {
  const { prepareModels } = await import('../../engine/src/frame/prepare');
  const { fitModel } = await import('../../engine/src/fit');
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const csv = readFileSync(join(__dirname, '..', 'fixtures', 'reference', 'data', 'sleepstudy.csv'), 'utf8');
  const prep = prepareModels('data: s.csv\nmodel m:\n  formula: Reaction ~ Days + (1 | Subject)\n  correlation: corAR1(form = ~ 1 | Subject)\n', () => csv);
  const fit = await fitModel(prep.models[0].frame!, prep.models[0].spec);
  const acf = plotsForFit(fit, 'm').plots.find((p) => p.kind === 'acf')!;
  assert.ok(acf);
  const doc = svgDoc(acf.svg);
  // lags 0..9 (nlme: min(9, floor(10·log10(10)))), each a bar with its value in the tooltip
  assert.equal(doc.querySelectorAll('line.smooth-line').length, 10);
  // nlme's values (test/fixtures/nlme-acf) against ±1.96/sqrt(pairs): e.g. lag 8, -0.2408 with 36 pairs, inside ±0.327; all lags inside
  assert.match(acf.caption, /No lag is outside the bounds/);
  // the bounds are the engine's (FitResult.acf.bound): qnorm(0.975) / √pairs, 1.959964 / 6 = 0.326661 at 36 pairs
  const k36 = fit.acf!.n.indexOf(36);
  assert.ok(k36 > 0 && Math.abs(fit.acf!.bound[k36] - 0.3266606640900090) < 1e-12);
  assert.equal(plotsForFit(loadReferenceFit('sleepstudy_full'), 's').plots.some((p) => p.kind === 'acf'), false);
});
