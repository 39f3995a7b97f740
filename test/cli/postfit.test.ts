// The after-the-fit commands of the built CLI (node dist/cli/mlm.js): means, anova, estimate,
// predict --interval, baselines, table, fit --ratios. Expected values: emmeans/lmerTest references
// (test/fixtures/postfit), lme4's reference fits, or arithmetic on the data.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { cliRunner, close, root } from './runCli';
const data = join(root, 'test/fixtures/reference/data');
const postfit = (id: string) => JSON.parse(readFileSync(join(root, 'test/fixtures/postfit', `${id}.json`), 'utf8'));
const fit = (id: string) => JSON.parse(readFileSync(join(root, 'test/fixtures/reference/fits', `${id}.json`), 'utf8'));

let tmp = '';
const { mlm, json } = cliRunner(() => tmp);

before(() => {
  const b = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  tmp = mkdtempSync(join(tmpdir(), 'mlm-postfit-'));
  for (const f of ['bdf.csv', 'sleepstudy.csv', 'rats.csv', 'Orthodont.csv', 'cbpp.csv']) copyFileSync(join(data, f), join(tmp, f));
  writeFileSync(
    join(tmp, 'bdf.mlm'),
    [
      'data: bdf.csv',
      'model denom:',
      '  formula: langPOST ~ IQ.verb + factor(denomina) + (1 | schoolNR)',
      '  means: denomina',
      'model context:',
      '  formula: langPOST ~ IQ.ver.cen + avg.IQ.ver.cen + (IQ.ver.cen | schoolNR)',
      '  method: ML',
      '  estimate: between = IQ.ver.cen + avg.IQ.ver.cen',
      '',
    ].join('\n'),
  );
  writeFileSync(join(tmp, 'bad.mlm'), 'data: bdf.csv\nmodel m:\n  formula: langPOST ~ IQ.verb + (1 | schoolNR)\n  estimate: IQ.verb + IQ.verbb\n  means: denomina\n');
  writeFileSync(join(tmp, 'cbpp.mlm'), 'data: cbpp.csv\nmodel m:\n  formula: cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)\n  family: binomial\n  means: period\n');
  writeFileSync(join(tmp, 'ortho.mlm'), 'data: Orthodont.csv\nmodel slope:\n  formula: distance ~ Sex * factor(age) + (age | Subject)\n  df: kenward-roger\n');
  writeFileSync(join(tmp, 'sleep.mlm'), 'data: sleepstudy.csv\nmodel full:\n  formula: Reaction ~ Days + (Days | Subject)\n');
  writeFileSync(join(tmp, 'days.csv'), 'Days,Subject\n0,308\n3,308\n9,308\n');
  writeFileSync(join(tmp, 'rats.mlm'), 'data: rats.csv\nmodel laplace:\n  formula: cbind(m, n - m) ~ 1 + (1 | batch)\n  family: binomial\n');
});

test('mlm means: the means: line gives emmeans\' means and Tukey pairs (bdf, Satterthwaite)', () => {
  const ref = postfit('bdf_emmeans_denomina');
  const got = json(['means', 'bdf.mlm', '--model', 'denom']).denom;
  ref.emmeans.forEach((w: Record<string, number>, i: number) => {
    close(got.emmeans[i].emmean, w.emmean, 1e-4, `emmean ${i}`);
    close(got.emmeans[i].SE, w.SE, 1e-4, `SE ${i}`);
    close(got.emmeans[i].df, w.df, 1e-2, `df ${i}`);
    close(got.emmeans[i]['lower.CL'], w['lower.CL'], 1e-4, `lower ${i}`);
  });
  ref.pairs.forEach((w: Record<string, number | string>, i: number) => {
    assert.equal(got.pairs[i].contrast, w.contrast);
    close(got.pairs[i]['p.value'], w['p.value'] as number, 1e-2, `Tukey p ${w.contrast}`);
  });
  const text = mlm(['means', 'bdf.mlm', '--model', 'denom', '--specs', 'denomina', '--adjust', 'holm']);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /\$contrasts/);
  assert.match(text.out, /P value adjustment: holm method for 6 tests/);
});

test('mlm anova: type III as lmerTest (bdf); --type 1 prints the sequential table', () => {
  const ref = postfit('bdf_emmeans_denomina').anova;
  const got = json(['anova', 'bdf.mlm', '--model', 'denom']).denom;
  assert.deepEqual(got.terms, ref.terms);
  ref.terms.forEach((t: string, i: number) => {
    close(got['F value'][i], ref['F value'][i], 1e-4, `F ${t}`);
    close(got.DenDF[i], ref.DenDF[i], 1e-2, `DenDF ${t}`);
  });
  const t1 = mlm(['anova', 'bdf.mlm', '--model', 'denom', '--type', '1']);
  assert.equal(t1.code, 0, t1.err);
  assert.match(t1.out, /Type I Analysis of Variance Table with Satterthwaite's method/);
});

test('mlm anova --df kenward-roger: λ-scaled F and KR ddf of 3-df terms as lmerTest/pbkrtest (Orthodont); the model\'s df: key is the default', () => {
  const ref = postfit('orthodont_slope_kr_anova').anova3;
  for (const args of [['--df', 'kenward-roger'], []]) {
    const got = json(['anova', 'ortho.mlm', '--model', 'slope', ...args]).slope;
    assert.equal(got.df_method, 'Kenward-Roger');
    assert.deepEqual(got.terms, ref.terms);
    ref.terms.forEach((t: string, i: number) => {
      assert.equal(got.NumDF[i], ref.NumDF[i], `NumDF ${t}`);
      close(got['F value'][i], ref['F value'][i], 1e-4, `F ${t}`);
      close(got.DenDF[i], ref.DenDF[i], 1e-2, `DenDF ${t}`);
      close(got['Pr(>F)'][i], ref['Pr(>F)'][i], 1e-2, `p ${t}`);
    });
  }
  const text = mlm(['anova', 'ortho.mlm', '--model', 'slope']);
  assert.match(text.out, /Type III Analysis of Variance Table with Kenward-Roger's method/);
});

test('mlm anova --df asymptotic: Wald F with DenDF Inf and p from chi-square (Orthodont, as joint_tests(lmer.df = "asymptotic"))', () => {
  const ref = postfit('orthodont_asymptotic_anova').anova3;
  writeFileSync(join(tmp, 'ortho-asy.mlm'), 'data: Orthodont.csv\nmodel m:\n  formula: distance ~ Sex * factor(age) + (1 | Subject)\n');
  const got = json(['anova', 'ortho-asy.mlm', '--model', 'm', '--df', 'asymptotic']).m;
  assert.equal(got.df_method, 'asymptotic');
  assert.deepEqual(got.DenDF, ['Inf', 'Inf', 'Inf']);
  ref.terms.forEach((t: string, i: number) => {
    close(got['F value'][i], ref['F value'][i], 1e-4, `F ${t}`);
    close(got['Pr(>F)'][i], ref['Pr(>F)'][i], 1e-2, `p ${t}`);
  });
  const text = mlm(['anova', 'ortho-asy.mlm', '--model', 'm', '--df', 'asymptotic']);
  assert.match(text.out, /Type III Analysis of Variance Table with asymptotic df/);
});

test('mlm means --type response: probabilities and odds ratios as emmeans type = "response" (cbpp); link scale by default', () => {
  const ref = postfit('cbpp_emmeans_response');
  const got = json(['means', 'cbpp.mlm', '--model', 'm', '--type', 'response']).m;
  assert.equal(got.type, 'response');
  ref.emmeans.forEach((w: Record<string, number>, i: number) => {
    close(got.emmeans[i].prob, w.prob, 1e-4, `prob ${i}`);
    close(got.emmeans[i]['asymp.UCL'], w['asymp.UCL'], 1e-4, `asymp.UCL ${i}`);
  });
  ref.pairs.forEach((w: Record<string, number | string>, i: number) => {
    assert.equal(got.pairs[i].contrast, w.contrast);
    close(got.pairs[i]['odds.ratio'], w['odds.ratio'] as number, 1e-4, `odds ratio ${w.contrast}`);
  });
  const text = mlm(['means', 'cbpp.mlm', '--model', 'm', '--type', 'response']);
  assert.match(text.out, /period +prob +SE +df +asymp\.LCL +asymp\.UCL/);
  assert.match(text.out, /odds\.ratio/);
  assert.match(text.out, /Tests are performed on the log odds ratio scale/);
  const link = json(['means', 'cbpp.mlm', '--model', 'm']).m;
  close(link.emmeans[0].emmean, ref.emmeans_link[0].emmean, 1e-4, 'link-scale emmean');
  assert.equal(mlm(['anova', 'cbpp.mlm', '--type', 'response']).code, 2);
});

test('mlm estimate: the estimate: line (β₁ + β₂, SE from vcov of the ML reference fit) and an expression', () => {
  const ref = fit('bdf_context_ml');
  const i = ref.coefnames.indexOf('IQ.ver.cen');
  const j = ref.coefnames.indexOf('avg.IQ.ver.cen');
  const got = json(['estimate', 'bdf.mlm', '--model', 'context']).context[0];
  assert.equal(got.label, 'between');
  close(got.estimate, ref.fixef['IQ.ver.cen'] + ref.fixef['avg.IQ.ver.cen'], 1e-4, 'estimate');
  close(got.SE, Math.sqrt(ref.vcov[i][i] + 2 * ref.vcov[i][j] + ref.vcov[j][j]), 1e-3, 'SE');
  assert.ok(got.df > 1 && got.df < 2287, `df ${got.df}`);
  const e = json(['estimate', 'bdf.mlm', '--model', 'context', 'IQ.ver.cen - avg.IQ.ver.cen']).context[0];
  close(e.estimate, ref.fixef['IQ.ver.cen'] - ref.fixef['avg.IQ.ver.cen'], 1e-4, 'difference');
});

test('bad input: unknown coefficient (did-you-mean, located in the estimate: line), means: factor not in the model, --at of the wrong type', () => {
  const r = mlm(['estimate', 'bad.mlm', '--model', 'm']);
  assert.equal(r.code, 1);
  assert.match(r.err, /bad\.mlm:4:23: .*'IQ\.verbb' is not a coefficient .*did you mean 'IQ\.verb'/);
  const m = mlm(['means', 'bad.mlm', '--model', 'm']);
  assert.equal(m.code, 1);
  assert.match(m.err, /bad\.mlm:5:10: .*'denomina' is not a variable of the fixed part of model m/);
  const at = mlm(['means', 'bdf.mlm', '--model', 'denom', '--specs', 'denomina', '--at', 'IQ.verb=high']);
  assert.equal(at.code, 1);
  assert.match(at.err, /IQ\.verb is numeric .* must be a number/);
  const use = mlm(['means', 'bdf.mlm', '--by', 'x']);
  assert.equal(use.code, 2);
});

test('mlm predict --interval: se.fit and intervals (sleepstudy population predictions as the reference)', () => {
  const ref = postfit('sleepstudy_predict_se');
  const got = json(['predict', 'sleep.mlm', '--model', 'full', '--newdata', 'days.csv', '--no-re', '--interval', 'confidence']).full;
  [0, 3, 9].forEach((d, i) => {
    close(got.fit[i], ref.fit[d], 1e-4, `fit day ${d}`);
    close(got['se.fit'][i], ref.se[d], 1e-4, `se.fit day ${d}`);
    close(got.upr[i] - got.fit[i], 1.959963984540054 * ref.se[d], 1e-4, `half-width day ${d}`);
  });
  const pi = json(['predict', 'sleep.mlm', '--model', 'full', '--newdata', 'days.csv', '--no-re', '--interval', 'prediction']).full;
  const sigma = fit('sleepstudy_full').sigma;
  close(pi.upr[0] - pi.fit[0], 1.959963984540054 * Math.sqrt(ref.se[0] ** 2 + sigma ** 2), 1e-3, 'prediction half-width');
});

test('mlm predict --interval with random effects: the conditional covariance of (β, b); an unseen subject has the population SE', () => {
  const ref = postfit('sleepstudy_predict_se');
  writeFileSync(join(tmp, 'days-re.csv'), 'Days,Subject\n0,308\n5,999\n');
  const got = json(['predict', 'sleep.mlm', '--model', 'full', '--newdata', 'days-re.csv', '--interval', 'confidence']).full;
  assert.match(got.notes.join(' '), /conditional covariance of the fixed and random effects/);
  close(got['se.fit'][1], ref.se[5], 1e-4, 'se.fit of an unseen subject = population se.fit at day 5');
  assert.ok(got['se.fit'][0] > 0 && Number.isFinite(got['se.fit'][0]));
});

test('mlm baselines: the pooled glm of rats is the pooled proportion; LRT against lme4\'s Laplace logLik, p halved', () => {
  const rows = readFileSync(join(data, 'rats.csv'), 'utf8').trim().split('\n');
  const head = rows[0].split(',').map((h) => h.replace(/"/g, ''));
  const mi = head.indexOf('m');
  const ni = head.indexOf('n');
  let sm = 0;
  let sn = 0;
  let ll = 0;
  const lchoose = (n: number, k: number) => { let s = 0; for (let i = 1; i <= k; i++) s += Math.log((n - k + i) / i); return s; };
  const obs = rows.slice(1).map((r) => r.split(',').map(Number));
  for (const r of obs) { sm += r[mi]; sn += r[ni]; }
  const p = sm / sn;
  for (const r of obs) ll += lchoose(r[ni], r[mi]) + r[mi] * Math.log(p) + (r[ni] - r[mi]) * Math.log(1 - p);
  const got = json(['baselines', 'rats.mlm']).laplace;
  close(got.pooled.coef[0], Math.log(p / (1 - p)), 1e-8, 'pooled log odds');
  close(got.lrt.logLikPooled, ll, 1e-8, 'glm logLik');
  const ref = fit('rats_laplace');
  close(got.lrt.statistic, 2 * (ref.logLik - ll), 1e-4, 'Chisq');
  close(got.lrt.pMixture, got.lrt.pNaive / 2, 1e-12, 'p halved');
});

test('mlm table: models side by side, AIC weights when comparable, a note for REML against ML', () => {
  const t = json(['table', 'bdf.mlm']);
  assert.deepEqual(t.models, ['denom', 'context']);
  assert.ok(t.terms.includes('IQ.verb') && t.terms.includes('IQ.ver.cen'));
  assert.equal(t.stats.aicWeight, null);
  assert.ok(t.notes.some((n: string) => /REML and ML fits are mixed/.test(n)), JSON.stringify(t.notes));
  const text = mlm(['table', 'bdf.mlm']);
  assert.match(text.out, /AIC weights are left out/);
  // the stars say which test they come from: the models' df methods
  assert.match(text.out, /\(t, Satterthwaite df\)\./);
  assert.equal(t.tests, 't, Satterthwaite df');
});

test('mlm fit --ratios: odds ratios exp(β) with exp(β ± 1.96 SE) (rats, lme4\'s Laplace fit)', () => {
  const ref = fit('rats_laplace');
  const got = json(['fit', 'rats.mlm', '--ratios']).laplace.ratios;
  assert.equal(got.kind, 'odds ratio');
  const b = ref.fixef['(Intercept)'];
  const se = ref.se['(Intercept)'];
  close(got.rows[0].ratio, Math.exp(b), 1e-3, 'odds ratio');
  close(got.rows[0].lower, Math.exp(b - 1.959963984540054 * se), 1e-3, 'lower');
});
