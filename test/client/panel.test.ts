import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';
import { renderResultsPage } from '../../client/src/render/panel';
import { loadReferenceFit } from './helpers';
import { interpretLrt } from '../../engine/src/inference/interpret';

function render(names: string[], comparisons: unknown[] = []): Document {
  const results = names.map(loadReferenceFit);
  const html = renderResultsPage({ fileName: 'sleep.mlm', results, comparisons }, { nonce: 'N0nce123', cspSource: 'https://file+.vscode-resource.vscode-cdn.net', scriptUri: 'https://x/dist/webview/main.js' });
  return new JSDOM(html).window.document;
}

function cellTexts(table: Element): string[][] {
  return [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent?.trim() ?? ''));
}

test('sleepstudy_full: fixed effects table holds lme4 estimates, SEs and Satterthwaite df', () => {
  const doc = render(['sleepstudy_full']);
  const fe = doc.querySelector('section.model[data-model="sleepstudy_full"] table.fixed-effects');
  assert.ok(fe, 'fixed effects table');
  assert.equal(fe!.id, 'fixed-effects-sleepstudy_full');
  const rows = cellTexts(fe!);
  assert.deepEqual(rows.map((r) => r[0]), ['(Intercept)', 'Days']);
  // Key columns first: estimate, interval, p; then the collapsible Std. Error, df, t value.
  // lmerTest's print: 251.405 / 10.467, 6.825 / 1.546, df 17.000, t 36.838 / 6.771
  assert.equal(rows[0][1], '251.405');
  assert.equal(rows[1][1], '10.467');
  // lmerTest::contest1D(m, c(0, 1), confint = TRUE): t interval with the Satterthwaite df,
  // 237.0064468 to 265.8037629 and 7.2059546510 to 13.7286172682; R's format(digits = 4) of the column pair
  assert.deepEqual([rows[0][2], rows[0][3], rows[1][2], rows[1][3]], ['237.006', '265.804', '7.206', '13.729']);
  assert.equal(rows[0][4], '< 2e-16');
  assert.equal(rows[0][5], '***');
  assert.equal(rows[0][6], '6.825');
  assert.equal(rows[1][6], '1.546');
  assert.equal(rows[0][7], '17.000'); // Satterthwaite df 16.9997
  // t = 10.467286 / 1.5457896 = 6.771
  assert.equal(rows[1][8], '6.771');
  assert.match(fe!.querySelector('thead')!.textContent!, /95% CI \(t\)/);
  assert.match(fe!.querySelector('caption')!.textContent!, /95% CI \(t, Satterthwaite df\)/);
  for (const cls of ['se', 'df', 'stat']) assert.match(fe!.querySelector(`td.${cls}`)!.className, /secondary/, `${cls} collapses in a narrow panel`);
  assert.match(doc.querySelector('.signif-legend')!.textContent!, /0 ‘\*\*\*’ 0\.001/);
  assert.match(doc.querySelector('details.fixef-correlation pre')!.textContent!, /Days -0\.138/);
  assert.deepEqual(cellTexts(doc.getElementById('scaled-residuals-sleepstudy_full')!)[0].length, 5);
  // Every number has a tooltip with its meaning.
  for (const td of fe!.querySelectorAll('td.num')) assert.ok((td.getAttribute('title') ?? '').length > 20, 'title on number cell');
  assert.match(fe!.querySelector('tr[data-term="Days"] td.estimate')!.getAttribute('title')!, /one-unit increase in Days/);
});

test('sleepstudy_full: random effects table shows variances, SDs and the correlation', () => {
  const doc = render(['sleepstudy_full']);
  const re = doc.getElementById('random-effects-sleepstudy_full');
  assert.ok(re);
  const rows = cellTexts(re!);
  assert.deepEqual(rows[0].slice(0, 4), ['Subject', '(Intercept)', '612.10', '24.741']);
  assert.deepEqual(rows[1].slice(0, 5), ['', 'Days', '35.07', '5.922', '0.07']);
  assert.deepEqual(rows[2].slice(0, 4), ['Residual', '', '654.94', '25.592']);
  const stats = cellTexts(doc.getElementById('fit-stats-sleepstudy_full')!)[0];
  assert.deepEqual(stats.slice(0, 4), ['1755.6', '1774.8', '-871.8', '1743.6']);
  assert.match(doc.getElementById('header-sleepstudy_full')!.textContent!, /Reaction ~ Days \+ \(Days \| Subject\)/);
  assert.match(doc.getElementById('header-sleepstudy_full')!.textContent!, /Subject: 18/);
});

test('one <svg class="plot"> per plot, each inside a figure with SVG and PNG export buttons', () => {
  const doc = render(['sleepstudy_full']);
  const figures = [...doc.querySelectorAll('figure.plot-figure')];
  const kinds = figures.map((f) => f.getAttribute('data-plot-kind'));
  // caterpillar ×2 (intercept, Days), shrinkage, per-subject panels, effect of Days, residuals, qq, population
  assert.deepEqual(kinds, ['caterpillar', 'caterpillar', 'shrinkage', 'group-panels', 'effect', 'residuals', 'qq', 'population']);
  for (const f of figures) {
    const svgs = f.querySelectorAll('svg');
    assert.equal(svgs.length, 1);
    assert.equal(svgs[0].getAttribute('class'), 'plot');
    assert.ok(svgs[0].querySelector('title'), 'svg has a title');
    // one export menu per plot
    assert.equal(f.querySelectorAll('details.export-menu').length, 1);
    const buttons = [...f.querySelectorAll('details.export-menu button.export-plot')].map((b) => b.getAttribute('data-format'));
    assert.deepEqual(buttons, ['svg', 'png']);
    assert.equal(f.querySelector('button.export-plot')!.getAttribute('data-plot'), svgs[0].id);
  }
  assert.equal(doc.querySelectorAll('svg.plot').length, figures.length);
  // 18 subjects: each caterpillar point is focusable and names group and value.
  const cat = doc.querySelector('figure[data-plot-kind="caterpillar"] svg')!;
  const pts = cat.querySelectorAll('circle.pt[tabindex="0"]');
  assert.equal(pts.length, 18);
  const p308 = cat.querySelector('g.cat-row[data-level="308"] circle.pt')!;
  assert.match(p308.querySelector('title')!.textContent!, /^Subject 308: \(Intercept\) = 2\.259/);
});

test('page has a strict CSP with a nonce, nonce scripts only and no inline handlers', () => {
  const doc = render(['sleepstudy_full', 'rats_laplace']);
  const meta = doc.querySelector('meta[http-equiv="Content-Security-Policy"]');
  assert.ok(meta);
  const csp = meta!.getAttribute('content')!;
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-N0nce123';/);
  assert.match(csp, /style-src https:\/\/file\+\.vscode-resource\.vscode-cdn\.net 'nonce-N0nce123'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  const scripts = [...doc.querySelectorAll('script')];
  assert.equal(scripts.length, 1);
  assert.equal(scripts[0].getAttribute('nonce'), 'N0nce123');
  for (const st of doc.querySelectorAll('style')) assert.equal(st.getAttribute('nonce'), 'N0nce123');
  for (const el of doc.querySelectorAll('*')) {
    for (const a of el.getAttributeNames()) {
      assert.ok(!/^on/i.test(a), `inline handler ${a} on <${el.tagName}>`);
      assert.notEqual(a, 'style', `inline style attribute on <${el.tagName}> (blocked by the CSP)`);
    }
  }
  assert.equal(doc.querySelectorAll('a[href^="javascript:"]').length, 0);
});

test('binomial fit: z tests, Laplace method and the population distribution on the probability scale', () => {
  const doc = render(['rats_laplace']);
  const rows = cellTexts(doc.getElementById('fixed-effects-rats_laplace')!);
  assert.equal(rows[0][1], '-1.9369');
  assert.equal(rows[0][6], '0.1211');
  assert.match(doc.querySelector('#fixed-effects-rats_laplace caption')!.textContent!, /95% Wald CI \(z\)/);
  // -1.9369 ± qnorm(0.975) × 0.1211 (confint(m, method = "Wald"): -2.1743, -1.6995)
  assert.deepEqual([rows[0][2], rows[0][3]], ['-2.174', '-1.700']);
  // no binned-residuals caption that calls the built-in pattern a misspecification; binned residuals instead
  assert.ok(doc.querySelector('figure[data-plot-kind="binned-residuals"]'));
  assert.equal(doc.querySelector('figure[data-plot-kind="residuals"]'), null);
  assert.equal(doc.querySelector('#fixed-effects-rats_laplace thead')!.textContent!.includes('z value'), true);
  assert.match(doc.getElementById('header-rats_laplace')!.textContent!, /Laplace/);
  const pop = doc.querySelector('figure[data-plot-kind="population"]')!;
  // plogis(-1.9369 ± 1.96 × 0.6646) = 0.0377 and 0.347 (the notes' rats example)
  assert.match(pop.textContent!, /between 0\.0377 and 0\.347/);
  assert.match(pop.querySelector('figcaption')!.textContent!, /probability/);
  // ICC on the latent scale: 0.4417 / (0.4417 + π²/3) = 0.1184
  const icc = cellTexts(doc.getElementById('icc-r2-rats_laplace')!);
  assert.deepEqual(icc[0], ['ICC (batch)', '0.118']);
});

test('singular fit is stated in words; several models get a navigation and unique ids', () => {
  const fit = loadReferenceFit('dyestuff');
  const doc0 = render(['dyestuff']);
  assert.equal(doc0.querySelector('.warnings'), null, 'dyestuff is not singular');
  fit.singular = true;
  fit.warnings = ['boundary (singular) fit: see help(isSingular)'];
  const html = renderResultsPage({ fileName: 'd.mlm', results: [fit], comparisons: [] }, { nonce: 'n', cspSource: 'x' });
  const doc = new JSDOM(html).window.document;
  assert.match(doc.querySelector('.warnings')!.textContent!, /Singular fit: at least one variance is estimated as zero/);
  const doc2 = render(['sleepstudy_full', 'sleepstudy_full_ml', 'pastes_nested']);
  assert.equal(doc2.querySelectorAll('#model-nav a').length, 3);
  const ids = [...doc2.querySelectorAll('[id]')].map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length, 'ids are unique');
  // nested factors: one caterpillar per grouping factor
  const past = doc2.querySelector('section.model[data-model="pastes_nested"]')!;
  assert.equal(past.querySelectorAll('figure[data-plot-kind="caterpillar"]').length, 2);
});

test('comparison table in lme4 anova layout, figures from the two ML fits (bdf empty vs iq)', () => {
  const a = loadReferenceFit('bdf_empty_ml');
  const b = loadReferenceFit('bdf_iq_ml');
  const chisq = 2 * (b.logLik - a.logLik);
  const row = (f: typeof a, name: string, Chisq: number | null, Df: number | null, p: number | null) => ({
    name, formula: f.formula, npar: f.df, AIC: f.AIC, BIC: f.BIC, logLik: f.logLik, deviance: -2 * f.logLik, Chisq, Df, p, refitted: false,
  });
  const rows0 = [row(a, 'empty', null, null, null), row(b, 'iq', chisq, b.df - a.df, 1e-30)];
  // the engine's sentence (compareModels sets it with interpret.ts interpretLrt)
  const comparisons = [{ data: 'bdf.csv', models: ['empty', 'iq'], notes: [], rows: [rows0[0], { ...rows0[1], sentence: interpretLrt(rows0[1], rows0[0]) }] }];
  const doc = render(['bdf_empty_ml', 'bdf_iq_ml'], comparisons);
  const t = doc.querySelector('#comparison table.comparison-table')!;
  assert.ok(t);
  assert.match(t.querySelector('caption')!.textContent!, /empty vs iq/);
  const rows = cellTexts(t);
  assert.deepEqual(rows.map((r) => r[0]), ['empty', 'iq']);
  assert.equal(rows[1][1], String(b.df));
  assert.equal(rows[1][2], b.AIC.toFixed(1));
  assert.equal(rows[1][6], chisq.toFixed(3));
  assert.equal(rows[1][7], '1');
  assert.equal(rows[1][8], '< 2.2e-16'); // as R's print(anova(m0, m1)) prints a p-value below machine epsilon
  assert.match(doc.querySelector('#comparison .comparison-notes')!.textContent!, /iq fits significantly better than empty/);
  // the view writes no sentence of its own: rows without the engine's sentence get none
  const bare = render(['bdf_empty_ml', 'bdf_iq_ml'], [{ ...comparisons[0], rows: rows0 }]);
  assert.equal(bare.querySelector('#comparison .comparison-notes'), null);
});

test('no results: a hint to fit, and the status line carries what happened', () => {
  const html = renderResultsPage(
    { fileName: 'a.mlm', results: [], comparisons: [], status: { kind: 'cancelled', message: 'Fit cancelled; previous results kept.' } },
    { nonce: 'n', cspSource: 'x' },
  );
  const doc = new JSDOM(html).window.document;
  assert.ok(doc.getElementById('no-results'));
  assert.equal(doc.getElementById('status')!.textContent, 'Fit cancelled; previous results kept.');
  assert.equal(doc.getElementById('status')!.getAttribute('role'), 'status');
});

test('R² from the server is shown; a zero marginal R² (intercept-only) prints as 0', () => {
  const fit = loadReferenceFit('rats_laplace');
  fit.r2 = { marginal: 2.1e-31, conditional: 0.11838 };
  const doc = new JSDOM(renderResultsPage({ fileName: 'r.mlm', results: [fit], comparisons: [] }, { nonce: 'n', cspSource: 'x' })).window.document;
  const rows = cellTexts(doc.getElementById('icc-r2-rats_laplace')!);
  assert.deepEqual(rows, [
    ['ICC (batch)', '0.118'],
    ['Marginal R²', '0'],
    ['Conditional R²', '0.118'],
  ]);
  assert.match(doc.querySelector('.icc-sentence')!.textContent!, /12% of the variance/);
});

test('accessibility: plots with focusable parts are groups, others images; tables have captions and header scopes', () => {
  const doc = render(['sleepstudy_full']);
  const cat = doc.querySelector('figure[data-plot-kind="caterpillar"] svg')!;
  assert.equal(cat.getAttribute('role'), 'group');
  const qq = doc.querySelector('figure[data-plot-kind="residuals"] svg')!;
  assert.equal(qq.getAttribute('role'), 'img', '180 points: not each focusable');
  for (const svg of doc.querySelectorAll('svg.plot')) {
    assert.equal(svg.getAttribute('tabindex'), '0');
    const ids = svg.getAttribute('aria-labelledby')!.split(' ');
    for (const id of ids) assert.ok(doc.getElementById(id), `label ${id} exists`);
  }
  for (const t of doc.querySelectorAll('table')) {
    assert.ok(t.querySelector('caption'), `table ${t.id} has a caption`);
    assert.equal(t.getAttribute('tabindex'), '0', `table ${t.id} is reachable with Tab (it may scroll sideways)`);
    for (const th of t.querySelectorAll('th')) assert.ok(['col', 'row'].includes(th.getAttribute('scope')!), `th scope in ${t.id}`);
  }
});

test('every reference fit renders: one fixed-effects row per coefficient, lme4 estimates to at least 4 digits, plots per factor', async () => {
  const { readdirSync } = await import('node:fs');
  const { join } = await import('node:path');
  const dir = join(process.env.MLM_ROOT ?? join(__dirname, '..', '..'), 'test', 'fixtures', 'reference', 'fits');
  const names = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
  assert.ok(names.length >= 20);
  for (const name of names) {
    const fit = loadReferenceFit(name);
    const doc = new JSDOM(renderResultsPage({ fileName: 'f.mlm', results: [fit], comparisons: [] }, { nonce: 'n', cspSource: 'x' })).window.document;
    const rows = cellTexts(doc.querySelector('table.fixed-effects')!);
    assert.equal(rows.length, fit.coefnames.length, name);
    rows.forEach((r, j) => {
      assert.equal(r[0], fit.coefnames[j], name);
      // the shown estimate is the exact one rounded to the decimals shown, with at least 4 significant digits
      const exactValue = fit.fixef[fit.coefnames[j]];
      // (R switches the column to scientific notation when that is narrower: bdf_iq_ml prints 4.061e+01)
      const [mantissa, expo] = r[1].split('e');
      const decimals = (mantissa.split('.')[1] ?? '').length - Number(expo ?? 0);
      assert.ok(Math.abs(Number(r[1]) - exactValue) <= 0.5 * 10 ** -decimals * (1 + 1e-9), `${name} ${fit.coefnames[j]}: ${r[1]} vs ${exactValue}`);
      assert.ok(mantissa.replace(/^[-0.]+/, '').replace('.', '').length >= 4 || Number(r[1]) === 0, `${name} ${fit.coefnames[j]}: ${r[1]}`);
    });
    const caterpillars = doc.querySelectorAll('figure[data-plot-kind="caterpillar"]').length;
    assert.equal(caterpillars, fit.ranef.reduce((s, b) => s + b.terms.length, 0), name);
    assert.equal(doc.querySelectorAll('table.random-effects tbody tr').length, fit.varcorr.filter((v) => v.var2 === null).length, name);
  }
});

test('a fit with a dispersion parameter shows it in the fit statistics (θ of a negative binomial, with its meaning)', () => {
  // glmmTMB's θ for grouseticks (test/fixtures/reference/families/grouseticks_nbinom2.json) on a GLMM result
  const fit = { ...loadReferenceFit('grouseticks_poisson'), family: 'negbinomial', dispersion: { name: 'theta' as const, value: 2.04481219500939 } };
  const html = renderResultsPage({ fileName: 'ticks.mlm', results: [fit], comparisons: [] }, { nonce: 'N0nce123', cspSource: 'https://x', scriptUri: 'https://x/dist/webview/main.js' });
  const doc = new JSDOM(html).window.document;
  const table = doc.querySelector('table.fit-stats')!;
  const heads = [...table.querySelectorAll('thead th')].map((th) => th.textContent);
  const cells = [...table.querySelectorAll('tbody td')];
  const i = heads.indexOf('theta');
  assert.ok(i >= 0, String(heads));
  assert.equal(cells[i].textContent?.trim(), '2.045');
  assert.match(cells[i].getAttribute('title') ?? '', /variance μ \+ μ²\/θ/);
});

test('nlme structures and the df method in the model header (an engine fit of Orthodont with AR(1) and varIdent)', async () => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { prepareModels } = await import('../../engine/src/frame/prepare');
  const { fitModel } = await import('../../engine/src/fit');
  const csv = readFileSync(join(__dirname, '..', 'fixtures', 'reference', 'data', 'Orthodont.csv'), 'utf8');
  const fitOne = async (keys: string) => {
    const prep = prepareModels(`data: o.csv\nmodel m:\n  formula: distance ~ age * Sex + (1 | Subject)\n${keys}`, () => csv);
    const m = prep.models[0];
    assert.ok(m.frame, JSON.stringify(prep.diagnostics));
    return fitModel(m.frame, m.spec);
  };
  const ar1 = await fitOne('  correlation: corAR1(form = ~ 1 | Subject)\n');
  const vi = await fitOne('  variance: varIdent(form = ~ 1 | Sex)\n');
  for (const [fit, pattern] of [
    // nlme 3.1-162: coef(corStruct) Phi = -0.0375331 (test/fixtures/reference/nlme/orthodont_ar1.json)
    [ar1, /^corAR1\(form = ~ ?1 \| Subject\): Phi = -0\.037\d*$/],
    // nlme 3.1-162: coef(varStruct) Male = 2.137235 (orthodont_varident.json)
    [vi, /^varIdent\(form = ~ ?1 \| Sex\): Male = 2\.13\d*$/],
  ] as const) {
    const html = renderResultsPage({ fileName: 'o.mlm', results: [fit], comparisons: [] }, { nonce: 'N0nce123', cspSource: 'https://x', scriptUri: 'https://x/dist/webview/main.js' });
    const doc = new JSDOM(html).window.document;
    const dts = [...doc.querySelectorAll('dl.model-header dt')].map((d) => d.textContent);
    const dd = (label: string) => doc.querySelectorAll('dl.model-header dd')[dts.indexOf(label)]?.textContent ?? '';
    assert.equal(dd('Degrees of freedom'), "between/within (nlme's containment)");
    assert.match(dd(fit === ar1 ? 'Correlation structure' : 'Variance function'), pattern);
  }
});

test('the coefficient interval is named by the df method of the tests and uses its standard error', async () => {
  const { intervalMethod, coefficientRows } = await import('../../engine/src/inference/coefficients');
  const base = loadReferenceFit('sleepstudy_full');
  assert.equal(intervalMethod({ ...base, dfMethod: 'between-within' }), '95% CI (t, between/within df)');
  assert.equal(intervalMethod({ ...base, dfMethod: 'kenward-roger' }), '95% CI (t, Kenward-Roger df)');
  assert.equal(intervalMethod({ ...base, dfMethod: 'asymptotic' }), '95% Wald CI (z)');
  // the column header stays short in a narrow panel; the method is in the caption
  const { intervalHeader } = await import('../../client/src/shared/fitView');
  assert.equal(intervalHeader({ ...base, intervalMethod: intervalMethod({ ...base, dfMethod: 'between-within' }) }), '95% CI (t)');
  // Kenward-Roger (pbkrtest, test/fixtures/reference/kenward-roger/sleepstudy_full.json): Days SE 1.54579, df 17
  const kr = { ...base, dfMethod: 'kenward-roger' as const, tests: { ...base.tests!, Days: { estimate: base.fixef.Days, se: 1.54578964390598, statistic: base.fixef.Days / 1.54578964390598, df: 17, p: 3.26380801814764e-06 } } };
  const row = coefficientRows(kr).find((r) => r.name === 'Days')!;
  // estimate ± qt(0.975, 17) × 1.54579; qt(0.975, 17) = 2.109816 (R)
  assert.ok(Math.abs(row.upper - row.lower - 2 * 2.109816 * 1.54578964390598) < 1e-5);
});

test("the ratio column is named by family and link: 'Rate ratio' for Poisson, 'Ratio' (of means) for a Gamma log link", async () => {
  const { coefficientRows } = await import('../../engine/src/inference/coefficients');
  const pois = loadReferenceFit('grouseticks_poisson');
  const header = (fit: typeof pois) => {
    const doc = new JSDOM(renderResultsPage({ fileName: 'g.mlm', results: [{ ...fit, coefficients: coefficientRows(fit) }], comparisons: [] }, { nonce: 'N0nce123', cspSource: 'x', scriptUri: 'https://x/main.js' })).window.document;
    const th = [...doc.querySelectorAll('table.fixed-effects thead th')].map((x) => x.textContent ?? '').find((t) => /atio/.test(t));
    const cell = doc.querySelector('table.fixed-effects tbody tr:nth-child(2) td.ratio')?.getAttribute('title') ?? '';
    return [th?.replace(/ \(.*$/, '') ?? '', cell];
  };
  const [pt, pc] = header(pois);
  assert.equal(pt, 'Rate ratio');
  assert.match(pc, /multiplicative change in the rate/);
  const [gt, gc] = header({ ...pois, family: 'Gamma', link: 'log' });
  assert.equal(gt, 'Ratio');
  assert.match(gc, /multiplicative change in the mean/);
});
