import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CodeAction, CompletionItem, Diagnostic, DocumentSymbol, FoldingRange, Hover, TextEdit } from 'vscode-languageserver-protocol';
import { CancellationTokenSource } from 'vscode-languageserver-protocol/node';
import { ensureBuilt, LspClient, makeWorkspace, positionOf, root, type Workspace } from './lspClient';
import { parseMlm } from '../../engine/src/mlmfile/parse';

let ws: Workspace;
let client: LspClient;

const reference = (name: string) => JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'reference', 'fits', `${name}.json`), 'utf8'));

const SLEEP = [
  '# sleep deprivation',
  'data: sleepstudy.csv',
  '',
  'model full:',
  '  formula: Reaction ~ Days + (Days | Subject)',
  '',
  'model vi:',
  '  formula: Reaction ~ Days + (1 | Subject)',
  '  method: ML',
  '',
  'model slopes_ml:',
  '  formula: Reaction ~ Days + (Days | Subject)',
  '  method: ML',
  '',
  'compare: vi, slopes_ml',
  '',
].join('\n');
let sleepUri: string;

before(async () => {
  ensureBuilt();
  ws = makeWorkspace();
  ws.copyData('sleepstudy.csv');
  ws.copyData('mathach.csv');
  client = new LspClient(ws);
  await client.initialize();
  sleepUri = ws.write('sleep.mlm', SLEEP);
  await client.open(sleepUri, SLEEP);
});

after(async () => {
  await client.dispose();
  ws.dispose();
});

async function complete(uri: string, text: string, needle: string, offset: number, occurrence = 0): Promise<CompletionItem[]> {
  const r = await client.request<CompletionItem[] | { items: CompletionItem[] }>('textDocument/completion', {
    textDocument: { uri },
    position: positionOf(text, needle, offset, occurrence),
  });
  return Array.isArray(r) ? r : r.items;
}

async function hoverText(uri: string, text: string, needle: string, offset = 0, occurrence = 0): Promise<string> {
  const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, needle, offset, occurrence) });
  if (!h) return '';
  const c = h.contents as { value: string };
  return c.value;
}

function labels(items: CompletionItem[]): string[] {
  return items.map((i) => i.label);
}

test('completion after ~: columns with type and summary as documentation, and functions', async () => {
  const text = 'data: sleepstudy.csv\nmodel a:\n  formula: Reaction ~ \n';
  const uri = ws.write('c1.mlm', text);
  await client.open(uri, text);
  const items = await complete(uri, text, '~ ', 2);
  const ls = labels(items);
  for (const c of ['Reaction', 'Days', 'Subject', 'factor', 'log', 'I']) assert.ok(ls.includes(c), `${c} missing from ${ls}`);
  const days = items.find((i) => i.label === 'Days')!;
  const doc = (days.documentation as { value: string }).value;
  assert.match(doc, /range 0–9, mean 4\.5/); // Days takes 0..9 for each of 18 subjects: mean 4.5
  assert.match(doc, /180 rows, no missing values/);
  assert.match(days.detail ?? '', /numeric/);
});

test('formula functions: completion with signatures, contrast codings, hover documentation, R syntax without diagnostics', async () => {
  const valid = 'data: sleepstudy.csv\nmodel a: Reaction ~ splines::ns(Days, df = 3) + I(Days > 4 & Subject != "308") + (1 | Subject)\n  method: ML\n';
  const validUri = ws.write('cf0.mlm', valid);
  const diags = await client.open(validUri, valid);
  assert.deepEqual(diags.filter((d) => d.severity === 1).map((d) => d.message), []);
  const text = 'data: sleepstudy.csv\nmodel a: Reaction ~ splines::ns(Days, df = 3) + C(factor(Days), s) + (1 | Subject)\n  contrasts: Subject = \n';
  const uri = ws.write('cf.mlm', text);
  await client.open(uri, text);
  const items = await complete(uri, text, '~ ', 2);
  const poly = items.find((i) => i.label === 'poly')!;
  assert.equal(poly.detail, 'poly(x, degree = 1, raw = FALSE)');
  assert.match((poly.documentation as { value: string }).value, /Orthogonal polynomials/);
  for (const f of ['ns', 'bs', 'relevel', 'interaction', 'C', 'log1p', 'sin']) assert.ok(items.some((i) => i.label === f), `${f} missing`);
  assert.ok(!items.some((i) => i.label === 'median'), 'derive-only functions are not offered in a formula');
  const codings = labels(await complete(uri, text, ', s)', 3));
  assert.deepEqual(codings, ['treatment', 'sum', 'helmert', 'poly']);
  assert.deepEqual(labels(await complete(uri, text, 'Subject = ', 10)), ['treatment', 'sum', 'helmert', 'poly']);
  const h = await hoverText(uri, text, 'splines::ns', 10);
  assert.match(h, /ns\(x, df = NULL, knots = NULL/);
  assert.match(h, /Natural cubic spline/);
});

test('a document holding the worst formulas of the reliability report gets located errors, and another document is answered meanwhile', async () => {
  const bad = [
    'data: sleepstudy.csv',
    'model p: Reaction ~ Days^1e308 + (1 | Subject)',
    'model q: Reaction ~ (Days + Subject)^1000000 + (1 | Subject)',
    `model r: Reaction ~ ${'('.repeat(1000)}Days${')'.repeat(1000)} + (1 | Subject)`,
    `model s: Reaction ~ ${'-'.repeat(10000)}Days + (1 | Subject)`,
    `model t: Reaction ~ ${Array.from({ length: 3000 }, () => 'Days').join(' + ')} + (1 | Subject)`,
    '',
  ].join('\n');
  const uri = ws.write('worst.mlm', bad);
  const opened = client.open(uri, bad);
  const t0 = Date.now();
  const h = await hoverText(sleepUri, SLEEP, 'Days +', 0);
  assert.ok(Date.now() - t0 < 2000);
  assert.match(h, /Days/);
  const diags = await opened;
  const messages = diags.map((d) => `${d.range.start.line}: ${d.message}`);
  assert.ok(messages.some((m) => /^1: invalid power in formula/.test(m)), messages.join('\n'));
  assert.ok(messages.some((m) => /^3: .*nests too deeply/.test(m)), messages.join('\n'));
  assert.ok(messages.some((m) => /^4: .*nests too deeply/.test(m)), messages.join('\n'));
  assert.ok(messages.some((m) => /^5: .*too long/.test(m)), messages.join('\n'));
  assert.ok(!messages.some((m) => /internal|Maximum call stack|unexpectedly/i.test(m)), messages.join('\n'));
});

test('completion after |: only factor-like columns', async () => {
  const text = 'data: sleepstudy.csv\nmodel a:\n  formula: Reaction ~ Days + (Days | S)\n';
  const uri = ws.write('c2.mlm', text);
  await client.open(uri, text);
  const ls = labels(await complete(uri, text, '| S', 3));
  assert.deepEqual(ls, ['Subject']);

  const text2 = 'data: mathach.csv\nmodel a:\n  formula: mathach ~ ses + (ses | )\n';
  const uri2 = ws.write('c3.mlm', text2);
  await client.open(uri2, text2);
  const items = await complete(uri2, text2, '| )', 2);
  const ls2 = labels(items);
  for (const c of ['school', 'minority', 'sex', 'sector']) assert.ok(ls2.includes(c), `${c} missing from ${ls2}`);
  for (const c of ['ses', 'mathach', 'meanses', 'cses', 'pracad', 'disclim']) assert.ok(!ls2.includes(c), `${c} should not be offered after |`);
  const sector = items.find((i) => i.label === 'sector')!;
  // counts checked with grep -c on the CSV
  assert.match((sector.documentation as { value: string }).value, /2 levels: Catholic \(3543\), Public \(3642\)/);
});

test('completion of keys, families, links, methods and model names after compare:', async () => {
  const text = 'data: sleepstudy.csv\n\nmodel a:\n  formula: Reaction ~ Days + (1 | Subject)\n  fa\n\nmodel b:\n  formula: Reaction ~ Days + (Days | Subject)\n  family: \n\nco\ncompare: a, \n';
  const uri = ws.write('c4.mlm', text);
  await client.open(uri, text);
  const keyItems = await complete(uri, text, '  fa', 4);
  // accepting family: opens its values at once
  assert.equal(keyItems.find((i) => i.label === 'family')?.command?.command, 'editor.action.triggerSuggest');
  const modelKeys = labels(keyItems);
  assert.ok(modelKeys.includes('family') && modelKeys.includes('method') && modelKeys.includes('nAGQ'), String(modelKeys));
  assert.ok(!modelKeys.includes('formula'), 'formula is already given in model a');
  assert.ok(!modelKeys.includes('data'));
  const topKeys = labels(await complete(uri, text, '\nco\n', 3));
  for (const k of ['levels', 'factors', 'derive', 'compare', 'model']) assert.ok(topKeys.includes(k), `${k} missing from ${topKeys}`);
  assert.ok(!topKeys.includes('data'), 'data: is already present');
  const fams = labels(await complete(uri, text, 'family: ', 8));
  assert.deepEqual(fams.sort(), ['Gamma', 'binomial', 'gaussian', 'inverse.gaussian', 'negbinomial', 'poisson']);
  const models = labels(await complete(uri, text, 'compare: a, ', 12));
  assert.deepEqual(models, ['b']);

  const text2 = 'data: sleepstudy.csv\nmodel a:\n  formula: y ~ 1 + (1 | g)\n  family: binomial(\n  method: \n';
  const uri2 = ws.write('c5.mlm', text2);
  await client.open(uri2, text2);
  assert.deepEqual(labels(await complete(uri2, text2, 'binomial(', 9)), ['logit', 'probit', 'cloglog', 'cauchit', 'log']);
  assert.deepEqual(labels(await complete(uri2, text2, 'method: ', 8)), ['REML', 'ML']);
  // a family name with a dot: the links of inverse.gaussian, not of gaussian; hover on Gamma(log)
  const text3 = 'data: sleepstudy.csv\nmodel a:\n  formula: Reaction ~ 1 + (1 | Subject)\n  family: inverse.gaussian(\nmodel b:\n  formula: Reaction ~ 1 + (1 | Subject)\n  family: Gamma(log)\n';
  const uri3 = ws.write('c5b.mlm', text3);
  await client.open(uri3, text3);
  assert.deepEqual(labels(await complete(uri3, text3, 'inverse.gaussian(', 17)), ['1/mu^2', 'inverse', 'log', 'identity']);
  const gam = await hoverText(uri3, text3, 'Gamma(log)', 2);
  assert.match(gam, /\*\*Gamma\*\* family: positive continuous response/);
  assert.match(gam, /\*\*log\*\* link/);
});

test('formula completion ranks predictors: the response last, terms already present dropped (kept inside a random term)', async () => {
  const text = 'data: sleepstudy.csv\nmodel a:\n  formula: Reaction ~ Days + \nmodel b:\n  formula: Reaction ~ Days + (\n';
  const uri = ws.write('rank.mlm', text);
  await client.open(uri, text);
  const items = await complete(uri, text, 'Reaction ~ Days + ', 18);
  const cols = items.filter((i) => ['Reaction', 'Days', 'Subject'].includes(i.label)).sort((x, y) => (x.sortText ?? '').localeCompare(y.sortText ?? ''));
  assert.deepEqual(cols.map((i) => i.label), ['Subject', 'Reaction'], 'Days is in the formula; the response goes last');
  const inTerm = labels(await complete(uri, text, 'Reaction ~ Days + (', 19));
  assert.ok(inTerm.includes('Days'), 'a random slope of Days is offered inside the parentheses');
});

test('completion offers what the parser accepts: links per family, formula and derive: functions; hovers describe them', async () => {
  const text = 'data: sleepstudy.csv\nderive: z = \nmodel a:\n  formula: Reaction ~ log(Days + 1) + (1 | Subject)\n  family: poisson(\nmodel b:\n  formula: Reaction ~ Days + (1 | Subject)\n  family: binomial(probit)\n';
  const uri = ws.write('c6.mlm', text);
  await client.open(uri, text);
  // every link offered inside poisson( parses (R's poisson() takes identity too, but only the links we fit are offered)
  const links = labels(await complete(uri, text, 'poisson(', 8));
  assert.ok(links.length > 0 && links.includes('log'));
  for (const link of links) {
    const doc = parseMlm(`data: d.csv\nformula: y ~ x + (1 | g)\nfamily: poisson(${link})\n`);
    assert.deepEqual(doc.diagnostics.filter((d) => d.severity === 'error'), [], `poisson(${link}) offered but refused`);
  }
  // formula functions: scale, log2 offered; derive-only aggregates not
  const fns = labels(await complete(uri, text, '~ ', 2));
  for (const f of ['scale', 'log2', 'log10', 'factor', 'I']) assert.ok(fns.includes(f), `${f} missing from ${fns}`);
  for (const f of ['mean', 'median', 'cbind']) assert.ok(!fns.includes(f), `${f} offered on the right of ~`);
  // derive: columns and the aggregates
  const derive = labels(await complete(uri, text, 'z = ', 4));
  for (const f of ['Days', 'mean', 'sd', 'log']) assert.ok(derive.includes(f), `${f} missing from ${derive}`);
  assert.ok(!derive.includes('factor'));
  // hovers: the function's signature, the family and the link
  assert.match(await hoverText(uri, text, 'log(Days', 1), /`log\(x, base = exp\(1\)\)` — Logarithm \(natural unless base is given/);
  const fam = await hoverText(uri, text, 'binomial(probit)', 2);
  assert.match(fam, /\*\*binomial\*\* family/);
  assert.match(fam, /\*\*probit\*\* link: Φ⁻¹\(μ\) = η/);
});

test('completion of level names after levels: COLUMN =', async () => {
  const text = 'data: mathach.csv\nlevels: sector = \nmodel a:\n  formula: mathach ~ sector + (1 | school)\n';
  const uri = ws.write('c7.mlm', text);
  await client.open(uri, text);
  assert.deepEqual(labels(await complete(uri, text, 'sector = ', 9)), ['Catholic', 'Public']);
  const text2 = text.replace('sector = ', 'sector = Public, ');
  await client.change(uri, text2);
  assert.deepEqual(labels(await complete(uri, text2, 'Public, ', 8)), ['Catholic']);
});

test('completion of file paths after data:', async () => {
  const text = 'data: \nmodel a:\n  formula: y ~ 1 + (1 | g)\n';
  const uri = ws.write('c6.mlm', text);
  await client.open(uri, text);
  const ls = labels(await complete(uri, text, 'data: ', 6));
  assert.ok(ls.includes('sleepstudy.csv') && ls.includes('mathach.csv'), String(ls));
  assert.ok(!ls.some((l) => l.endsWith('.mlm')));
});

test('hover before a fit: column facts and the random term in words', async () => {
  const col = await hoverText(sleepUri, SLEEP, 'Days', 1);
  assert.match(col, /\*\*Days\*\* — numeric/);
  assert.match(col, /range 0–9, mean 4\.5/);
  assert.match(col, /no missing values/);
  const term = await hoverText(sleepUri, SLEEP, '(Days | Subject)', 6);
  assert.match(term, /correlated random intercept and slope for Days by Subject; 18 groups/);
  const vi = await hoverText(sleepUri, SLEEP, '(1 | Subject)', 3);
  assert.match(vi, /random intercept by Subject; 18 groups/);
  assert.doesNotMatch(vi, /correlated/);
  const key = await hoverText(sleepUri, SLEEP, 'method', 2);
  assert.match(key, /REML/);
});

test('hover on a column with missing values and on a factor column', async () => {
  writeFileSync(join(ws.dir, 'gaps.csv'), 'y,x,g\n1.5,2,a\n2.5,NA,b\n3.5,,a\nNA,5,c\n4,6,c\n');
  const text = 'data: gaps.csv\nmodel m:\n  formula: y ~ x + (1 | g)\n';
  const uri = ws.write('gaps.mlm', text);
  await client.open(uri, text);
  const x = await hoverText(uri, text, 'x +', 0);
  assert.match(x, /range 2–6, mean 4\.333/); // (2 + 5 + 6) / 3
  assert.match(x, /2 missing values of 5/);
  const g = await hoverText(uri, text, '| g', 2);
  assert.match(g, /factor \(text\)/);
  assert.match(g, /3 levels: a \(2\), b \(1\), c \(2\)/);
});

test('hover on || and nested terms', async () => {
  const text = 'data: sleepstudy.csv\nmodel d:\n  formula: Reaction ~ Days + (Days || Subject)\nmodel z:\n  formula: Reaction ~ Days + (0 + Days | Subject)\n';
  const uri = ws.write('h2.mlm', text);
  await client.open(uri, text);
  assert.match(await hoverText(uri, text, '||', 0), /uncorrelated random intercept and slope for Days by Subject/);
  assert.match(await hoverText(uri, text, '0 + Days', 0), /random slope for Days by Subject \(no random intercept\)/);
});

test('hover on nested and crossed grouping: levels counted in the data', async () => {
  ws.copyData('Pastes.csv');
  const text = 'data: Pastes.csv\nmodel n:\n  formula: strength ~ 1 + (1 | batch/cask)\nmodel i:\n  formula: strength ~ 1 + (1 | batch:cask)\n';
  const uri = ws.write('pastes.mlm', text);
  await client.open(uri, text);
  // Pastes: 10 batches (A-J) x 3 casks (a-c), 2 samples each (lme4: ngrps cask:batch 30, batch 10)
  const nested = await hoverText(uri, text, '(1 | batch/cask)', 3);
  assert.match(nested, /random intercept by batch and by cask within batch \(cask:batch\); 10 batch groups, 30 cask:batch groups/);
  const crossed = await hoverText(uri, text, '(1 | batch:cask)', 3);
  assert.match(crossed, /random intercept by each combination of batch and cask \(batch:cask\); 30 groups/);
});

test('mlm/fit, then hovers show the fit: fixed effect, random term, response', async () => {
  const ref = reference('sleepstudy_full');
  const res = await client.request<{ fitted: string[]; errors: unknown[]; results: Array<{ id: string; fixef: Record<string, number> }>; comparisons: Array<{ models: string[]; rows: Array<{ Chisq: number | null }> }> }>(
    'mlm/fit',
    { uri: sleepUri },
  );
  assert.deepEqual(res.errors, []);
  assert.deepEqual(res.fitted.sort(), ['full', 'slopes_ml', 'vi']);
  const full = res.results.find((r) => r.id === 'full')!;
  assert.ok(Math.abs(full.fixef.Days - ref.fixef.Days) / ref.fixef.Days < 1e-4);
  // The compare: line gives a likelihood-ratio table.
  assert.equal(res.comparisons.length, 1);
  assert.deepEqual(res.comparisons[0].models, ['vi', 'slopes_ml']);

  const days = await hoverText(sleepUri, SLEEP, 'Days', 1); // model full
  assert.match(days, /10\.47/); // lme4: 10.467
  assert.match(days, /1\.546|1\.55/); // SE 1.5458
  assert.match(days, /6\.77/); // t = 10.467 / 1.5458
  assert.match(days, /Days[^|]*Reaction/); // the interpretation sentence
  // the interval uses the t test's df: lme4's estimate ± qt(0.975, lmerTest's df 16.99998) × SE
  // (qt(0.975, 17) = 2.109815577833317; the df differs from 17 by 2e-5, far below the 4 digits shown)
  const q = 2.109815577833317;
  const lo = Number((ref.fixef.Days - q * ref.se.Days).toPrecision(4)).toString();
  const hi = Number((ref.fixef.Days + q * ref.se.Days).toPrecision(4)).toString();
  assert.ok(days.includes(`[${lo}, ${hi}]`), `${lo}, ${hi} in ${days}`);
  assert.match(days, /\| 17\.0 \|/); // lmerTest's Satterthwaite df for Days: 16.99998

  const term = await hoverText(sleepUri, SLEEP, '(Days | Subject)', 6);
  assert.match(term, /24\.74/); // sd(Intercept) 24.7407
  assert.match(term, /5\.922/); // sd(Days) 5.9221
  assert.match(term, /0\.07/); // corr 0.0656

  const resp = await hoverText(sleepUri, SLEEP, 'Reaction', 1);
  assert.ok(resp.includes(ref.REMLcrit.toFixed(1)), resp); // 1743.6
  assert.ok(resp.includes(ref.logLik.toFixed(1)) || resp.includes(ref.logLik.toFixed(2)), resp);
  assert.match(resp, /observations \| 180/);
  assert.match(resp, /groups: Subject \| 18/);

  // The compare: line: the likelihood-ratio test, 2 more parameters in slopes_ml (slope variance and correlation).
  const lrt = await hoverText(sleepUri, SLEEP, 'vi, slopes_ml', 5);
  assert.match(lrt, /Likelihood-ratio test/);
  assert.match(lrt, /χ²\(2\)/);

  // mlm/results returns the kept results without fitting.
  const kept = await client.request<{ results: Array<{ id: string }> }>('mlm/results', { uri: sleepUri });
  assert.deepEqual(kept.results.map((r) => r.id).sort(), ['full', 'slopes_ml', 'vi']);
});

test('after a fit, a factor hovers as its level coefficients and `*` as main effects and interaction', async () => {
  const ref = reference('mathach_bryk');
  const text = 'data: mathach.csv\nlevels: sector = Public, Catholic\nmodel bryk:\n  formula: mathach ~ meanses * cses + sector * cses + (cses | school)\n';
  const uri = ws.write('bryk.mlm', text);
  await client.open(uri, text);
  const r = await client.request<{ fitted: string[] }>('mlm/fit', { uri });
  assert.deepEqual(r.fitted, ['bryk']);
  const sector = await hoverText(uri, text, 'sector *', 1);
  assert.match(sector, /\*\*sectorCatholic\*\*/);
  assert.ok(sector.includes(ref.fixef.sectorCatholic.toPrecision(4)), sector); // 1.227
  assert.doesNotMatch(sector, /\*\*cses:sectorCatholic\*\*/);
  const star = await hoverText(uri, text, 'meanses * cses', 8);
  for (const name of ['meanses', 'cses', 'meanses:cses']) assert.match(star, new RegExp(`\\*\\*${name}\\*\\*`));
  assert.ok(star.includes(ref.fixef['meanses:cses'].toPrecision(4)), star); // 1.039
  // `cses` alone is its main effect only (not meanses:cses nor a column starting with 'cses').
  const cses = await hoverText(uri, text, 'cses +', 1);
  assert.match(cses, /\*\*cses\*\*/);
  assert.doesNotMatch(cses, /meanses:cses/);
});

test('mlm/fit and mlm/dataPreview work on a saved .mlm that is not open', async () => {
  const text = 'data: sleepstudy.csv\nmodel closed:\n  formula: Reaction ~ Days + (1 | Subject)\n';
  const uri = ws.write('closed.mlm', text);
  const r = await client.request<{ fitted: string[]; errors: unknown[] }>('mlm/fit', { uri });
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.fitted, ['closed']);
  const p = await client.request<{ rows: number }>('mlm/dataPreview', { uri });
  assert.equal(p.rows, 180);
  const missing = await client.request<{ fitted: string[]; errors: Array<{ message: string }> }>('mlm/fit', { uri: ws.uri('nope.mlm') });
  assert.deepEqual(missing.fitted, []);
  assert.equal(missing.errors.length, 1);
});

test('mlm/fit with a position fits the model under the cursor only', async () => {
  const text = 'data: sleepstudy.csv\nmodel a:\n  formula: Reaction ~ Days + (1 | Subject)\nmodel b:\n  formula: Reaction ~ Days + (Days | Subject)\n';
  const uri = ws.write('position.mlm', text);
  await client.open(uri, text);
  const r = await client.request<{ fitted: string[]; results: Array<{ id: string }> }>('mlm/fit', { uri, position: positionOf(text, 'Days | Subject') });
  assert.deepEqual(r.fitted, ['b']);
  const r2 = await client.request<{ fitted: string[]; results: Array<{ id: string }> }>('mlm/fit', { uri, model: 'a' });
  assert.deepEqual(r2.fitted, ['a']);
  assert.deepEqual(r2.results.map((x) => x.id).sort(), ['a', 'b']);
});

test("mlm/fit: a model with an unknown family is that model's located error, not a gaussian fit; a Gamma(log) model fits with its sigma", async () => {
  const text = 'data: sleepstudy.csv\nmodel bad:\n  formula: Reaction ~ Days + (1 | Subject)\n  family: Gama(log)\nmodel good:\n  formula: Reaction ~ Days + (1 | Subject)\n  family: Gamma(log)\n';
  const uri = ws.write('family.mlm', text);
  await client.open(uri, text);
  const r = await client.request<{ fitted: string[]; errors: Array<{ model: string; range?: unknown; message: string }>; results: Array<{ id: string; sigma: number; dispersion?: { name: string; value: number } }> }>('mlm/fit', { uri });
  assert.deepEqual(r.fitted, ['good']);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0].model, 'bad');
  assert.match(r.errors[0].message, /unknown family 'Gama\(log\)'/);
  assert.deepEqual((r.errors[0].range as { start: unknown }).start, positionOf(text, 'Gama(log)'));
  const good = r.results.find((x) => x.id === 'good')!;
  // glmmTMB's sigma() for this model (test/fixtures/reference/families/sleepstudy_gamma_log.json): 0.0966416500853176
  assert.ok(Math.abs(good.sigma / 0.0966416500853176 - 1) < 2e-3, String(good.sigma));
  assert.equal(good.dispersion?.name, 'sigma');
});

test('a failed fit reports a located error and keeps the previous result', async () => {
  const text = 'data: sleepstudy.csv\nmodel m:\n  formula: Reaction ~ Days + (1 | Subject)\n';
  const uri = ws.write('keep.mlm', text);
  await client.open(uri, text);
  const ok = await client.request<{ fitted: string[] }>('mlm/fit', { uri });
  assert.deepEqual(ok.fitted, ['m']);
  const broken = text.replace('Days +', 'Dayz +');
  await client.change(uri, broken);
  const bad = await client.request<{ fitted: string[]; errors: Array<{ model: string; range?: unknown }>; results: Array<{ id: string }> }>('mlm/fit', { uri });
  assert.deepEqual(bad.fitted, []);
  assert.equal(bad.errors.length, 1);
  assert.equal(bad.errors[0].model, 'm');
  assert.deepEqual(bad.errors[0].range, { start: positionOf(broken, 'Dayz'), end: { line: 2, character: positionOf(broken, 'Dayz').character + 4 } });
  assert.deepEqual(bad.results.map((r) => r.id), ['m']);
});

test('an error raised by the fit itself is returned with its range and published as a diagnostic', async () => {
  const text = 'data: sleepstudy.csv\nmodel g:\n  formula: Reaction ~ Days + (1 | Subject)\n  family: gaussian(log)\n';
  const uri = ws.write('fitfail.mlm', text);
  const before = await client.open(uri, text);
  assert.deepEqual(before.filter((d) => d.severity === 1), []);
  const published = client.waitDiagnostics(uri, (ds) => ds.some((d) => d.code === 'fit-failed'));
  const r = await client.request<{ fitted: string[]; errors: Array<{ model: string; range?: unknown; message: string }> }>('mlm/fit', { uri });
  assert.deepEqual(r.fitted, []);
  assert.equal(r.errors[0].model, 'g');
  const formulaRange = { start: positionOf(text, 'Reaction'), end: { line: 2, character: text.split('\n')[2].length } };
  assert.deepEqual(r.errors[0].range, formulaRange);
  const ds = await published;
  const d = ds.find((x) => x.code === 'fit-failed')!;
  assert.deepEqual(d.range, formulaRange);
  assert.match(String(d.message), /fit of 'g' failed/);
  // Editing the formula withdraws the stale fit error.
  const edited = text.replace('Days +', 'Days + 1 +');
  const after = await client.change(uri, edited);
  assert.equal(after.filter((x) => x.code === 'fit-failed').length, 0);
});

test('fit cancellation through the LSP token keeps the previous result', async () => {
  // a fit that lasts long enough (~0.5 s) for the cancellation to arrive while it runs, even on a
  // loaded machine (sleepstudy could finish before $/cancelRequest was read)
  ws.copyData('VerbAgg.csv');
  const text = 'data: VerbAgg.csv\nmodel m:\n  formula: r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)\n  family: binomial\n';
  const uri = ws.write('cancel.mlm', text);
  await client.open(uri, text);
  const first = await client.request<{ fitted: string[] }>('mlm/fit', { uri });
  assert.deepEqual(first.fitted, ['m']);
  const source = new CancellationTokenSource();
  const fit = client.connection.sendRequest('mlm/fit', { uri }, source.token) as Promise<{
    fitted: string[];
    errors: Array<{ model: string; cancelled?: boolean }>;
    results: Array<{ id: string }>;
  }>;
  source.cancel(); // $/cancelRequest follows the request at once
  const r = await fit;
  assert.deepEqual(r.fitted, []);
  assert.deepEqual(r.errors.map((e) => [e.model, e.cancelled]), [['m', true]]);
  assert.deepEqual(r.results.map((x) => x.id), ['m']); // the earlier fit is kept
});

test('mlm/fit reports work-done progress on the client token', async () => {
  const text = 'data: sleepstudy.csv\nmodel a:\n  formula: Reaction ~ Days + (1 | Subject)\nmodel b:\n  formula: Reaction ~ Days + (Days | Subject)\n';
  const uri = ws.write('progress.mlm', text);
  await client.open(uri, text);
  const r = await client.request<{ fitted: string[] }>('mlm/fit', { uri, workDoneToken: 'fit-1' });
  assert.deepEqual(r.fitted, ['a', 'b']);
  await new Promise((res) => setTimeout(res, 50));
  const kinds = client.progress.filter((p) => p.token === 'fit-1').map((p) => p.value.kind);
  assert.equal(kinds[0], 'begin');
  assert.equal(kinds[kinds.length - 1], 'end');
  assert.ok(kinds.includes('report'));
  assert.equal(client.progress.find((p) => p.token === 'fit-1')!.value.title, 'Fitting 2 models');
});

test('the server keeps answering while a fit runs', async () => {
  ws.copyData('VerbAgg.csv');
  const text = 'data: VerbAgg.csv\nmodel verbagg:\n  formula: r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)\n  family: binomial\n';
  const uri = ws.write('busy.mlm', text);
  await client.open(uri, text);
  let fitDone = 0;
  const t0 = performance.now();
  const fit = client.request<{ fitted: string[] }>('mlm/fit', { uri, workDoneToken: 'busy' }).then((r) => {
    fitDone = performance.now();
    return r;
  });
  // A progress report with an evaluation count comes from inside the optimizer: the fit is running.
  while (!client.progress.some((p) => p.token === 'busy' && /evaluations/.test(p.value.message ?? '')) && !fitDone) {
    await new Promise((r) => setTimeout(r, 2));
  }
  const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, 'item', 0) });
  const hoverDone = performance.now();
  assert.ok(h);
  const r = await fit;
  assert.deepEqual(r.fitted, ['verbagg']);
  assert.ok(hoverDone < fitDone, `the hover (${(hoverDone - t0).toFixed(0)} ms) was answered before the fit finished (${(fitDone - t0).toFixed(0)} ms)`);
});

test('quick fixes: did-you-mean for model names, columns and keys', async () => {
  const text = 'data: sleepstudy.csv\nmodel full:\n  formula: Reaction ~ Dayz + (Days | Subject)\n  methd: ML\ncompare: full, fulll\n';
  const uri = ws.write('fix.mlm', text);
  const ds = await client.open(uri, text);
  for (const [code, newText] of [
    ['unknown-model', 'full'],
    ['unknown-column', 'Days'],
    ['unknown-key', 'method'],
  ] as const) {
    const d = ds.find((x) => x.code === code)!;
    assert.ok(d, code);
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: d.range,
      context: { diagnostics: [d] },
    });
    const edit = actions[0]?.edit?.changes?.[uri]?.[0];
    assert.ok(edit, `${code}: ${JSON.stringify(actions)}`);
    assert.deepEqual(edit, { range: d.range, newText });
  }
});

function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((s, l) => s + l.length + 1, 0) + p.character;
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

test('quick fix: did-you-mean for a function name', async () => {
  const text = 'data: sleepstudy.csv\nmodel m:\n  formula: Reaction ~ lgo(Days) + (1 | Subject)\n';
  const uri = ws.write('fnfix.mlm', text);
  const ds = await client.open(uri, text);
  const d = ds.find((x) => x.code === 'unknown-function')!;
  assert.ok(d, JSON.stringify(ds));
  assert.deepEqual(d.range, { start: positionOf(text, 'lgo'), end: { line: 2, character: positionOf(text, 'lgo').character + 3 } });
  const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
  assert.deepEqual(actions[0].edit!.changes![uri], [{ range: d.range, newText: 'log' }]);
});

test('quick fix: rewrite to (1 | parent/child) for repeated ids', async () => {
  const rows: string[] = [];
  let k = 0;
  for (const school of ['s1', 's2', 's3', 's4']) for (const cls of [1, 2, 3]) for (let p = 0; p < 3; p++) rows.push(`${school},${cls},${(k++ * 7) % 11}`);
  writeFileSync(join(ws.dir, 'classes.csv'), 'school,class,y\n' + rows.join('\n') + '\n');
  const text = 'data: classes.csv\nmodel m:\n  formula: y ~ 1 + (1 | school) + (1 | class)\n';
  const uri = ws.write('nestfix.mlm', text);
  const ds = await client.open(uri, text);
  const d = ds.find((x) => x.code === 'repeated-group-ids')!;
  const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
  const fixed = applyEdits(text, actions[0].edit!.changes![uri]);
  assert.equal(fixed, 'data: classes.csv\nmodel m:\n  formula: y ~ 1 + (1 | school/class)\n');
});

test('quick fix: a 0/1 response in a gaussian model gets family: binomial', async () => {
  writeFileSync(join(ws.dir, 'binary.csv'), 'b,x,g\n' + [1, 2, 3, 4, 5, 6, 7, 8].map((i) => `${i % 2},${i},${i % 3 ? 'p' : 'q'}`).join('\n') + '\n');
  const text = 'data: binary.csv\nmodel m:\n  formula: b ~ x + (1 | g)\n  method: ML\n\ncompare: m, m\n';
  const uri = ws.write('binfix.mlm', text);
  const ds = await client.open(uri, text);
  const d = ds.find((x) => x.code === 'binary-response')!;
  assert.ok(d, JSON.stringify(ds));
  const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
  const fix = actions.find((x) => x.title === "Set 'family: binomial'")!;
  assert.ok(fix, JSON.stringify(actions.map((x) => x.title)));
  assert.equal(applyEdits(text, fix.edit!.changes![uri]), 'data: binary.csv\nmodel m:\n  formula: b ~ x + (1 | g)\n  method: ML\n  family: binomial\n\ncompare: m, m\n');
});

test('quick fix: a slope constant within groups is removed from the random term', async () => {
  const text = 'data: mathach.csv\nmodel p:\n  formula: mathach ~ pracad + (pracad | school)\nmodel q:\n  formula: mathach ~ pracad + ses + (ses + pracad | school)\n';
  const uri = ws.write('slopefix.mlm', text);
  const ds = await client.open(uri, text);
  const fixes: string[] = [];
  for (const d of ds.filter((x) => x.code === 'constant-within-group')) {
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
    const fix = actions.find((x) => x.title.startsWith('Remove the random slope of pracad'))!;
    assert.ok(fix, JSON.stringify(actions.map((x) => x.title)));
    fixes.push(applyEdits(text, fix.edit!.changes![uri]));
  }
  assert.equal(fixes.length, 2);
  assert.ok(fixes.includes(text.replace('(pracad | school)', '(1 | school)')), fixes.join('\n'));
  assert.ok(fixes.includes(text.replace('(ses + pracad | school)', '(ses | school)')), fixes.join('\n'));
});

test('quick fix: add a missing data: line offering the CSVs next to the file', async () => {
  const text = '# no data yet\nmodel m:\n  formula: Reaction ~ Days + (1 | Subject)\n';
  const uri = ws.write('adddata.mlm', text);
  const ds = await client.open(uri, text);
  const d = ds.find((x) => x.code === 'missing-data') as Diagnostic;
  const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
  const titles = actions.map((a) => a.title);
  assert.ok(titles.includes("Add 'data: sleepstudy.csv'") && titles.includes("Add 'data: mathach.csv'"), String(titles));
  const sleep = actions.find((a) => a.title === "Add 'data: sleepstudy.csv'")!;
  assert.equal(applyEdits(text, sleep.edit!.changes![uri]), '# no data yet\ndata: sleepstudy.csv\nmodel m:\n  formula: Reaction ~ Days + (1 | Subject)\n');
});

test('quick fix: a data file that does not exist -> the closest CSV next to the file', async () => {
  const text = 'data: sleepstudi.csv\nmodel m:\n  formula: Reaction ~ Days + (1 | Subject)\n';
  const uri = ws.write('wrongdata.mlm', text);
  const ds = await client.open(uri, text);
  const d = ds.find((x) => x.code === 'data-not-found')!;
  assert.ok(d, JSON.stringify(ds));
  const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
  assert.equal(actions[0].title, "Use 'sleepstudy.csv'");
  assert.equal(applyEdits(text, actions[0].edit!.changes![uri]), text.replace('sleepstudi.csv', 'sleepstudy.csv'));
});

test('document symbols are the models; model blocks fold', async () => {
  const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: sleepUri } });
  const models = symbols.filter((s) => s.kind === 5);
  assert.deepEqual(models.map((s) => s.name), ['full', 'vi', 'slopes_ml']);
  const full = models[0];
  assert.deepEqual(full.selectionRange, { start: { line: 3, character: 6 }, end: { line: 3, character: 10 } });
  assert.equal(full.range.start.line, 3);
  assert.equal(full.range.end.line, 4);
  const folds = await client.request<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri: sleepUri } });
  const blocks = folds.filter((f) => f.kind === 'region').map((f) => [f.startLine, f.endLine]);
  assert.deepEqual(blocks, [
    [3, 4],
    [6, 8],
    [10, 12],
  ]);
});

test('go to definition: a model name in compare: jumps to its header', async () => {
  const loc = await client.request<{ uri: string; range: unknown } | null>('textDocument/definition', {
    textDocument: { uri: sleepUri },
    position: positionOf(SLEEP, 'slopes_ml', 2, 1),
  });
  assert.deepEqual(loc, { uri: sleepUri, range: { start: { line: 10, character: 6 }, end: { line: 10, character: 15 } } });
});

test('rename a model: header and compare: mentions; invalid names refused', async () => {
  const pos = positionOf(SLEEP, 'vi:', 0);
  const prep = await client.request<{ range: unknown; placeholder: string } | null>('textDocument/prepareRename', { textDocument: { uri: sleepUri }, position: pos });
  assert.equal(prep?.placeholder, 'vi');
  const edit = await client.request<{ changes: Record<string, TextEdit[]> }>('textDocument/rename', { textDocument: { uri: sleepUri }, position: pos, newName: 'intercepts' });
  const renamed = applyEdits(SLEEP, edit.changes[sleepUri]);
  assert.ok(renamed.includes('model intercepts:') && renamed.includes('compare: intercepts, slopes_ml'), renamed);
  assert.ok(!/\bvi\b/.test(renamed));
  await assert.rejects(client.request('textDocument/rename', { textDocument: { uri: sleepUri }, position: pos, newName: 'has space' }));
  const none = await client.request('textDocument/prepareRename', { textDocument: { uri: sleepUri }, position: positionOf(SLEEP, 'Reaction') });
  assert.equal(none, null);
});

test('mlm/dataPreview: columns with type, missing and summary, and the first rows', async () => {
  const p = await client.request<{ rows: number; columns: Array<{ name: string; type: string; missing: number; summary: string }>; head: string[][] }>(
    'mlm/dataPreview',
    { uri: sleepUri, maxRows: 3 },
  );
  assert.equal(p.rows, 180);
  assert.deepEqual(p.columns.map((c) => c.name), ['Reaction', 'Days', 'Subject']);
  assert.equal(p.columns[1].summary.startsWith('range 0–9, mean 4.5'), true);
  assert.deepEqual(p.head[0], ['249.56', '0', '308']);
  assert.equal(p.head.length, 3);
});

test('mlm/dataRows: pages of all rows, sorted and filtered by the server, rows numbered from 1', async () => {
  type Page = { total: number; offset: number; rows: { n: number; cells: string[] }[] };
  const csv = readFileSync(join(root, 'examples', 'sleepstudy.csv'), 'utf8').trim().split(/\r?\n/).slice(1).map((l) => l.split(',').map((c) => c.replace(/^"|"$/g, '')));
  const plain = await client.request<Page>('mlm/dataRows', { uri: sleepUri, offset: 170, count: 50 });
  assert.equal(plain.total, 180);
  assert.deepEqual(plain.rows.map((r) => r.n), Array.from({ length: 10 }, (_, k) => 171 + k));
  assert.deepEqual(plain.rows[0].cells, csv[170]);
  // sorted by Reaction (numbers as numbers), ascending and descending
  const byReaction = csv.map((r, i) => ({ i, v: Number(r[0]) })).sort((a, b) => a.v - b.v || a.i - b.i);
  const up = await client.request<Page>('mlm/dataRows', { uri: sleepUri, offset: 0, count: 3, sort: { column: 'Reaction', descending: false } });
  assert.deepEqual(up.rows.map((r) => r.n), byReaction.slice(0, 3).map((x) => x.i + 1));
  assert.equal(up.rows[0].cells[0], '194.3322');
  const down = await client.request<Page>('mlm/dataRows', { uri: sleepUri, offset: 0, count: 1, sort: { column: 'Reaction', descending: true } });
  assert.equal(down.rows[0].n, byReaction[179].i + 1);
  const last = await client.request<Page>('mlm/dataRows', { uri: sleepUri, offset: 0, count: 1, sort: { column: '', descending: true } });
  assert.equal(last.rows[0].n, 180);
  // filtered: text in any cell; matched: the rows of one level
  const f = await client.request<Page>('mlm/dataRows', { uri: sleepUri, offset: 0, count: 1000, filter: '33' });
  assert.equal(f.total, csv.filter((r) => r.some((c) => c.includes('33'))).length);
  const m = await client.request<Page>('mlm/dataRows', { uri: sleepUri, offset: 0, count: 1000, match: { columns: ['Subject'], values: ['309'] } });
  assert.deepEqual(m.rows.map((r) => r.n), Array.from({ length: 10 }, (_, k) => 11 + k));
});

test('nlme keys: completion of df: methods and constructors, hovers, and mlm/fit by nlme\'s likelihood', async () => {
  const ar1 = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'reference', 'nlme', 'sleepstudy_ar1.json'), 'utf8'));
  const text = [
    'data: sleepstudy.csv',
    'model ar1:',
    '  formula: Reaction ~ Days + (1 | Subject)',
    '  correlation: corAR1(form = ~ Days | Subject)',
    'model kr:',
    '  formula: Reaction ~ Days + (Days | Subject)',
    '  df: kenward-roger',
    '',
  ].join('\n');
  const uri = ws.write('nlme.mlm', text);
  await client.open(uri, text);
  const dfItems = await complete(uri, text, 'kenward-roger', 3);
  assert.ok(labels(dfItems).includes('between-within'));
  assert.equal(dfItems.find((i) => i.label === 'kenward-roger')?.textEdit && (dfItems.find((i) => i.label === 'kenward-roger')!.textEdit as TextEdit).range.start.character, 6);
  const ctor = await complete(uri, text, 'corAR1', 3);
  assert.ok(labels(ctor).includes('corCAR1') && labels(ctor).includes('corCompSymm') && !labels(ctor).includes('varIdent'));
  const inForm = await complete(uri, text, '| Subject)', 2);
  assert.ok(labels(inForm).includes('Subject'));
  assert.match(await hoverText(uri, text, 'corAR1', 2), /corAR1.*AR\(1\)/s);
  assert.match(await hoverText(uri, text, 'kenward-roger', 2), /pbkrtest/);
  const res = await client.request<{ errors: unknown[]; results: Array<{ id: string; dfMethod?: string; correlationStructure?: { parameters: number[] }; tests?: Record<string, { df: number | null }> }> }>('mlm/fit', { uri });
  assert.deepEqual(res.errors, []);
  const fit = res.results.find((r) => r.id === 'ar1')!;
  assert.equal(fit.dfMethod, 'between-within');
  assert.ok(Math.abs(fit.correlationStructure!.parameters[0] - ar1.corStruct.coef) < 2e-3 * Math.abs(ar1.corStruct.coef));
  assert.equal(fit.tests!.Days.df, ar1.df.Days);
  assert.equal(res.results.find((r) => r.id === 'kr')!.dfMethod, 'kenward-roger');
});

test('nlme keys: a data problem of correlation: is a located diagnostic before any fit; the model hover shows the structure after a fit', async () => {
  const text = ['data: sleepstudy.csv', 'model bad:', '  formula: Reaction ~ Days + (1 | Subject)', '  correlation: corAR1(form = ~ Days / 3 | Subject)', ''].join('\n');
  const uri = ws.write('nlme-bad.mlm', text);
  const hasIt = (ds: Diagnostic[]) => ds.some((x) => /integer time/.test(String(x.message)));
  const first = await client.open(uri, text);
  const diags = hasIt(first) ? first : await client.waitDiagnostics(uri, hasIt);
  const d = diags.find((x) => /integer time/.test(String(x.message)))!;
  assert.equal(d.range.start.line, 3);
  const good = ['data: sleepstudy.csv', 'model ar1:', '  formula: Reaction ~ Days + (1 | Subject)', '  correlation: corAR1(form = ~ Days | Subject)', ''].join('\n');
  const uri2 = ws.write('nlme-good.mlm', good);
  await client.open(uri2, good);
  await client.request('mlm/fit', { uri: uri2 });
  const h = await hoverText(uri2, good, 'ar1', 1);
  assert.match(h, /nlme's lme/);
  assert.match(h, /corAR1 `~Days \\\| Subject` \| `Phi` = 0\.653/);
  assert.match(h, /between-within/);
});
