// Panel sections after the fit: what the engine attached (FitResult.postfit) is displayed, escaped,
// in tables with stable ids. The values put in are emmeans' and lmerTest's reference numbers
// (test/fixtures/postfit), so the test pins what the page shows, not what the engine computes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { renderResultsPage } from '../../client/src/render/panel';
import type { FitResult, PostFitSummary } from '../../engine/src/index';
import { loadReferenceFit } from './helpers';

const root = process.env.MLM_ROOT ?? join(__dirname, '..', '..');
const ref = JSON.parse(readFileSync(join(root, 'test/fixtures/postfit/bdf_emmeans_denomina.json'), 'utf8'));
const range = { start: { line: 3, character: 9 }, end: { line: 3, character: 17 } };

function summary(level0: string): PostFitSummary {
  return {
    anova: {
      type: 3,
      method: 'Satterthwaite',
      rows: ref.anova.terms.map((t: string, i: number) => ({ term: t, coefs: [], NumDF: ref.anova.NumDF[i], DenDF: ref.anova.DenDF[i], F: ref.anova['F value'][i], p: ref.anova['Pr(>F)'][i], sumSq: ref.anova['Sum Sq'][i], meanSq: ref.anova['Mean Sq'][i] })),
    },
    means: [
      {
        range,
        specs: ['denomina'],
        by: [],
        dfMethod: 'Satterthwaite',
        adjust: 'tukey',
        level: 0.95,
        type: 'link',
        meanName: 'emmean',
        contrastName: 'estimate',
        means: ref.emmeans.map((m: Record<string, number>, i: number) => ({ levels: { denomina: i === 0 ? level0 : String(m.denomina) }, emmean: m.emmean, SE: m.SE, df: m.df, lower: m['lower.CL'], upper: m['upper.CL'] })),
        pairs: ref.pairs.map((c: Record<string, number | string>) => ({ contrast: c.contrast, by: {}, estimate: c.estimate, SE: c.SE, df: c.df, ratio: c['t.ratio'], p: c['p.value'] })),
        notes: ['Confidence level used: 0.95'],
      },
    ],
    estimates: [{ label: 'between', combination: 'a + b', weights: {}, estimate: 3.86, SE: 0.314, df: 159, statistic: 12.29, p: 1e-20, lower: 3.24, upper: 4.48, level: 0.95, dfMethod: 'Satterthwaite', range }],
    ratios: null,
    factorMeans: {},
    errors: [],
  };
}

function render(results: FitResult[]): Document {
  const html = renderResultsPage({ fileName: 'bdf.mlm', results, comparisons: [] }, { nonce: 'N0nce123', cspSource: 'https://x' });
  return new JSDOM(html).window.document;
}

test('Means and contrasts, F tests and Estimates show the engine\'s values with emmeans\' column names', () => {
  const fit = { ...loadReferenceFit('bdf_iq_ml'), postfit: summary('1') };
  const doc = render([fit]);
  const t = doc.querySelector('table.emmeans')!;
  assert.ok(t, 'means table');
  assert.deepEqual([...t.querySelectorAll('thead th')].map((x) => x.textContent), ['denomina', 'emmean', 'SE', 'df', 'lower.CL', 'upper.CL']);
  const first = [...t.querySelectorAll('tbody tr')][0];
  assert.equal(first.children[1].textContent, '39.857');
  assert.match(first.children[1].getAttribute('title')!, /39\.8573235961447/);
  const pairs = doc.querySelectorAll('table.contrasts tbody tr');
  assert.equal(pairs.length, 6);
  assert.equal(pairs[0].children[0].textContent, 'denomina1 - denomina2');
  // emmeans prints this Tukey p-value (0.0384198) as 0.0384
  assert.equal(pairs[0].children[5].textContent, '0.0384');
  const f = doc.querySelectorAll('table.f-tests tbody tr');
  assert.deepEqual([...f].map((r) => r.children[0].textContent), ['IQ.verb', 'factor(denomina)']);
  assert.equal(f[1].children[1].textContent, '4.052'); // F value, the first column after the term
  assert.ok(doc.querySelector('table.estimates'));
  assert.equal(doc.querySelector('table.estimates tbody th')!.textContent, 'between');
});

test('level names are escaped; one model gives no model table, two give one with a note when not comparable', () => {
  const fit = { ...loadReferenceFit('bdf_iq_ml'), postfit: summary('<img src=x onerror=alert(1)>') };
  const doc = render([fit]);
  assert.equal(doc.querySelector('table.emmeans img'), null);
  assert.match(doc.querySelector('table.emmeans tbody th')!.textContent!, /<img/);
  assert.equal(doc.querySelector('#model-table'), null);
  const two = render([loadReferenceFit('sleepstudy_full'), loadReferenceFit('sleepstudy_full_ml')]);
  const mt = two.querySelector('#model-table table.model-table');
  assert.ok(mt, 'model table');
  assert.match(two.querySelector('#model-table')!.textContent!, /REML and ML fits are mixed/);
});

test('GLMM means on the response scale: emmeans\' prob and odds.ratio columns with the values of emmeans type = "response" (cbpp)', () => {
  const cb = JSON.parse(readFileSync(join(root, 'test/fixtures/postfit/cbpp_emmeans_response.json'), 'utf8'));
  const post: PostFitSummary = {
    ...summary('1'),
    anova: null,
    estimates: [],
    means: [
      {
        range,
        specs: ['period'],
        by: [],
        dfMethod: 'asymptotic',
        adjust: 'tukey',
        level: 0.95,
        type: 'response',
        meanName: 'prob',
        contrastName: 'odds.ratio',
        means: cb.emmeans.map((m: Record<string, number>) => ({ levels: { period: String(m.period) }, emmean: m.prob, SE: m.SE, df: null, lower: m['asymp.LCL'], upper: m['asymp.UCL'] })),
        pairs: cb.pairs.map((c: Record<string, number | string>) => ({ contrast: c.contrast, by: {}, estimate: c['odds.ratio'], SE: c.SE, df: null, ratio: c['z.ratio'], p: c['p.value'], null: 1 })),
        notes: ['Intervals are back-transformed from the logit scale', 'Tests are performed on the log odds ratio scale'],
      },
    ],
  };
  const doc = render([{ ...loadReferenceFit('cbpp_binomial'), postfit: post }]);
  const t = doc.querySelector('table.emmeans')!;
  assert.deepEqual([...t.querySelectorAll('thead th')].map((x) => x.textContent), ['period', 'prob', 'SE', 'df', 'asymp.LCL', 'asymp.UCL']);
  assert.match(t.querySelector('caption')!.textContent!, /probabilities/);
  const c = doc.querySelector('table.contrasts')!;
  assert.deepEqual([...c.querySelectorAll('thead th')].map((x) => x.textContent), ['contrast', 'odds.ratio', 'SE', 'df', 'z.ratio', 'p.value']);
  const first = c.querySelector('tbody tr')!;
  assert.equal(first.children[0].textContent, 'period1 / period2');
  assert.match(first.children[1].getAttribute('title')!, /Odds ratio/);
  assert.match(doc.body.textContent!, /Intervals are back-transformed from the logit scale/);
});

test('F tests of a between/within-df model are nlme\'s anova.lme: caption says so, no sums of squares (nlme\'s Orthodont varIdent reference)', () => {
  const nl = JSON.parse(readFileSync(join(root, 'test/fixtures/postfit/orthodont_varident_anova.json'), 'utf8'));
  const m = nl.marginal;
  const post: PostFitSummary = {
    ...summary('1'),
    means: [],
    estimates: [],
    anova: {
      type: 3,
      method: 'containment',
      rows: m.terms.map((t: string, i: number) => ({ term: t, coefs: [], NumDF: m.numDF[i], DenDF: m.denDF[i], F: m['F-value'][i], p: m['p-value'][i], sumSq: null, meanSq: null })),
    },
  };
  const doc = render([{ ...loadReferenceFit('orthodont'), postfit: post }]);
  const t = doc.querySelector('table.f-tests')!;
  assert.match(t.querySelector('caption')!.textContent!, /nlme's anova\.lme \(marginal\) with between\/within denominator df/);
  assert.deepEqual([...t.querySelectorAll('thead th')].map((x) => x.textContent), ['Term', 'F value', 'NumDF', 'DenDF', 'Pr(>F)']);
  const rows = [...t.querySelectorAll('tbody tr')];
  assert.equal(rows[0].children[0].textContent, '(Intercept)');
  assert.equal(rows[4 - 1].children[3].textContent, '79');
});

test('df: asymptotic F tests show DenDF Inf and say they are Wald tests; F tests that failed show why (never an empty section)', () => {
  const asy = JSON.parse(readFileSync(join(root, 'test/fixtures/postfit/orthodont_asymptotic_anova.json'), 'utf8'));
  const a = asy.anova3;
  const s = summary('1');
  s.anova = { type: 3, method: 'asymptotic', rows: a.terms.map((t: string, i: number) => ({ term: t, coefs: [], NumDF: a.NumDF[i], DenDF: null, F: a['F value'][i], p: a['Pr(>F)'][i], sumSq: null, meanSq: null })) };
  let doc = render([{ ...loadReferenceFit('bdf_iq_ml'), postfit: s }]);
  const t = doc.querySelector('table.f-tests')!;
  assert.match(t.querySelector('caption')!.textContent!, /Wald F tests with asymptotic df/);
  const rows = [...t.querySelectorAll('tbody tr')];
  assert.equal(rows.length, 3);
  assert.equal(rows[1].children[3].textContent, 'Inf');
  s.anova = { type: 3, method: '', rows: [], error: 'F tests <need> df' };
  doc = render([{ ...loadReferenceFit('bdf_iq_ml'), postfit: s }]);
  assert.equal(doc.querySelector('table.f-tests'), null);
  assert.match(doc.querySelector('p.f-tests-error')!.textContent!, /could not be computed: F tests <need> df/);
});
