/**
 * The model-checking assistant's numbers: singular fits explained (against lme4's isSingular,
 * VarCorr and rePCA on fits lme4 finds singular), the Kolmogorov-Smirnov test against R's ks.test,
 * and DHARMa-style simulated residuals checked by their defining property (data simulated from the
 * fitted model's own form give uniform residuals; overdispersion is flagged).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { explainSingular } from '../../engine/src/inference/singular';
import { ksUniform, simulatedResiduals, kolmogorovAsymptotic } from '../../engine/src/inference/simres';
import { Rng } from '../../engine/src/inference/rng';
import { tTwoSided } from '../../engine/src/inference/distributions';
import { prepareModels } from '../../engine/src/frame/prepare';
import { fitMixedModel } from '../../engine/src/fit';
import { loadReference } from './inference-fixtures';

const DIR = join(__dirname, '..', 'fixtures', 'check');
const lme4 = JSON.parse(readFileSync(join(DIR, 'lme4-singular.json'), 'utf8'));

async function fitText(mlm: string, files: Record<string, string>) {
  const prep = prepareModels(mlm, (p) => files[p]);
  const m = prep.models[0];
  assert.ok(m.frame, JSON.stringify(prep.diagnostics));
  return fitMixedModel(m.frame, m.spec);
}

test('rePCA of a non-singular fit matches lme4 (sleepstudy (Days | Subject))', () => {
  const ref = loadReference('sleepstudy_full');
  const r = explainSingular(ref);
  assert.equal(r.singular, false);
  assert.deepEqual(r.terms, []);
  assert.equal(r.rePCA.length, 1);
  assert.equal(r.rePCA[0].group, 'Subject');
  lme4.sleepstudy_full.rePCA_sdev.forEach((v: number, i: number) => assert.ok(Math.abs(r.rePCA[0].sdev[i] - v) < 1e-6, `sdev ${i}`));
  lme4.sleepstudy_full.rePCA_prop.forEach((v: number, i: number) => assert.ok(Math.abs(r.rePCA[0].proportion[i] - v) < 1e-4, `proportion ${i}`));
});

test('rePCA joins the terms of (Days || Subject) into one grouping factor, as lme4', () => {
  const ref = loadReference('sleepstudy_diag');
  const r = explainSingular(ref);
  assert.equal(r.rePCA.length, 1);
  assert.equal(r.rePCA[0].group, 'Subject');
  assert.equal(r.rePCA[0].sdev.length, 2);
  // lme4: summary(rePCA(lmer(Reaction ~ Days + (Days || Subject), sleepstudy))) sdev 0.9799, 0.23423
  assert.ok(Math.abs(r.rePCA[0].sdev[0] - 0.9799) < 5e-4);
  assert.ok(Math.abs(r.rePCA[0].sdev[1] - 0.23423) < 5e-5);
});

test('a zero variance is named in words (Dyestuff2, which lme4 finds singular)', async () => {
  const csv = readFileSync(join(DIR, 'Dyestuff2.csv'), 'utf8');
  const { result } = await fitText('data: d.csv\nmodel m:\n  formula: Yield ~ 1 + (1 | Batch)\n', { 'd.csv': csv });
  assert.equal(result.singular, lme4.dyestuff2.singular);
  assert.ok(Math.abs((result.REMLcrit ?? NaN) - lme4.dyestuff2.REMLcrit) < 1e-3);
  const r = explainSingular(result);
  assert.equal(r.singular, true);
  assert.equal(r.terms.length, 1);
  assert.equal(r.terms[0].kind, 'zero variance');
  assert.equal(r.terms[0].group, 'Batch');
  assert.equal(r.terms[0].term, '(1 | Batch)');
  assert.equal(r.terms[0].detail, 'the variance of the intercept by Batch is estimated as 0');
  assert.ok(Number.isNaN(r.rePCA[0].proportion[0]), 'R prints NaN proportions when every sdev is 0');
});

test('a correlation of -1 is named in words (lme4 finds it singular with corr -1)', async () => {
  const csv = readFileSync(join(DIR, 'singcor.csv'), 'utf8');
  const { result } = await fitText('data: d.csv\nfactors: g\nmodel m:\n  formula: y ~ x + (x | g)\n', { 'd.csv': csv });
  assert.equal(result.singular, true);
  assert.ok(Math.abs((result.REMLcrit ?? NaN) - lme4.singcor.REMLcrit) < 1e-3);
  const r = explainSingular(result);
  assert.equal(r.terms.length, 1);
  const t = r.terms[0];
  assert.equal(t.kind, 'correlation ±1');
  assert.equal(t.term, '(x | g)');
  assert.deepEqual(t.components, ['(Intercept)', 'x']);
  assert.ok(Math.abs(t.value - lme4.singcor.corr) < 1e-3);
  assert.match(t.detail, /^the intercept-slope correlation by g is −1/);
  assert.ok(Math.abs(r.rePCA[0].sdev[0] - lme4.singcor.rePCA_sdev[0]) < 2e-3);
  assert.ok(r.rePCA[0].sdev[1] < 1e-4);
});

test('a rank-deficient 3 × 3 term without a zero variance or a ±1 correlation', () => {
  // Λ's columns: the third is a combination of the first two, so ΛΛ' has rank 2, no variance is 0
  // and no pair of components is perfectly correlated.
  const theta = [1, 0.5, 0.5, 1, 0.5, 0];
  const varcorr = [
    { grp: 'g', var1: '(Intercept)', var2: null, vcov: 1, sdcor: 1 },
    { grp: 'g', var1: 'a', var2: null, vcov: 1, sdcor: 1 },
    { grp: 'g', var1: 'b', var2: null, vcov: 1, sdcor: 1 },
  ];
  const r = explainSingular({ theta, varcorr });
  assert.equal(r.terms.length, 1);
  assert.equal(r.terms[0].kind, 'rank deficient');
  assert.equal(r.terms[0].value, 2);
  assert.equal(r.terms[0].term, '(a + b | g)');
});

test('Kolmogorov-Smirnov against R ks.test: exact (n < 100) and asymptotic', () => {
  const frac = (v: number) => v - Math.floor(v);
  const x = Array.from({ length: 10 }, (_, i) => frac((i + 1) * 0.6180339887) ** 1.3);
  const a = ksUniform(x);
  assert.ok(Math.abs(a.statistic - 0.16687182016158206) < 1e-12);
  assert.ok(Math.abs(a.p - 0.90193197070346021) < 1e-9, String(a.p));
  const z = Array.from({ length: 60 }, (_, i) => frac((i + 1) * 0.7548776662) ** 1.5);
  const c = ksUniform(z);
  assert.ok(Math.abs(c.statistic - 0.17680253714271393) < 1e-12);
  assert.ok(Math.abs(c.p - 0.041208171450604292) < 1e-9, String(c.p));
  const y = Array.from({ length: 150 }, (_, i) => frac((i + 1) * 0.6180339887) ** 1.15);
  const b = ksUniform(y);
  assert.ok(Math.abs(b.statistic - 0.053727567939950913) < 1e-12);
  assert.ok(Math.abs(b.p - 0.77947802835074287) < 1e-9, String(b.p));
  // both series of the limiting distribution agree where they meet
  assert.ok(Math.abs(kolmogorovAsymptotic(0.9999999) - kolmogorovAsymptotic(1.0000001)) < 1e-6);
});

/** Poisson counts from y ~ x + (1 | g), optionally with observation-level noise (overdispersion). */
function poissonData(seed: number, overdispersion: number, per = 10, groupSd = 0.5): string {
  const rng = new Rng(seed);
  const rows = ['y,x,g,obs'];
  const groups = 20;
  for (let g = 0; g < groups; g++) {
    const u = groupSd * rng.normal();
    for (let j = 0; j < per; j++) {
      const x = rng.uniform() * 2 - 1;
      const eta = 1 + 0.6 * x + u + overdispersion * rng.normal();
      rows.push(`${rng.poisson(Math.exp(eta))},${x.toFixed(5)},g${g},o${g * per + j}`);
    }
  }
  return rows.join('\n') + '\n';
}

test('simulated residuals are uniform for data from the fitted model form (KS rejects in about 5% of seeds)', async () => {
  let rejections = 0;
  const seeds = 20;
  for (let s = 1; s <= seeds; s++) {
    const { frame, result } = await fitText('data: d.csv\nmodel m:\n  formula: y ~ x + (1 | g)\n  family: poisson\n', { 'd.csv': poissonData(100 + s, 0) });
    const res = await simulatedResiduals(frame, result, { nsim: 250, seed: s });
    assert.equal(res.scaled.length, frame.n);
    assert.ok(res.scaled.every((v) => v >= 0 && v <= 1));
    if (res.tests.uniformity.p < 0.05) rejections++;
  }
  // Binomial(20, 0.05): P(X >= 4) = 0.016
  assert.ok(rejections <= 3, `${rejections} of ${seeds} seeds rejected uniformity`);
});

test('the dispersion test flags overdispersed counts and not the same data with an observation-level term', async () => {
  // log-normal observation-level noise (sd 0.7) on top of group effects (sd 0.3), 20 groups of 20
  for (const seed of [1, 2, 3]) {
    const csv = poissonData(seed, 0.7, 20, 0.3);
    const without = await fitText('data: d.csv\nmodel m:\n  formula: y ~ x + (1 | g)\n  family: poisson\n', { 'd.csv': csv });
    const a = await simulatedResiduals(without.frame, without.result, { nsim: 250, seed: 1 });
    assert.ok(a.tests.dispersion.ratio > 1.2, `seed ${seed}: ratio ${a.tests.dispersion.ratio}`);
    assert.ok(a.tests.dispersion.p < 0.05, `seed ${seed}: p ${a.tests.dispersion.p}`);
    assert.ok(a.tests.uniformity.p < 0.05, `seed ${seed}: KS p ${a.tests.uniformity.p}`);
    const withOlre = await fitText('data: d.csv\nmodel m:\n  formula: y ~ x + (1 | g) + (1 | obs)\n  family: poisson\n', { 'd.csv': csv });
    const b = await simulatedResiduals(withOlre.frame, withOlre.result, { nsim: 250, seed: 1 });
    assert.ok(b.tests.dispersion.p > 0.05, `seed ${seed}: p ${b.tests.dispersion.p}`);
  }
});

test('simulated residuals of a gaussian LMM are continuous: no zero-inflation test, outliers near 2/(nsim+1)', async () => {
  const { frame, result } = await fitText('data: d.csv\nmodel m:\n  formula: Reaction ~ Days + (Days | Subject)\n', {
    'd.csv': readFileSync(join(__dirname, '..', 'fixtures', 'reference', 'data', 'sleepstudy.csv'), 'utf8'),
  });
  const res = await simulatedResiduals(frame, result, { nsim: 100, seed: 3 });
  assert.equal(res.integerResponse, false);
  assert.equal(res.tests.zeroInflation, null);
  assert.ok(res.tests.outliers.expected > 0 && res.tests.outliers.expected < 0.1);
});

test('convergence verdict: every optimizer reaches lme4\'s optimum for sleepstudy (Days | Subject)', async () => {
  const { checkConvergenceByRefits } = await import('../../engine/src/inference/allfit');
  const ref = loadReference('sleepstudy_full');
  const fitted = await fitText('data: d.csv\nmodel m:\n  formula: Reaction ~ Days + (Days | Subject)\n', {
    'd.csv': readFileSync(join(__dirname, '..', 'fixtures', 'reference', 'data', 'sleepstudy.csv'), 'utf8'),
  });
  const c = await checkConvergenceByRefits(fitted);
  assert.deepEqual(c.runs.map((r) => r.optimizer), ['bobyqa', 'Nelder_Mead', 'quasi-Newton (bounds)', 'bobyqa (restart at optimum)']);
  for (const r of c.runs) {
    assert.ok(r.deviance !== null && Math.abs(r.deviance - (ref.REMLcrit as number)) < 1e-3, `${r.optimizer}: ${r.deviance}`);
    assert.ok(Math.abs(r.fixef.Days - ref.fixef.Days) / Math.abs(ref.fixef.Days) < 1e-4, `${r.optimizer}: Days ${r.fixef.Days}`);
  }
  assert.equal(c.safe, true, c.verdict);
  assert.ok(c.maxRelativeSpread < 1e-4);
  assert.match(c.verdict, /^safe: all 4 optimizers agree to 1e-4$/);
});

test('convergence verdict: a GLMM (cbpp) refitted by every optimizer matches glmer\'s deviance', async () => {
  const { checkConvergenceByRefits } = await import('../../engine/src/inference/allfit');
  const ref = loadReference('cbpp_binomial');
  const fitted = await fitText('data: d.csv\nmodel m:\n  formula: cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)\n  family: binomial\n', {
    'd.csv': readFileSync(join(__dirname, '..', 'fixtures', 'reference', 'data', 'cbpp.csv'), 'utf8'),
  });
  const c = await checkConvergenceByRefits(fitted);
  for (const r of c.runs) assert.ok(r.deviance !== null && Math.abs(r.deviance - -2 * ref.logLik) < 2e-3, `${r.optimizer}: ${r.deviance} vs ${-2 * ref.logLik}`);
  assert.equal(c.safe, true, c.verdict);
});

test('convergence verdict: runs that disagree are judged not safe, naming the parameter', async () => {
  const { judge } = await import('../../engine/src/inference/allfit');
  const run = (optimizer: 'bobyqa' | 'Nelder_Mead', dev: number, x: number) => ({ optimizer, deviance: dev, fixef: { '(Intercept)': 1, x }, sdcor: { 'sd_(Intercept)|g': 2 }, evaluations: 10, seconds: 0 });
  const c = judge([run('bobyqa', 100, 0.5), run('Nelder_Mead', 100.00001, 0.52)]);
  assert.equal(c.safe, false);
  assert.equal(c.worst, 'x');
  assert.ok(Math.abs(c.maxRelativeSpread - 0.02 / 0.52) < 1e-12);
  assert.match(c.verdict, /^not safe: estimates differ by 3\.8% \(x\)/);
  const failed = judge([run('bobyqa', 100, 0.5), { ...run('Nelder_Mead', 0, 0), deviance: null, error: 'boom' }]);
  assert.match(failed.verdict, /^cannot judge: only 1 optimizer run\(s\) succeeded \(failed: Nelder_Mead\)/);
});

test('likelihood-ratio test of an added variance: the boundary mixture p-value (mathematics) and its sentence', async () => {
  const { boundaryMixtureP } = await import('../../engine/src/inference/anova');
  const { chisqUpper } = await import('../../engine/src/inference/distributions');
  const { interpretLrt } = await import('../../engine/src/inference/interpret');
  // one variance: half the χ²(1) p-value; two parameters (a slope variance and its covariance): ½χ²(1) + ½χ²(2), χ²(2) survival e^{-x/2}
  assert.ok(Math.abs(boundaryMixtureP(3.2, 1) - 0.5 * chisqUpper(3.2, 1)) < 1e-15);
  assert.ok(Math.abs(boundaryMixtureP(5, 2) - (0.5 * chisqUpper(5, 1) + 0.5 * Math.exp(-2.5))) < 1e-12);
  assert.equal(boundaryMixtureP(0, 1), 1);
  const base = { formula: '', npar: 4, AIC: 100, BIC: 110, logLik: -46, deviance: 92, Chisq: null, Df: null, p: null, refitted: false };
  const row = { ...base, name: 'slope', npar: 6, AIC: 99, logLik: -43.5, deviance: 87, Chisq: 5, Df: 2, p: Math.exp(-2.5), pBoundary: boundaryMixtureP(5, 2) };
  const s = interpretLrt(row, { ...base, name: 'intercept' });
  assert.match(s, /^slope does not fit significantly better than intercept \(χ²\(2\) = 5\.00, p = \.082\)/);
  assert.match(s, /the 50:50 mixture of χ²\(1\) and χ²\(2\) is the better reference: p = \.054; ΔAIC = -1\.0 \(slope has the lower AIC\)\.$/);
});

test('simpler random effects for a singular fit, as formula text', async () => {
  const { simplifySingular } = await import('../../engine/src/inference/simplify');
  const zeroSlope = explainSingular({
    theta: [1, 0, 0],
    varcorr: [
      { grp: 'Subject', var1: '(Intercept)', var2: null, vcov: 1, sdcor: 1 },
      { grp: 'Subject', var1: 'Days', var2: null, vcov: 0, sdcor: 0 },
    ],
  });
  assert.equal(zeroSlope.terms[0].detail, 'the variance of the Days slope by Subject is estimated as 0');
  assert.deepEqual(
    simplifySingular('Reaction ~ Days + (Days | Subject)', zeroSlope).map((s) => [s.kind, s.formula, s.suffix]),
    [
      ['uncorrelated', 'Reaction ~ Days + (Days || Subject)', 'uncorrelated'],
      ['drop slope', 'Reaction ~ Days + (1 | Subject)', 'no_Days'],
    ],
  );
  const corr = explainSingular({
    theta: [1.2, -0.2, 0, 0.5],
    varcorr: [
      { grp: 'g', var1: '(Intercept)', var2: null, vcov: 1, sdcor: 1 },
      { grp: 'g', var1: 'x', var2: null, vcov: 1, sdcor: 1 },
      { grp: 'h', var1: '(Intercept)', var2: null, vcov: 1, sdcor: 1 },
    ],
  });
  assert.equal(corr.terms[0].kind, 'correlation ±1');
  assert.deepEqual(
    simplifySingular('y ~ x + (1 + x | g) + (1 | h)', corr).map((s) => s.formula),
    ['y ~ x + (1 + x || g) + (1 | h)', 'y ~ x + (1 | h)'],
  );
  assert.deepEqual(
    simplifySingular('y ~ (1 + x | g) + (1 | h) + x', corr).map((s) => s.formula),
    ['y ~ (1 + x || g) + (1 | h) + x', 'y ~ (1 | h) + x'],
  );
  // a || term whose slope variance is 0: only the intercept term remains
  const diag = explainSingular({
    theta: [1, 0],
    varcorr: [
      { grp: 'Subject', var1: '(Intercept)', var2: null, vcov: 1, sdcor: 1 },
      { grp: 'Subject.1', var1: 'Days', var2: null, vcov: 0, sdcor: 0 },
    ],
  });
  assert.deepEqual(simplifySingular('Reaction ~ Days + (Days || Subject)', diag).map((s) => s.formula), ['Reaction ~ Days + (1 | Subject)']);
  assert.deepEqual(simplifySingular('y ~ (', diag), []);
});

test('Poisson-binomial p-value: equal probabilities give the binomial distribution (mathematics)', async () => {
  const { poissonBinomialTwoSided } = await import('../../engine/src/inference/simres');
  // Binomial(4, 0.5): P(X <= 0) = 1/16, P(X >= 4) = 1/16, P(X <= 1) = 5/16
  const p = [0.5, 0.5, 0.5, 0.5];
  assert.ok(Math.abs(poissonBinomialTwoSided(p, 0) - 2 / 16) < 1e-15);
  assert.ok(Math.abs(poissonBinomialTwoSided(p, 4) - 2 / 16) < 1e-15);
  assert.ok(Math.abs(poissonBinomialTwoSided(p, 1) - 10 / 16) < 1e-15);
  assert.equal(poissonBinomialTwoSided(p, 2), 1);
  // far in the upper tail of a small expectation
  assert.ok(poissonBinomialTwoSided(new Array(1000).fill(0.001), 12) < 1e-6);
});

test('every inference side by side for sleepstudy (Days | Subject) matches lme4, lmerTest, pbkrtest and anova()', async () => {
  const { inferenceSideBySide } = await import('../../engine/src/inference/sidebyside');
  const ref = loadReference('sleepstudy_full');
  const kr = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'reference', 'kenward-roger', 'sleepstudy_full.json'), 'utf8'));
  const lrt = JSON.parse(readFileSync(join(DIR, 'lme4-sleepstudy-lrt.json'), 'utf8'));
  const fitted = await fitText('data: d.csv\nmodel m:\n  formula: Reaction ~ Days + (Days | Subject)\n', {
    'd.csv': readFileSync(join(__dirname, '..', 'fixtures', 'reference', 'data', 'sleepstudy.csv'), 'utf8'),
  });
  const [days] = await inferenceSideBySide(fitted, ['Days'], { profile: true, lrt: true });
  const row = (m: string) => days.rows.find((r) => r.method === m)!;
  const rel = (a: number | null, b: number, tol: number, what: string) => assert.ok(a !== null && Math.abs(a - b) <= tol * Math.abs(b), `${what}: ${a} vs ${b}`);
  rel(row('Wald z').lower, lrt.wald.lower[1], 1e-4, 'Wald lower');
  rel(row('Wald z').upper, lrt.wald.upper[1], 1e-4, 'Wald upper');
  rel(row('Satterthwaite t').df, ref.satterthwaite!.df.Days, 1e-2, 'Satterthwaite df');
  rel(row('Satterthwaite t').p, ref.satterthwaite!.p.Days, 2e-2, 'Satterthwaite p');
  rel(row('Kenward-Roger t').df, kr.df.Days, 1e-2, 'KR df');
  rel(row('Kenward-Roger t').se, kr.se.Days, 1e-4, 'KR se');
  rel(row('Kenward-Roger t').p, kr.p.Days, 2e-2, 'KR p');
  const prof = ref.confint_profile!;
  rel(row('profile likelihood').lower, prof.lower[prof.names.indexOf('Days')], 1e-3, 'profile lower');
  rel(row('profile likelihood').upper, prof.upper[prof.names.indexOf('Days')], 1e-3, 'profile upper');
  rel(row('likelihood-ratio test').statistic, lrt.lrt_Days.chisq, 1e-4, 'LRT chisq');
  rel(row('likelihood-ratio test').p, lrt.lrt_Days.p, 1e-3, 'LRT p');
  assert.equal(days.disagree, false);
  assert.equal(days.remark, null);
  const [icpt] = await inferenceSideBySide(fitted, ['(Intercept)'], { lrt: true });
  rel(icpt.rows.find((r) => r.method === 'likelihood-ratio test')!.statistic, lrt.lrt_Intercept.chisq, 1e-4, 'LRT (Intercept)');
  await assert.rejects(() => inferenceSideBySide(fitted, ['Dayz']), /no coefficient 'Dayz'/);
});

test('side by side: methods that disagree at 5% are named', async () => {
  const { inferenceSideBySide } = await import('../../engine/src/inference/sidebyside');
  // x varies between 5 balanced groups only: the t tests have 5 - 2 = 3 df (mathematics), where z has none
  const rng = new Rng(9);
  const rows = ['y,x,g'];
  for (let g = 0; g < 5; g++) {
    const u = rng.normal();
    for (let j = 0; j < 4; j++) {
      const x = g % 2;
      rows.push(`${(0.9 * x + u + 0.4 * rng.normal()).toFixed(4)},${x},g${g}`);
    }
  }
  const fitted = await fitText('data: d.csv\nmodel m:\n  formula: y ~ x + (1 | g)\n', { 'd.csv': rows.join('\n') + '\n' });
  const [x] = await inferenceSideBySide(fitted, ['x']);
  const z = x.rows.find((r) => r.method === 'Wald z')!;
  const t = x.rows.find((r) => r.method === 'Satterthwaite t')!;
  const kr = x.rows.find((r) => r.method === 'Kenward-Roger t')!;
  assert.ok(Math.abs(t.df! - 3) < 1e-6 && Math.abs(kr.df! - 3) < 1e-6, `${t.df} ${kr.df}`);
  assert.ok(Math.abs(t.p! - tTwoSided(t.statistic!, 3)) < 1e-6);
  assert.ok(z.p! < 0.05 && t.p! > 0.05, `${z.p} ${t.p}`);
  assert.equal(x.disagree, true);
  assert.equal(x.remark, 'The methods disagree at the 5% level: significant by Wald z; not by Satterthwaite t, Kenward-Roger t.');
});
