// lme4-style summaries formatted from lme4's reference fits (test/fixtures/reference/fits):
// the numbers must be the reference values as R rounds them, in lme4's layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FitResult } from '../../engine/src/result';
import { loadReference, referenceAsFitResult } from '../conformance/harness';
import { formatLmerSummary, formatGlmerSummary, formatSummary } from '../../engine/src/summary';


/** A reference fit as a FitResult (1-element vectors normalised, our extras empty). */
function ref(id: string, keepSatterthwaite = true): FitResult {
  const d: FitResult = referenceAsFitResult(loadReference(id));
  if (!keepSatterthwaite) delete d.satterthwaite;
  return d;
}

const lines = (s: string) => s.split('\n');

test('sleepstudy (Days | Subject), lme4 layout without Satterthwaite tests', () => {
  const r = ref('sleepstudy_full', false);
  const s = formatLmerSummary(r, { data: 'sleepstudy.csv' });
  const L = lines(s);
  assert.equal(L[0], "Linear mixed model fit by REML ['lmerMod']");
  assert.equal(L[1], 'Formula: Reaction ~ Days + (Days | Subject)');
  assert.equal(L[2], '   Data: sleepstudy.csv');
  // REML criterion rounded to one decimal: 1743.628 -> 1743.6
  assert.ok(L.includes(`REML criterion at convergence: ${(Math.round(r.REMLcrit! * 10) / 10).toFixed(1)}`));
  const re = L.indexOf('Random effects:');
  assert.ok(re > 0);
  assert.equal(L[re + 1], ' Groups   Name        Variance Std.Dev. Corr');
  // variances 612.10/35.07/654.94 (2 decimals: 35.07 needs them), SDs 24.741/5.922/25.592, corr 0.07
  const vc = r.varcorr;
  assert.equal(L[re + 2], ` Subject  (Intercept) ${vc[0].vcov.toFixed(2)}   ${vc[0].sdcor.toFixed(3)}       `);
  assert.equal(L[re + 3], `          Days         ${vc[1].vcov.toFixed(2)}    ${vc[1].sdcor.toFixed(3)}   ${vc[2].sdcor.toFixed(2)}`);
  assert.equal(L[re + 4], ` Residual             ${(r.sigma ** 2).toFixed(2)}   ${r.sigma.toFixed(3)}       `);
  assert.equal(L[re + 5], 'Number of obs: 180, groups:  Subject, 18');
  const fe = L.indexOf('Fixed effects:');
  assert.equal(L[fe + 1], '            Estimate Std. Error t value');
  const b = r.fixef;
  const se = r.se;
  const t0 = (b['(Intercept)'] / se['(Intercept)']).toFixed(3);
  const t1 = (b.Days / se.Days).toFixed(3);
  assert.equal(L[fe + 2], `(Intercept)  ${b['(Intercept)'].toFixed(3)}      ${se['(Intercept)'].toFixed(3)}  ${t0}`);
  assert.equal(L[fe + 3], `Days          ${b.Days.toFixed(3)}      ${se.Days.toFixed(3)}   ${t1}`);
  assert.match(s, /\(Intercept\) {2}251\.405 {6}6\.825 {2}36\.838/);
  assert.match(s, /Days {10}10\.467/);
  const cf = L.indexOf('Correlation of Fixed Effects:');
  const corr = r.vcov[0][1] / Math.sqrt(r.vcov[0][0] * r.vcov[1][1]);
  assert.equal(L[cf + 1], '     (Intr)');
  assert.equal(L[cf + 2], `Days ${corr.toFixed(3)}`);
  assert.ok(!s.includes('Signif. codes'));
});

test('with Satterthwaite df the table is lmerTest\'s: df and Pr(>|t|) with stars', () => {
  const r = ref('sleepstudy_full');
  const s = formatLmerSummary(r);
  const L = lines(s);
  assert.equal(L[0], "Linear mixed model fit by REML. t-tests use Satterthwaite's method [");
  assert.equal(L[1], 'lmerModLmerTest]');
  const fe = L.indexOf('Fixed effects:');
  assert.equal(L[fe + 1], '            Estimate Std. Error      df t value Pr(>|t|)    ');
  // df 16.9997 shares the estimates' 3 decimals; p 1.2e-17 < eps; p 3.26e-06
  const p1 = r.satterthwaite!.p.Days.toExponential(2).replace(/e-(\d)$/, 'e-0$1');
  assert.equal(L[fe + 2], '(Intercept)  251.405      6.825  17.000  36.838  < 2e-16 ***');
  assert.equal(L[fe + 3], `Days          10.467      1.546  17.000   6.771 ${p1} ***`);
  assert.equal(L[fe + 4], '---');
  assert.ok(L[fe + 5].startsWith('Signif. codes:  0 ‘***’ 0.001'));
});

test('ML fit: AIC, BIC, logLik, deviance, df.resid table', () => {
  const r = ref('sleepstudy_full_ml', false);
  const L = lines(formatLmerSummary(r));
  assert.equal(L[0], "Linear mixed model fit by maximum likelihood  ['lmerMod']");
  const i = L.findIndex((l) => /^ +AIC +BIC +logLik deviance df\.resid $/.test(l));
  assert.ok(i > 0, 'AIC table header');
  const vals = L[i + 1].trim().split(/ +/);
  assert.deepEqual(vals, [r.AIC.toFixed(1), r.BIC.toFixed(1), r.logLik.toFixed(1), (-2 * r.logLik).toFixed(1), String(r.nobs - r.df)]);
  assert.ok(!L.some((l) => l.startsWith('REML criterion')));
});

test('(Days || Subject): groups Subject and Subject.1, no Corr column', () => {
  const r = ref('sleepstudy_diag', false);
  const L = lines(formatLmerSummary(r));
  const re = L.indexOf('Random effects:');
  assert.equal(L[re + 1], ' Groups    Name        Variance Std.Dev.');
  assert.match(L[re + 2], /^ Subject {3}\(Intercept\) /);
  assert.match(L[re + 3], /^ Subject\.1 Days {9}/);
  assert.match(L[re + 4], /^ Residual {14}/);
});

test('nested (1 | batch/cask): cask:batch and batch, groups line with both', () => {
  const r = ref('pastes_nested', false);
  const s = formatLmerSummary(r);
  const L = lines(s);
  assert.ok(L.includes('REML criterion at convergence: 247')); // 246.99 rounds to 247.0, printed as R's cat does
  assert.ok(L.includes('Number of obs: 60, groups:  cask:batch, 30; batch, 10'));
  const re = L.indexOf('Random effects:');
  assert.equal(L[re + 1], ' Groups     Name        Variance Std.Dev.');
  // variances 8.434/1.657/0.678 at 3 decimals; SDs 4 decimals (0.8234 needs them)
  const sd = r.varcorr.map((v) => v.sdcor);
  assert.equal(L[re + 2], ` cask:batch (Intercept) ${(sd[0] ** 2).toFixed(3)}    ${sd[0].toFixed(4)}  `);
  assert.equal(L[re + 4], ` Residual               ${(r.sigma ** 2).toFixed(3)}    ${r.sigma.toFixed(4)}  `);
  assert.ok(!s.includes('Correlation of Fixed Effects')); // one coefficient
});

test('mathach bryk: 6 coefficients, cross-level names abbreviated in the correlation block', () => {
  const r = ref('mathach_bryk');
  const s = formatLmerSummary(r);
  for (const n of r.coefnames) assert.match(s, new RegExp('^' + n.replace(/[()*:.]/g, '\\$&') + ' ', 'm'));
  const L = lines(s);
  const cf = L.indexOf('Correlation of Fixed Effects:');
  assert.ok(cf > 0);
  assert.equal(L[cf + 1].trim().split(/ +/).length, r.coefnames.length - 1);
  assert.ok(L[cf + 1].startsWith('            (Intr) meanss'));
  assert.ok(L.slice(cf + 2).some((l) => l.startsWith('sectorCthlc ')));
  assert.equal(L.filter((l) => l.startsWith('Number of obs: 7185, groups:  school, 160')).length, 1);
});

test('crossed factors list both groups', () => {
  const r = ref('penicillin_crossed', false);
  const s = formatLmerSummary(r);
  assert.match(s, /Number of obs: 144, groups: {2}plate, 24; sample, 6/);
  assert.match(s, /^ plate +\(Intercept\)/m);
  assert.match(s, /^ sample +\(Intercept\)/m);
});

test('scaled residuals: quantiles of residuals / sigma, zapsmall then 4 significant digits', () => {
  const r = ref('dyestuff', false);
  // residuals chosen so that the quantiles of e / sigma are -2, -0.5, 0.01, 0.75, 3.25 exactly
  const sig = r.sigma;
  r.residuals = [-2, -0.5, 0.01, 0.75, 3.25].map((q) => q * sig);
  const L = lines(formatLmerSummary(r));
  const i = L.indexOf('Scaled residuals: ');
  assert.ok(i > 0);
  // 0.01 needs 2 decimals at 4 significant digits; common width 6 ('Median')
  assert.equal(L[i + 1], '   Min     1Q Median     3Q    Max ');
  assert.equal(L[i + 2], ' -2.00  -0.50   0.01   0.75   3.25 ');
  r.scaledResidualQuantiles = [-3.95361, -0.46339, 0.023149, 0.4634, 5.17928];
  const L2 = lines(formatLmerSummary(r));
  assert.equal(L2[L2.indexOf('Scaled residuals: ') + 2], '-3.9536 -0.4634  0.0231  0.4634  5.1793 ');
});

test('warnings: singular fit, rows dropped, the fit\'s own messages', () => {
  const r = ref('sleepstudy_vi', false);
  r.singular = true;
  r.rowsDropped = 3;
  r.warnings = ['Model failed to converge with max|grad| = 0.01'];
  const s = formatLmerSummary(r);
  assert.match(s, /boundary \(singular\) fit: see help\('isSingular'\)/);
  assert.match(s, /\(3 observations deleted due to missingness\)/);
  assert.match(s, /Model failed to converge with max\|grad\| = 0\.01/);
});

test('binomial GLMM (rats): glmer title, family, z test, <2e-16 and the legend', () => {
  const r = ref('rats_laplace');
  const s = formatGlmerSummary(r);
  const L = lines(s);
  assert.equal(L[0], 'Generalized linear mixed model fit by maximum likelihood (Laplace');
  assert.equal(L[1], '  Approximation) [glmerMod]');
  assert.equal(L[2], ' Family: binomial  ( logit )');
  assert.equal(L[3], 'Formula: cbind(m, n - m) ~ 1 + (1 | batch)');
  const i = L.findIndex((l) => l.includes('df.resid'));
  assert.deepEqual(L[i + 1].trim().split(/ +/), [r.AIC.toFixed(1), r.BIC.toFixed(1), r.logLik.toFixed(1), (-2 * r.logLik).toFixed(1), String(r.nobs - r.df)]);
  const re = L.indexOf('Random effects:');
  assert.equal(L[re + 1], ' Groups Name        Variance Std.Dev.');
  assert.equal(L[re + 2], ` batch  (Intercept) ${r.varcorr[0].vcov.toFixed(4)}   ${r.varcorr[0].sdcor.toFixed(4)}  `);
  assert.equal(L[re + 3], 'Number of obs: 71, groups:  batch, 71');
  const fe = L.indexOf('Fixed effects:');
  assert.equal(L[fe + 1], '            Estimate Std. Error z value Pr(>|z|)    ');
  // z = -15.99 rounds (3 decimals, then 4 significant digits) to -16
  assert.equal(L[fe + 2], `(Intercept)  ${r.fixef['(Intercept)'].toFixed(4)}     ${r.se['(Intercept)'].toFixed(4)}     -16   <2e-16 ***`);
  assert.equal(formatSummary(r), s);
});

test('AGQ title and p-values of a 4-coefficient binomial GLMM (cbpp)', () => {
  const r = ref('cbpp_agq9');
  const L = lines(formatGlmerSummary(r));
  assert.equal(L[0], 'Generalized linear mixed model fit by maximum likelihood (Adaptive');
  assert.equal(L[1], '  Gauss-Hermite Quadrature, nAGQ = 9) [glmerMod]');
  const fe = L.indexOf('Fixed effects:');
  assert.equal(L[fe + 1], '                Estimate Std. Error z value Pr(>|z|)    ');
  // p-values from the reference estimates and SEs (2 * pnorm(-|z|)): 2.07e-09 (scientific); the others
  // share 6 decimals (0.000558 needs them)
  assert.match(L[fe + 2], /^\(Intercept\) {6}-1\.3992 {5}0\.2335 {2}-5\.992 2\.07e-09 \*\*\*$/);
  assert.match(L[fe + 3], /^factor\(period\)2 {2}-0\.9914 {5}0\.3068 {2}-3\.232 0\.001230 \*\* $/);
  assert.match(L[fe + 4], /0\.000558 \*\*\*$/);
  const cf = L.indexOf('Correlation of Fixed Effects:');
  assert.equal(L[cf + 1], '            (Intr) fct()2 fct()3');
  assert.match(L[cf + 2], /^factr\(prd\)2 -0\.\d{3} {14}$/);
});

test('Poisson with two crossed groups', () => {
  const r = ref('grouseticks_poisson');
  const s = formatSummary(r);
  assert.match(s, /^ Family: poisson {2}\( log \)$/m);
  assert.match(s, /Number of obs: 403, groups: {2}BROOD, 118; LOCATION, 63/);
  assert.ok(!/Residual/.test(s));
});

test('more than 12 coefficients: correlation not shown, with lme4\'s note', () => {
  const r = ref('sleepstudy_full', false);
  const names = Array.from({ length: 13 }, (_, i) => (i === 0 ? '(Intercept)' : `predictor${i}`));
  r.coefnames = names;
  r.fixef = Object.fromEntries(names.map((n, i) => [n, i + 1]));
  r.se = Object.fromEntries(names.map((n) => [n, 0.5]));
  r.vcov = names.map((_, i) => names.map((__, j) => (i === j ? 0.25 : 0.01)));
  const s = formatLmerSummary(r);
  assert.match(s, /Correlation matrix not shown by default, as p = 13 > 12\./);
  assert.ok(!s.includes('Correlation of Fixed Effects:'));
  const full = formatLmerSummary(r, { correlation: true });
  assert.ok(full.includes('Correlation of Fixed Effects:'));
  // 12 columns do not fit in 80 characters: R wraps them into a second block
  const L = lines(full);
  const cf = L.indexOf('Correlation of Fixed Effects:');
  assert.ok(L.slice(cf + 1).every((l) => l.length <= 80));
  // 11-wide row names + 12 columns of 7 > 80: columns prdct1..prdct8 first, then the rest (abbreviations as R's)
  const block = L.slice(cf + 1);
  assert.equal(block[0], '            (Intr) prdct1 prdct2 prdct3 prdct4 prdct5 prdct6 prdct7 prdct8');
  assert.ok(block.includes('            prdct9 prdc10 prdc11'));
});

test('tests without Satterthwaite df fall back to lme4\'s three columns; GLMM tests from the result are used', () => {
  const r = ref('sleepstudy_full', false);
  r.tests = Object.fromEntries(
    r.coefnames.map((n) => [n, { estimate: r.fixef[n], se: r.se[n], statistic: r.fixef[n] / r.se[n], df: null, p: null }]),
  );
  const L = lines(formatLmerSummary(r));
  assert.equal(L[0], "Linear mixed model fit by REML ['lmerMod']");
  assert.equal(L[L.indexOf('Fixed effects:') + 1], '            Estimate Std. Error t value');

  const g = ref('rats_laplace');
  g.tests = { '(Intercept)': { estimate: g.fixef['(Intercept)'], se: g.se['(Intercept)'], statistic: -16, df: null, p: 0.0123 } };
  const G = lines(formatGlmerSummary(g));
  assert.match(G[G.indexOf('Fixed effects:') + 2], / -16 +0\.0123 \*$/);
});
