/**
 * The results panel shows the figures of the fit statistics, random-effects and fixed-effects tables
 * with the digits R's print(summary(...)) shows. Every expected string below is copied from R's printed
 * output (lme4 1.1-31 / lmerTest summaries of the reference fits' models and data, and the lecture
 * notes' rats example), never from our engine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';
import { renderResultsPage } from '../../client/src/render/panel';
import { loadReferenceFit } from './helpers';

function doc(name: string): Document {
  const html = renderResultsPage({ fileName: 'f.mlm', results: [loadReferenceFit(name)], comparisons: [] }, { nonce: 'n', cspSource: 'x' });
  return new JSDOM(html).window.document;
}

function rowsOf(d: Document, id: string): string[][] {
  const t = d.getElementById(id);
  assert.ok(t, id);
  return [...t!.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent?.trim() ?? ''));
}

/** Fixed-effects rows in lme4's column order (Term, Estimate, Std. Error, [df,] statistic, p), read by cell class. */
function feRowsOf(d: Document, id: string): string[][] {
  const t = d.getElementById(id);
  assert.ok(t, id);
  const text = (tr: Element, cls: string) => tr.querySelector(`td.${cls}`)?.textContent?.trim();
  return [...t!.querySelectorAll('tbody tr')].map((tr) =>
    [tr.querySelector('th')!.textContent!.trim(), text(tr, 'estimate'), text(tr, 'se'), text(tr, 'df'), text(tr, 'stat'), text(tr, 'p')].filter((c): c is string => c !== undefined),
  );
}

/** Fit statistics as header → shown text. */
function statsOf(d: Document, slug: string): Record<string, string> {
  const t = d.getElementById(`fit-stats-${slug}`)!;
  const heads = [...t.querySelectorAll('thead th')].map((th) => th.textContent ?? '');
  const cells = [...t.querySelectorAll('tbody td')].map((td) => td.textContent ?? '');
  return Object.fromEntries(heads.map((h, i) => [h, cells[i]]));
}

test('sleepstudy (Days | Subject), lmerTest summary: 612.10 24.741 / 35.07 5.922 0.07 / 654.94 25.592; 251.405 6.825 17.000 36.838', () => {
  const d = doc('sleepstudy_full');
  const re = rowsOf(d, 'random-effects-sleepstudy_full');
  assert.deepEqual(re[0].slice(0, 4), ['Subject', '(Intercept)', '612.10', '24.741']);
  assert.deepEqual(re[1].slice(0, 5), ['', 'Days', '35.07', '5.922', '0.07']);
  assert.deepEqual(re[2].slice(0, 4), ['Residual', '', '654.94', '25.592']);
  const fe = feRowsOf(d, 'fixed-effects-sleepstudy_full');
  assert.deepEqual(fe[0].slice(0, 6), ['(Intercept)', '251.405', '6.825', '17.000', '36.838', '< 2e-16']);
  assert.deepEqual(fe[1].slice(0, 6), ['Days', '10.467', '1.546', '17.000', '6.771', '3.26e-06']);
  assert.equal(statsOf(d, 'sleepstudy_full')['REML criterion'], '1743.6');
});

test('sleepstudy (1 | Subject), lmerTest summary: variance 1378.2 (not 1378), 960.5; 251.4051 9.7467 22.8102 25.79 <2e-16', () => {
  const d = doc('sleepstudy_vi');
  const re = rowsOf(d, 'random-effects-sleepstudy_vi');
  assert.deepEqual(re[0].slice(0, 4), ['Subject', '(Intercept)', '1378.2', '37.12']);
  assert.deepEqual(re[1].slice(0, 4), ['Residual', '', '960.5', '30.99']);
  const fe = feRowsOf(d, 'fixed-effects-sleepstudy_vi');
  assert.deepEqual(fe[0].slice(0, 6), ['(Intercept)', '251.4051', '9.7467', '22.8102', '25.79', '<2e-16']);
  assert.deepEqual(fe[1].slice(0, 6), ['Days', '10.4673', '0.8042', '161.0000', '13.02', '<2e-16']);
  assert.equal(statsOf(d, 'sleepstudy_vi')['REML criterion'], '1786.5');
  // the exact values stay in the tooltips
  const v = d.querySelector('#random-effects-sleepstudy_vi tbody tr td.num')!;
  assert.match(v.getAttribute('title')!, /exact value 1378\.178513809/);
});

test('sleepstudy ML fit: AIC table 1763.9 1783.1 -876.0 1751.9 174', () => {
  const s = statsOf(doc('sleepstudy_full_ml'), 'sleepstudy_full_ml');
  assert.equal(s.AIC, '1763.9');
  assert.equal(s.BIC, '1783.1');
  assert.equal(s.logLik, '-876.0');
  assert.equal(s.deviance, '1751.9');
  assert.equal(s['df.resid'], '174');
  assert.equal(s['REML criterion'], undefined);
});

test('bdf IQ model (ML, lmerTest): R switches the estimate columns to scientific notation, 4.061e+01 3.069e-01 1.203e+02', () => {
  const d = doc('bdf_iq_ml');
  const fe = feRowsOf(d, 'fixed-effects-bdf_iq_ml');
  assert.deepEqual(fe[0].slice(0, 6), ['(Intercept)', '4.061e+01', '3.069e-01', '1.203e+02', '132.34', '<2e-16']);
  assert.deepEqual(fe[1].slice(0, 6), ['IQ.ver.cen', '2.488e+00', '7.005e-02', '2.276e+03', '35.52', '<2e-16']);
  const re = rowsOf(d, 'random-effects-bdf_iq_ml');
  assert.deepEqual(re.map((r) => r.slice(2, 4)), [['9.497', '3.082'], ['42.227', '6.498']]);
  const s = statsOf(d, 'bdf_iq_ml');
  assert.deepEqual([s.AIC, s.BIC, s.logLik, s.deviance, s['df.resid']], ['15259.8', '15282.7', '-7625.9', '15251.8', '2283']);
});

test('cbpp binomial GLMM: 194.1 204.2 -92.0 184.1 51; 0.4123 0.6421; z tests as printCoefmat formats them', () => {
  const d = doc('cbpp_binomial');
  const s = statsOf(d, 'cbpp_binomial');
  // summary's deviance is -2 logLik (184.1), not deviance() (73.47)
  assert.deepEqual([s.AIC, s.BIC, s.logLik, s.deviance, s['df.resid']], ['194.1', '204.2', '-92.0', '184.1', '51']);
  assert.deepEqual(rowsOf(d, 'random-effects-cbpp_binomial').map((r) => r.slice(0, 4)), [['herd', '(Intercept)', '0.4123', '0.6421']]);
  const fe = feRowsOf(d, 'fixed-effects-cbpp_binomial').map((r) => r.slice(0, 5));
  assert.deepEqual(fe, [
    ['(Intercept)', '-1.3983', '0.2312', '-6.048', '1.47e-09'],
    ['factor(period)2', '-0.9919', '0.3032', '-3.272', '0.001068'],
    ['factor(period)3', '-1.1282', '0.3228', '-3.495', '0.000474'],
    ['factor(period)4', '-1.5797', '0.4220', '-3.743', '0.000182'],
  ]);
});

test('rats (lecture notes): 319.9 324.4 -157.9 315.9; 0.4417 0.6646; -1.9369 0.1211 -16 <2e-16', () => {
  const d = doc('rats_laplace');
  const s = statsOf(d, 'rats_laplace');
  assert.deepEqual([s.AIC, s.BIC, s.logLik, s.deviance], ['319.9', '324.4', '-157.9', '315.9']);
  assert.deepEqual(rowsOf(d, 'random-effects-rats_laplace')[0].slice(2, 4), ['0.4417', '0.6646']);
  assert.deepEqual(feRowsOf(d, 'fixed-effects-rats_laplace')[0].slice(0, 5), ['(Intercept)', '-1.9369', '0.1211', '-16', '<2e-16']);
});
