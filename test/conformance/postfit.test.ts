/**
 * After the fit, against emmeans 1.8.4 and lmerTest 3.1-3 (test/fixtures/postfit, copied from the
 * shared references): marginal means, Tukey pairs, type III F tests, population predictions with SEs.
 * Tolerances from the references' README: means, estimates and SEs 1e-4 relative; df 1e-2;
 * p 1e-2 relative or 1e-8 absolute. The engine fits each model itself (no R at test time).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareModels } from '../../engine/src/frame/prepare';
import { fitModel, fitMixedModel } from '../../engine/src/fit';
import { compareModels, type AnovaEntry } from '../../engine/src/inference/anova';
import { inferenceSideBySide } from '../../engine/src/inference/sidebyside';
import { PostFit, postFitSummary, type DfRequest } from '../../engine/src/inference/postfit';
import { meansJson } from '../../engine/src/inference/emmeans';
import { predictNewData, predictionIntervals } from '../../engine/src/inference/predict';
import { PredictionVariance } from '../../engine/src/inference/condvar';
import { readCsv } from '../../engine/src/data/csv';
import type { DataTable } from '../../engine/src/data/types';
import { ROOT } from './harness';

const POSTFIT = join(ROOT, 'test/fixtures/postfit');
const DATA = join(ROOT, 'test/fixtures/reference/data');

interface PostfitRef {
  id: string;
  data: string;
  formula: string;
  specs: string;
  df_method: string;
  emmeans: Record<string, number | string>[];
  pairs: Record<string, number | string>[];
  anova: { terms: string[]; 'Sum Sq': number[]; 'Mean Sq': number[]; NumDF: number[]; DenDF: number[]; 'F value': number[]; 'Pr(>F)': number[] };
}

const load = (id: string) => JSON.parse(readFileSync(join(POSTFIT, `${id}.json`), 'utf8'));

function relClose(got: number, want: number, tol: number, what: string) {
  assert.ok(Math.abs(got - want) <= tol * Math.abs(want), `${what}: got ${got}, want ${want} (relative ${tol})`);
}
function pClose(got: number, want: number, what: string) {
  assert.ok(Math.abs(got - want) <= Math.max(1e-2 * Math.abs(want), 1e-8), `${what}: got ${got}, want ${want}`);
}
function dfClose(got: number | string, want: number | string, what: string) {
  if (want === 'Inf') return assert.equal(got, 'Inf', what);
  relClose(got as number, want as number, 1e-2, what);
}

async function fitted(ref: { data: string; formula: string }, extra = '', keys = '') {
  const prep = prepareModels(`data: ${ref.data}\n${extra}model m:\n  formula: ${ref.formula}\n${keys}`, (f) => readFileSync(join(DATA, f), 'utf8'));
  const m = prep.models[0];
  assert.ok(m.frame, JSON.stringify(m.error));
  const { result, model: mixedModel } = await fitMixedModel(m.frame, m.spec, { yieldEveryMs: 0 });
  return { prep, m, result, mixedModel, pf: new PostFit({ model: m.decl, table: prep.table as DataTable, frame: m.frame, result, mixedModel }) };
}

async function checkMeans(id: string, extra = '', tol = { est: 1e-4, anova: 1e-4 }, df: DfRequest = 'auto') {
  const ref = load(id) as PostfitRef;
  const { pf } = await fitted(ref, extra);
  const got = meansJson(await pf.means({ specs: [ref.specs] }, df));
  assert.equal(got.emmeans.length, ref.emmeans.length);
  ref.emmeans.forEach((want, i) => {
    const g = got.emmeans[i];
    assert.equal(g[ref.specs], want[ref.specs], `${id} level ${i}`);
    relClose(g.emmean as number, want.emmean as number, tol.est, `${id} emmean ${want[ref.specs]}`);
    relClose(g.SE as number, want.SE as number, tol.est, `${id} SE ${want[ref.specs]}`);
    dfClose(g.df as number | string, want.df, `${id} df ${want[ref.specs]}`);
    const lo = want['lower.CL'] ?? want['asymp.LCL'];
    const hi = want['upper.CL'] ?? want['asymp.UCL'];
    relClose((g['lower.CL'] ?? g['asymp.LCL']) as number, lo as number, tol.est, `${id} lower`);
    relClose((g['upper.CL'] ?? g['asymp.UCL']) as number, hi as number, tol.est, `${id} upper`);
  });
  assert.equal(got.pairs.length, ref.pairs.length);
  ref.pairs.forEach((want, i) => {
    const g = got.pairs[i];
    assert.equal(g.contrast, want.contrast);
    relClose(g.estimate as number, want.estimate as number, tol.est, `${id} ${want.contrast} estimate`);
    relClose(g.SE as number, want.SE as number, tol.est, `${id} ${want.contrast} SE`);
    dfClose(g.df as number | string, want.df, `${id} ${want.contrast} df`);
    const ratio = (want['t.ratio'] ?? want['z.ratio']) as number;
    relClose((g['t.ratio'] ?? g['z.ratio']) as number, ratio, tol.est, `${id} ${want.contrast} ratio`);
    pClose(g['p.value'] as number, want['p.value'] as number, `${id} ${want.contrast} Tukey p`);
  });
  const rows = await pf.anova(3, df === 'auto' ? 'model' : df);
  assert.deepEqual(rows.map((r) => r.term), ref.anova.terms);
  rows.forEach((r, i) => {
    const t = ref.anova.terms[i];
    assert.equal(r.NumDF, ref.anova.NumDF[i], `${id} ${t} NumDF`);
    relClose(r.DenDF!, ref.anova.DenDF[i], 1e-2, `${id} ${t} DenDF`);
    relClose(r.F!, ref.anova['F value'][i], tol.anova, `${id} ${t} F`);
    relClose(r.sumSq!, ref.anova['Sum Sq'][i], tol.anova, `${id} ${t} Sum Sq`);
    relClose(r.meanSq!, ref.anova['Mean Sq'][i], tol.anova, `${id} ${t} Mean Sq`);
    pClose(r.p!, ref.anova['Pr(>F)'][i], `${id} ${t} p`);
  });
}

test('bdf: means of factor(denomina) (Satterthwaite df), Tukey pairs of 4 means (ptukey), type III anova', () => checkMeans('bdf_emmeans_denomina'));

test('mathach bryk: means by sector (N > 3000: asymptotic z as emmeans), contrast, type III anova', async (t) => {
  // lme4's default optimizer stops early on this model (reference README); our fit reaches the tighter
  // optimum, which moves the F statistics by up to 1e-4 relative: they are checked at 1e-3
  t.diagnostic('F tests at 1e-3: the engine reaches a slightly better REML optimum than lme4 on mathach_bryk');
  await checkMeans('mathach_emmeans_sector', 'levels: sector = Public, Catholic\n', { est: 1e-4, anova: 1e-3 });
});

test('Orthodont: means by Sex with Kenward-Roger df and SEs (pbkrtest\'s adjusted vcov), KR F tests', async (t) => {
  // lme4's default optimizer stops early on this model (REML criterion 432.5817 at θ₁ = 1.8341 against
  // 1.8362 with tight tolerances, where the engine lands): means and SEs still agree within 1e-4 (2.3e-5);
  // the F statistics move by up to 6e-4 with the coefficients and are checked at 1e-3
  t.diagnostic('F at 1e-3: the engine reaches a slightly better REML optimum than lme4 on Orthodont');
  await checkMeans('orthodont_emmeans_sex', '', { est: 1e-4, anova: 1e-3 }, 'kenward-roger');
});

test('sleepstudy: population predictions at days 0-9 with se.fit = √(x\'Vx) as the reference', async () => {
  const ref = load('sleepstudy_predict_se') as { data: string; formula: string; newdata: { Days: number }[]; fit: number[]; se: number[] };
  const { prep, m, result } = await fitted(ref);
  const csv = 'Days,Subject,Reaction\n' + ref.newdata.map((r) => `${r.Days},308,`).join('\n') + '\n';
  const newTable = readCsv(csv, 'new.csv');
  const pred = predictNewData({ model: m.decl, trainTable: prep.table as DataTable, frame: m.frame!, result, newTable, scale: 'link' });
  const iv = predictionIntervals(pred, result, { interval: 'confidence', re: false });
  ref.fit.forEach((f, i) => {
    relClose(iv.fit[i]!, f, 1e-4, `fit day ${i}`);
    relClose(iv['se.fit'][i]!, ref.se[i], 1e-4, `se day ${i}`);
    // the confidence interval is fit ± z se; the prediction interval adds σ²
    relClose(iv.upr[i]! - iv.fit[i]!, 1.959963984540054 * ref.se[i], 1e-4, `half-width day ${i}`);
  });
  const pi = predictionIntervals(pred, result, { interval: 'prediction', re: false });
  const half = 1.959963984540054 * Math.sqrt(ref.se[3] ** 2 + result.sigma ** 2);
  relClose(pi.upr[3]! - pi.fit[3]!, half, 1e-4, 'prediction half-width day 3');
});

interface KrAnovaRef {
  id: string;
  data: string;
  formula: string;
  REMLcrit: number;
  anova3: PostfitRef['anova'];
  anova1: PostfitRef['anova'];
}

async function checkKrAnova(id: string) {
  const ref = load(id) as KrAnovaRef;
  const { pf, result } = await fitted(ref);
  // the reference was fitted with tight optimizer tolerances: both sides sit at the same REML optimum
  relClose(result.REMLcrit!, ref.REMLcrit, 1e-7, `${id} REML criterion`);
  for (const type of [3, 1] as const) {
    const want = type === 3 ? ref.anova3 : ref.anova1;
    const rows = await pf.anova(type, 'kenward-roger');
    assert.deepEqual(rows.map((r) => r.term), want.terms);
    rows.forEach((r, i) => {
      const t = `${id} type ${type} ${want.terms[i]}`;
      assert.equal(r.NumDF, want.NumDF[i], `${t} NumDF`);
      relClose(r.DenDF!, want.DenDF[i], 1e-2, `${t} DenDF`);
      relClose(r.F!, want['F value'][i], 1e-4, `${t} F`);
      relClose(r.sumSq!, want['Sum Sq'][i], 1e-4, `${t} Sum Sq`);
      relClose(r.meanSq!, want['Mean Sq'][i], 1e-4, `${t} Mean Sq`);
      pClose(r.p!, want['Pr(>F)'][i], `${t} p`);
    });
  }
}

test('Kenward-Roger F tests of multi-df terms (pbkrtest KRmodcomp via lmerTest): bdf, factor(denomina) × IQ.verb', () => checkKrAnova('bdf_kr_anova'));
test('Kenward-Roger F tests: Orthodont, Sex × factor(age) with a random intercept', () => checkKrAnova('orthodont_kr_anova'));
test('Kenward-Roger F tests: Orthodont, Sex × factor(age) with (age | Subject)', () => checkKrAnova('orthodont_slope_kr_anova'));

test('df: asymptotic F tests (Wald F, infinite DenDF, p from chi-square, as joint_tests(lmer.df = "asymptotic")): Orthodont Sex × factor(age); the panel summary shows them', async () => {
  const ref = load('orthodont_asymptotic_anova') as KrAnovaRef;
  const { pf, result, m, prep, mixedModel } = await fitted(ref, '', '  df: asymptotic\n');
  relClose(result.REMLcrit!, ref.REMLcrit, 1e-7, 'REML criterion');
  for (const type of [3, 1] as const) {
    const want = type === 3 ? ref.anova3 : ref.anova1;
    const rows = await pf.anova(type);
    assert.deepEqual(rows.map((r) => r.term), want.terms);
    rows.forEach((r, i) => {
      const t = `type ${type} ${want.terms[i]}`;
      assert.equal(r.NumDF, want.NumDF[i], `${t} NumDF`);
      assert.equal(r.DenDF, Infinity, `${t} DenDF`);
      relClose(r.F!, want['F value'][i], 1e-4, `${t} F`);
      pClose(r.p!, want['Pr(>F)'][i], `${t} p`);
    });
  }
  // the results panel's summary: the table, DenDF null (JSON) and no error
  const s = await postFitSummary({ model: m.decl, table: prep.table as DataTable, frame: m.frame!, result, mixedModel });
  assert.deepEqual(s.errors, []);
  assert.equal(s.anova?.method, 'asymptotic');
  assert.equal(s.anova?.rows.length, 3);
  assert.equal(s.anova?.rows[0].DenDF, null);
  pClose(s.anova!.rows[1].p!, ref.anova3['Pr(>F)'][1], 'summary p');
});

interface ResponseMeansRef {
  id: string;
  data: string;
  formula: string;
  family: string;
  link: string;
  specs: string;
  emmeans: Record<string, number | string>[];
  pairs: Record<string, number | string>[];
}

/** emmeans(m, specs, type = "response") and pairs() of it: back-transformed means, delta-method SEs, ratios. */
async function checkResponseMeans(id: string, meanName: string, contrastName: string) {
  const ref = load(id) as ResponseMeansRef;
  const family = ref.link === (ref.family === 'binomial' ? 'logit' : 'log') ? ref.family : `${ref.family}(${ref.link})`;
  const { pf } = await fitted(ref, '', `  family: ${family}\n`);
  const got = meansJson(await pf.means({ specs: [ref.specs], type: 'response' }));
  assert.equal(got.type, 'response');
  assert.equal(got.emmeans.length, ref.emmeans.length);
  ref.emmeans.forEach((want, i) => {
    const g = got.emmeans[i];
    const lv = String(want[ref.specs]);
    assert.equal(g[ref.specs], lv, `${id} level ${i}`);
    relClose(g[meanName] as number, want[meanName] as number, 1e-4, `${id} ${meanName} ${lv}`);
    relClose(g.SE as number, want.SE as number, 1e-4, `${id} SE ${lv}`);
    assert.equal(g.df, 'Inf');
    relClose(g['asymp.LCL'] as number, want['asymp.LCL'] as number, 1e-4, `${id} asymp.LCL ${lv}`);
    relClose(g['asymp.UCL'] as number, want['asymp.UCL'] as number, 1e-4, `${id} asymp.UCL ${lv}`);
  });
  assert.equal(got.pairs.length, ref.pairs.length);
  ref.pairs.forEach((want, i) => {
    const g = got.pairs[i];
    assert.equal(g.contrast, want.contrast);
    relClose(g[contrastName] as number, want[contrastName] as number, 1e-4, `${id} ${want.contrast} ${contrastName}`);
    relClose(g.SE as number, want.SE as number, 1e-4, `${id} ${want.contrast} SE`);
    assert.equal(g.null, want.null, `${id} ${want.contrast} null`);
    relClose(g['z.ratio'] as number, want['z.ratio'] as number, 1e-4, `${id} ${want.contrast} z.ratio`);
    pClose(g['p.value'] as number, want['p.value'] as number, `${id} ${want.contrast} Tukey p`);
  });
  return got;
}

test('cbpp (binomial, logit): means on the response scale (prob) and odds ratios as emmeans type = "response"', async () => {
  const got = await checkResponseMeans('cbpp_emmeans_response', 'prob', 'odds.ratio');
  assert.ok(got.notes.includes('Intervals are back-transformed from the logit scale'));
  assert.ok(got.notes.includes('Tests are performed on the log odds ratio scale'));
});
test('cbpp (binomial, cloglog): back-transformed means; contrasts stay differences on the cloglog scale', async () => {
  const got = await checkResponseMeans('cbpp_cloglog_emmeans_response', 'prob', 'estimate');
  assert.ok(got.notes.includes('Note: contrasts are still on the cloglog scale'));
});
test('grouseticks (Poisson, two crossed terms, a covariate at its mean): rates and rate ratios', async () => {
  await checkResponseMeans('grouseticks_emmeans_response', 'rate', 'ratio');
});

test('sleepstudy: se.fit with random effects = σ²[Λ\'z; x]\'M⁻¹[Λ\'z; x] from lme4\'s own Λ, Z and X (R script beside the reference)', async () => {
  const ref = load('sleepstudy_predict_re_se') as { data: string; formula: string; REMLcrit: number; newdata: { Days: number; Subject: string }[]; fit: number[]; se: number[] };
  const { prep, m, result } = await fitted(ref);
  relClose(result.REMLcrit!, ref.REMLcrit, 1e-7, 'REML criterion');
  const newTable = readCsv('Days,Subject\n' + ref.newdata.map((r) => `${r.Days},${r.Subject}`).join('\n') + '\n', 'new.csv');
  const pred = predictNewData({ model: m.decl, trainTable: prep.table as DataTable, frame: m.frame!, result, newTable, scale: 'link' });
  const iv = predictionIntervals(pred, result, { interval: 'confidence', re: true, condVar: new PredictionVariance(m.frame!, result) });
  ref.se.forEach((se, i) => {
    relClose(iv.fit[i]!, ref.fit[i], 1e-6, `fit ${i}`);
    relClose(iv['se.fit'][i]!, se, 1e-4, `se.fit ${i}`);
  });
});

interface NlmeAnovaRef {
  id: string;
  data: string;
  formula: string;
  random: string;
  correlation?: string;
  variance?: string;
  marginal: { terms: string[]; numDF: number[]; denDF: number[]; 'F-value': number[]; 'p-value': number[] };
  sequential: NlmeAnovaRef['marginal'];
  emmeans: Record<string, number | string>[];
  pairs: Record<string, number | string>[];
}

/** Models fitted by nlme's likelihood: anova.lme (marginal, sequential) and emmeans' containment df. */
async function checkNlmeAnova(id: string) {
  const ref = load(id) as NlmeAnovaRef;
  const keys = (ref.correlation ? `  correlation: ${ref.correlation}\n` : '') + (ref.variance ? `  variance: ${ref.variance}\n` : '');
  const { pf, result } = await fitted({ data: ref.data, formula: `${ref.formula} + ${ref.random}` }, '', keys);
  assert.equal(result.fitter, 'nlme');
  for (const type of [3, 1] as const) {
    const want = type === 3 ? ref.marginal : ref.sequential;
    const rows = await pf.anova(type);
    assert.deepEqual(rows.map((r) => r.term), want.terms);
    rows.forEach((r, i) => {
      const t = `${id} ${type === 3 ? 'marginal' : 'sequential'} ${want.terms[i]}`;
      assert.equal(r.NumDF, want.numDF[i], `${t} numDF`);
      assert.equal(r.DenDF, want.denDF[i], `${t} denDF`);
      relClose(r.F!, want['F-value'][i], 1e-4, `${t} F`);
      pClose(r.p!, want['p-value'][i], `${t} p`);
    });
  }
  const got = meansJson(await pf.means({ specs: ['Sex'] }));
  assert.equal(got.df_method, 'containment');
  ref.emmeans.forEach((want, i) => {
    const g = got.emmeans[i];
    relClose(g.emmean as number, want.emmean as number, 1e-4, `${id} emmean ${want.Sex}`);
    relClose(g.SE as number, want.SE as number, 1e-4, `${id} SE ${want.Sex}`);
    assert.equal(g.df, want.df, `${id} df ${want.Sex}`);
    relClose(g['lower.CL'] as number, want['lower.CL'] as number, 1e-4, `${id} lower.CL ${want.Sex}`);
  });
  const pair = got.pairs[0];
  relClose(pair.SE as number, ref.pairs[0].SE as number, 1e-4, `${id} contrast SE`);
  assert.equal(pair.df, ref.pairs[0].df);
  pClose(pair['p.value'] as number, ref.pairs[0]['p.value'] as number, `${id} contrast p`);
  // lme4's Satterthwaite ingredients do not describe nlme's likelihood: refused
  await assert.rejects(() => pf.anova(3, 'satterthwaite'), /nlme's/);
}

test('nlme fits (corAR1): F tests as anova.lme, marginal and sequential, between/within denDF; means with emmeans\' containment df', () => checkNlmeAnova('orthodont_ar1_anova'));
test('nlme fits (varIdent): F tests as anova.lme and containment-df means', () => checkNlmeAnova('orthodont_varident_anova'));

test("compare: of REML fits by nlme's likelihood (corAR1) refits them by nlme's ML with the structure: nlme's anova of the ML fits (Orthodont)", async () => {
  const ref = load('orthodont_ar1_compare');
  const text = `data: Orthodont.csv\n${ref.formulas.map((f: string, i: number) => `model m${i + 1}:\n  formula: ${f} + ${ref.random}\n  correlation: ${ref.correlation}\n`).join('')}`;
  const prep = prepareModels(text, (f) => readFileSync(join(DATA, f), 'utf8'));
  const entries: AnovaEntry[] = [];
  for (const m of prep.models) {
    assert.ok(m.frame, JSON.stringify(m.error));
    const fitted = await fitMixedModel(m.frame, m.spec, { yieldEveryMs: 0 });
    assert.equal(fitted.result.fitter, 'nlme');
    assert.equal(fitted.result.REML, true);
    entries.push({ name: m.name, frame: m.frame, result: fitted.result, model: fitted.model });
  }
  const table = await compareModels(entries);
  assert.deepEqual(table.rows.map((r) => r.npar), ref.df);
  table.rows.forEach((r, i) => {
    assert.ok(r.refitted);
    relClose(r.logLik, ref.logLik[i], 1e-6, `logLik ${i}`);
    relClose(r.AIC, ref.AIC[i], 1e-6, `AIC ${i}`);
    relClose(r.BIC, ref.BIC[i], 1e-6, `BIC ${i}`);
  });
  assert.equal(table.rows[1].Df, 2);
  relClose(table.rows[1].Chisq!, ref['L.Ratio'], 1e-4, 'L.Ratio');
  pClose(table.rows[1].p!, ref['p.value'], 'p-value');
  // without the model object the structures are unknown: an error, not lme4's refit without them
  await assert.rejects(compareModels(entries.map(({ model: _m, ...e }) => e)), /needs the structures/);
});

test("side-by-side inference of a fit by nlme's likelihood (corAR1): nlme's between/within t tests, lme4's Satterthwaite and Kenward-Roger refused, the LRT by nlme's ML fits with the structure", async () => {
  const ref = load('orthodont_ar1_sidebyside');
  const prep = prepareModels(`data: Orthodont.csv\nmodel m:\n  formula: ${ref.formula} + ${ref.random}\n  correlation: ${ref.correlation}\n`, (f) => readFileSync(join(DATA, f), 'utf8'));
  const m = prep.models[0];
  assert.ok(m.frame, JSON.stringify(m.error));
  const fitted = await fitMixedModel(m.frame, m.spec, { yieldEveryMs: 0 });
  const all = await inferenceSideBySide(fitted, undefined, { lrt: true });
  assert.deepEqual(all.map((x) => x.coef), ref.coefnames);
  all.forEach((x, i) => {
    const c = ref.coefnames[i];
    const bw = x.rows.find((r) => r.method === 'between/within t')!;
    assert.equal(bw.df, ref.DF[i], `${c} DF`);
    relClose(bw.se!, ref['Std.Error'][i], 1e-4, `${c} SE`);
    relClose(bw.statistic!, ref['t.value'][i], 1e-4, `${c} t`);
    pClose(bw.p!, ref['p.value'][i], `${c} p`);
    relClose(bw.lower!, ref.lower[i], 1e-4, `${c} lower`);
    relClose(bw.upper!, ref.upper[i], 1e-4, `${c} upper`);
    for (const method of ['Satterthwaite t', 'Kenward-Roger t']) {
      const r = x.rows.find((y) => y.method === method)!;
      assert.equal(r.p, null, `${c} ${method} refused`);
      assert.match(r.note!, /not for a fit by nlme's likelihood/);
    }
    if (c === ref.lrt.coef) {
      const l = x.rows.find((r) => r.method === 'likelihood-ratio test')!;
      relClose(l.statistic!, ref.lrt['L.Ratio'], 1e-4, 'LRT statistic');
      pClose(l.p!, ref.lrt['p.value'], 'LRT p');
    }
  });
});
