import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findKeyLines, findModelLenses, modelAtLine } from '../../client/src/shared/lenses';
import { validateWebviewMessage } from '../../client/src/shared/messages';
import { parseMlm } from '../../engine/src/mlmfile/parse';
import { summarizeFit } from '../../client/src/shared/fitSummary';
import { exportResults, latexEscape, plotFiles, toMarkdown } from '../../client/src/export/formats';
import { fmt, fmtP } from '../../client/src/shared/format';
import type { FitResponse } from '../../protocol/index';
import { loadReferenceFit } from './helpers';

const MULTI = `# comment: model fake:
data: sleepstudy.csv

model full:
  formula: Reaction ~ Days + (Days | Subject)

model intercepts :
  formula: Reaction ~ Days + (1 | Subject)

compare: intercepts, full
`;

test('code lenses sit on model lines; a single-model file gets one above formula:', () => {
  assert.deepEqual(findModelLenses(MULTI), [
    { line: 3, model: 'full' },
    { line: 6, model: 'intercepts' },
  ]);
  assert.deepEqual(findModelLenses('data: d.csv\r\n# x\r\nformula: y ~ 1 + (1 | g)\r\nmethod: ML\r\n'), [{ line: 2, model: 'model' }]);
  assert.deepEqual(findModelLenses('data: d.csv\n'), []);
  assert.equal(modelAtLine(MULTI, 4), 'full');
  assert.equal(modelAtLine(MULTI, 9), 'intercepts');
  assert.equal(modelAtLine(MULTI, 1), null);
  assert.deepEqual(findKeyLines(MULTI), { data: [1], compare: [9] });
  // a ClickHouse table is not previewed: its rows stay on the server
  assert.deepEqual(findKeyLines('data: clickhouse://127.0.0.1:8123/default.sleepstudy\nmodel m:\n  formula: y ~ x + (1 | g)\n'), { data: [], compare: [] });
});

test('one model-name grammar: every model the parser accepts gets a lens, and its "Fit again" message is accepted', () => {
  for (const name of ['m-1', 'my-model', 'full_ml', '_a', 'a.b', 'M2', '1m', '-a', '.a', 'a+b']) {
    const text = `data: d.csv\nmodel ${name}:\n  formula: y ~ x + (1 | g)\n`;
    const parsedOk = !parseMlm(text).diagnostics.some((d) => d.code === 'model-name');
    const lensed = findModelLenses(text).some((l) => l.model === name);
    const refit = validateWebviewMessage({ type: 'refit', model: name }) !== null;
    assert.equal(lensed, parsedOk, `${name}: lens`);
    assert.equal(refit, parsedOk, `${name}: refit message`);
  }
  assert.deepEqual(findModelLenses('data: d.csv\nmodel m-1: y ~ x + (1 | g)\n'), [{ line: 1, model: 'm-1' }]);
  assert.deepEqual(validateWebviewMessage({ type: 'refit', model: 'my-model' }), { type: 'refit', model: 'my-model' });
});

function response(partial: Partial<FitResponse>): FitResponse {
  return { uri: 'file:///a.mlm', results: [], fitted: [], errors: [], comparisons: [], ...partial };
}

test('fit outcome in words: success, failure with kept results, cancel', () => {
  const full = loadReferenceFit('sleepstudy_full');
  full.id = 'full';
  full.fitSeconds = 0.25;
  const ok = summarizeFit(response({ results: [full], fitted: ['full'] }), false);
  assert.equal(ok.kind, 'ok');
  assert.equal(ok.message, 'Fitted full in 0.3 s.');
  // the time shown is the time the user waited; the fit's own time is in the hover breakdown
  const waited = summarizeFit(response({ results: [full], fitted: ['full'] }), false, 4.7);
  assert.equal(waited.message, 'Fitted full in 4.7 s.');
  assert.match(waited.detail!, /^Waited 4\.70 s in all\. Optimizer and model per fit: full 0\.25 s; the other 4\.45 s went to/);
  const three = summarizeFit(
    response({ results: [], errors: [{ model: 'a', message: 'x' }, { model: 'b', message: 'y' }, { model: 'c', message: 'z' }] }),
    false,
  );
  assert.equal(three.message, '3 errors (a, b, c); each is listed in the results panel with its line.');
  const failed = summarizeFit(response({ results: [full], fitted: [], errors: [{ model: 'intercepts', message: "unknown column 'Dayz'" }] }), false);
  assert.equal(failed.kind, 'error');
  assert.equal(failed.message, "Fit of intercepts failed: unknown column 'Dayz'. Previous results of 1 model are still shown.");
  const cancelled = summarizeFit(response({ results: [full], errors: [{ model: 'full', message: 'The fit was cancelled.', cancelled: true }] }), false);
  assert.equal(cancelled.kind, 'cancelled');
  assert.match(cancelled.message, /^The fit was cancelled\. Previous results of 1 model are still shown\.$/);
  assert.equal(summarizeFit(response({}), true).kind, 'cancelled');
  const sing = loadReferenceFit('dyestuff');
  sing.singular = true;
  assert.match(summarizeFit(response({ results: [sing], fitted: [sing.id] }), false).message, /With warnings: dyestuff\./);
});

test('number formats follow R: 4 significant digits, p-values with the 2e-16 floor', () => {
  assert.equal(fmt(251.405104848485), '251.4');
  assert.equal(fmt(10.467285959596), '10.47');
  assert.equal(fmt(1755.628), '1756');
  assert.equal(fmt(0.0655512382381282), '0.06555');
  assert.equal(fmt(-0.00001234), '-1.23e-5');
  // R: format.pval(p, digits = 3) of one value
  assert.equal(fmtP(1.17e-17), '<2e-16');
  assert.equal(fmtP(3.26382446992738e-6), '3.26e-06');
  assert.equal(fmtP(0.0512), '0.0512');
  assert.equal(fmtP(0.5), '0.5');
});

test('Markdown export: lme4 figures in tables', () => {
  const md = exportResults('markdown', { fileName: 'sleep.mlm', results: [loadReferenceFit('sleepstudy_full')], comparisons: [] });
  assert.match(md, /^# Results: sleep\.mlm/);
  // the panel's figures: R's summary digits, the t interval (lmerTest contest1D) formatted as one column
  // (Markdown's specials in cells are backslash-escaped: they render as the characters, never as markup)
  assert.match(md, /\| \(Intercept\) \| 251\.405 \| 6\.825 \| 17\.000 \| 36\.838 \| \\< 2e-16 \| \\\*\\\*\\\* \| 237\.006 \| 265\.804 \|/);
  assert.match(md, /\| Subject \| \(Intercept\) \| 612\.10 \| 24\.741 \|/);
  assert.match(md, /\| Residual \|  \| 654\.94 \| 25\.592 \|/);
  assert.match(md, /\| AIC \| BIC \| logLik \| REML criterion \| df \| df\.resid \|\n\| --- \|.*\n\| 1755\.6 \| 1774\.8 \| -871\.8 \| 1743\.6 \| 6 \| 174 \|/);
  assert.match(md, /- Formula: `Reaction ~ Days \+ \(Days \\?\| Subject\)`|- Formula: `Reaction ~ Days \+ \(Days \| Subject\)`/);
});

test('comparison export: integers as integers, no bookkeeping columns (refitted, formula)', () => {
  const rows = [
    { name: 'empty', formula: 'y ~ 1 + (1 | g)', npar: 3, AIC: 100.123, BIC: 105.5, logLik: -47.06, deviance: 94.12, Chisq: null, Df: null, p: null, refitted: true },
    { name: 'iq', formula: 'y ~ iq + (1 | g)', npar: 4, AIC: 90.5, BIC: 97.25, logLik: -41.25, deviance: 82.5, Chisq: 11.62, Df: 1, p: 0.00065, refitted: false },
  ];
  const md = exportResults('markdown', { fileName: 'x.mlm', results: [], comparisons: [{ models: ['empty', 'iq'], rows }] });
  assert.match(md, /\| name \| npar \| AIC \| BIC \| logLik \| deviance \| Chisq \| Df \| p \|/);
  assert.match(md, /\| iq \| 4 \| 90\.5 \| 97\.3 \| -41\.3 \| 82\.5 \| 11\.620 \| 1 \| 0\.00065 \|/);
  assert.doesNotMatch(md, /refitted|4\.000|true|false/);
  const html = exportResults('html', { fileName: 'x.mlm', results: [loadReferenceFit('sleepstudy_full')], comparisons: [] });
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(html, /<svg [^>]*class="plot"/);
  assert.doesNotMatch(html, /<script/);
});

test('Markdown export with plots: one standalone SVG per plot (own colours), linked under its model', () => {
  const input = { fileName: 'sleep.mlm', results: [loadReferenceFit('sleepstudy_full')], comparisons: [] };
  const files = plotFiles(input);
  assert.ok(files.length >= 5);
  for (const f of files) {
    assert.match(f.name, /^plot-sleepstudy_full-[A-Za-z0-9_-]+\.svg$/);
    assert.match(f.svg, /^<\?xml [^>]*>\n<svg [^>]*><style><!\[CDATA\[\s*:root \{/);
  }
  const md = toMarkdown(input, { dir: 'sleep-results-plots', files });
  assert.match(md, /### Plots\n\n!\[Conditional modes: \(Intercept\) \\?\| Subject\]\(sleep-results-plots\/plot-sleepstudy_full-caterpillar-0-0-Subject\.svg\)/);
});

test('CSV export: full-precision long table', () => {
  const csv = exportResults('csv', { fileName: 'x', results: [loadReferenceFit('sleepstudy_full')], comparisons: [] });
  const lines = csv.trim().split('\n');
  assert.equal(lines[0], 'model,section,group,term,statistic,value');
  assert.ok(lines.includes('sleepstudy_full,fixed,,Days,estimate,10.467285959596'));
  assert.ok(lines.includes('sleepstudy_full,random,Subject,(Intercept),sd,24.7406579949841'));
  assert.ok(lines.includes('sleepstudy_full,random,Subject,"(Intercept),Days",correlation,0.0655512382381282'));
  assert.ok(lines.includes('sleepstudy_full,fit,,,REMLcrit,1743.62827195995'));
});

test('LaTeX export: booktabs tables with escaped names; JSON export drops per-row arrays', () => {
  assert.equal(latexEscape('a_b & 50% #1 {x} ~^\\'), 'a\\_b \\& 50\\% \\#1 \\{x\\} \\textasciitilde{}\\textasciicircum{}\\textbackslash{}');
  const tex = exportResults('latex', { fileName: 'x', results: [loadReferenceFit('rats_laplace')], comparisons: [] });
  assert.match(tex, /\\begin\{tabular\}/);
  assert.match(tex, /\(Intercept\) & -1\.9369 & 0\.1211 & -16 & <2e-16 & \*\*\* & -2\.174 & -1\.700/);
  const json = JSON.parse(exportResults('json', { fileName: 'x', results: [loadReferenceFit('sleepstudy_full')], comparisons: [] }));
  assert.equal(json.results[0].fixef.Days, 10.467285959596);
  assert.equal(json.results[0].fitted, undefined);
  assert.equal(json.results[0].plotData, undefined);
});
