// After the fit: the studentized range distribution, linear combinations, marginal-means input errors,
// type I F tests, p-value adjustments, the `means:` and `estimate:` keys. Expected values come from
// mathematics or from lme4's reference fits (β and vcov), never from the engine's own output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ptukey, pnorm, dnorm, tTwoSided } from '../../engine/src/inference/distributions';
import { parseCombination, CombinationError, estimateCombination } from '../../engine/src/inference/estimate';
import { adjustP } from '../../engine/src/inference/emmeans';
import { typeIHypotheses } from '../../engine/src/inference/ftest';
import type { ContrastDf } from '../../engine/src/inference/dfmethod';
import { parseMlm } from '../../engine/src/mlmfile/parse';
import { prepareModels } from '../../engine/src/frame/prepare';
import { PostFit } from '../../engine/src/inference/postfit';
import { LinearMixedModel } from '../../engine/src/lmm/model';
import { MlmError } from '../../engine/src/diagnostics';
import type { DataTable } from '../../engine/src/data/types';
import { DATA, loadReference } from './inference-fixtures';

test('ptukey with 2 means is the two-sided t test: P(Q < q) = 1 − P(|T| > q/√2)', () => {
  for (const [q, df] of [
    [1, 5],
    [3.2, 12.5],
    [5.66, 113.8],
    [2, 1e9],
    [4, Infinity],
  ]) {
    const want = 1 - (Number.isFinite(df) ? tTwoSided(q / Math.SQRT2, df) : 2 * (1 - pnorm(q / Math.SQRT2)));
    assert.ok(Math.abs(ptukey(q, 2, df) - want) < 1e-9, `q=${q} df=${df}: ${ptukey(q, 2, df)} vs ${want}`);
  }
});

test('ptukey with df = ∞ is the range of k normals: k ∫ φ(x) [Φ(x+q) − Φ(x)]^(k−1) dx', () => {
  for (const [q, k] of [
    [1.5, 3],
    [3.3, 4],
    [4.5, 8],
  ]) {
    // Simpson's rule on [-9, 9] with 6000 panels
    const N = 6000;
    const a = -9;
    const h = 18 / N;
    let s = 0;
    for (let i = 0; i <= N; i++) {
      const x = a + i * h;
      const f = k * dnorm(x) * Math.pow(pnorm(x + q) - pnorm(x), k - 1);
      s += f * (i === 0 || i === N ? 1 : i % 2 ? 4 : 2);
    }
    const want = (s * h) / 3;
    assert.ok(Math.abs(ptukey(q, k, Infinity) - want) < 1e-8, `q=${q} k=${k}: ${ptukey(q, k, Infinity)} vs ${want}`);
  }
  assert.equal(ptukey(0, 4, 10), 0);
  assert.equal(ptukey(Infinity, 4, 10), 1);
  assert.ok(Number.isNaN(ptukey(2, 4, 1)));
});

test('Bonferroni and Holm adjustments', () => {
  assert.deepEqual(adjustP([0.01, 0.04, 0.5], 'bonferroni'), [0.03, 0.12, 1]);
  // Holm: sorted p × (m, m−1, ...), made monotone
  const h = adjustP([0.04, 0.01, 0.03], 'holm');
  assert.deepEqual(h.map((x) => +x.toFixed(10)), [0.06, 0.03, 0.06]);
  assert.deepEqual(adjustP([0.2, 0.1], 'none'), [0.2, 0.1]);
});

const names = ['(Intercept)', 'IQ.ver.cen', 'avg.IQ.ver.cen', 'factor(denomina)2', 'a:b'];

test('linear combinations: signs, multipliers on either side, names with parentheses and colons', () => {
  assert.deepEqual(parseCombination('IQ.ver.cen + avg.IQ.ver.cen', names), [0, 1, 1, 0, 0]);
  assert.deepEqual(parseCombination('-(Intercept) - 2*a:b + factor(denomina)2 * 0.5', names), [-1, 0, 0, 0.5, -2]);
  assert.deepEqual(parseCombination('1e-3 * IQ.ver.cen', names), [0, 0.001, 0, 0, 0]);
  assert.deepEqual(parseCombination('IQ.ver.cen - IQ.ver.cen', names), [0, 0, 0, 0, 0]);
});

test('an unknown coefficient: did-you-mean and the span of the name', () => {
  const text = 'IQ.ver.cen + avg.IQ.vercen';
  assert.throws(
    () => parseCombination(text, names),
    (e: unknown) => e instanceof CombinationError && /'avg\.IQ\.vercen' is not a coefficient/.test(e.message) && e.suggestion === 'avg.IQ.ver.cen' && text.slice(e.span.start, e.span.end) === 'avg.IQ.vercen',
  );
  assert.throws(() => parseCombination('a +', names), CombinationError);
  assert.throws(() => parseCombination('  ', names), CombinationError);
});

test('estimate: c\'β with SE √(c\'Vc) from the reference fit\'s β and vcov, and a t(df) interval', () => {
  const ref = loadReference('bdf_context_ml');
  const V = ref.vcov;
  const i = ref.coefnames.indexOf('IQ.ver.cen');
  const j = ref.coefnames.indexOf('avg.IQ.ver.cen');
  const dfm: ContrastDf = { name: 'Satterthwaite', vcov: V, df: () => 40 };
  const r = estimateCombination('IQ.ver.cen + avg.IQ.ver.cen', 'between', ref.coefnames, ref.coefnames.map((c) => ref.fixef[c]), dfm);
  const se = Math.sqrt(V[i][i] + 2 * V[i][j] + V[j][j]);
  assert.ok(Math.abs(r.estimate - (ref.fixef['IQ.ver.cen'] + ref.fixef['avg.IQ.ver.cen'])) < 1e-12);
  assert.ok(Math.abs(r.SE - se) < 1e-12);
  assert.equal(r.df, 40);
  assert.ok(Math.abs(r.p - tTwoSided(r.estimate / se, 40)) < 1e-15);
  // qt(0.975, 40) = 2.021075390306273
  assert.ok(Math.abs(r.upper - (r.estimate + 2.021075390306273 * se)) < 1e-9);
  assert.equal(r.label, 'between');
});

test('type I hypotheses: rows of t(L) from X\'X = L D L\' (unit upper triangular; the last term is the coefficient itself adjusted for all)', () => {
  // X = [1, x] with x = 0, 1, 2: X'X = [[3, 3], [3, 5]] → L' = [[1, 1], [0, 1]]
  const X = [1, 1, 1, 0, 1, 2];
  const L = typeIHypotheses(X, 3, ['(Intercept)', 'x'], [{ coefs: ['(Intercept)'] }, { coefs: ['x'] }]);
  assert.deepEqual(L, [[[1, 1]], [[0, 1]]]);
});

test('the means: and estimate: keys parse with located parts', () => {
  const doc = parseMlm('data: d.csv\nmodel m:\n  formula: y ~ x * f + (1 | g)\n  means: f, h by k at x = 0, z = A\n  estimate: sum = x + x:fB\n  estimate: x - 2*fB\n');
  assert.deepEqual(doc.diagnostics.filter((d) => d.severity === 'error'), []);
  const m = doc.models[0];
  assert.deepEqual(m.means[0].specs.map((s) => s.value), ['f', 'h']);
  assert.deepEqual(m.means[0].by.map((s) => s.value), ['k']);
  assert.deepEqual(m.means[0].at.map((a) => [a.name.value, a.value.value]), [['x', '0'], ['z', 'A']]);
  assert.deepEqual(m.means[0].specs[1].range, { start: { line: 3, character: 12 }, end: { line: 3, character: 13 } });
  assert.equal(m.estimates[0].name?.value, 'sum');
  assert.equal(m.estimates[0].combination.text, 'x + x:fB');
  assert.deepEqual(m.estimates[0].combination.range.start, { line: 4, character: 18 });
  assert.equal(m.estimates[1].name, null);
  const bad = parseMlm('data: d.csv\nmodel m:\n  formula: y ~ x\n  means: f at x 0\n');
  const e = bad.diagnostics.find((d) => d.severity === 'error');
  assert.ok(e && /NAME = VALUE/.test(e.message), JSON.stringify(bad.diagnostics));
});

async function bdfPostFit(formula: string, extra = '') {
  const prep = prepareModels(`data: bdf.csv\nmodel m:\n  formula: ${formula}\n${extra}`, (f) => readFileSync(join(DATA, f), 'utf8'));
  const m = prep.models[0];
  const ref = loadReference('bdf_iq_ml');
  // the β and vcov do not matter for input errors: any FitResult with the model's coefficient names
  const result = { ...ref, coefnames: m.frame!.coefnames, fixef: Object.fromEntries(m.frame!.coefnames.map((c) => [c, 0])), vcov: m.frame!.coefnames.map((_, i) => m.frame!.coefnames.map((__, j) => (i === j ? 1 : 0))) };
  return { m, pf: new PostFit({ model: m.decl, table: prep.table as DataTable, frame: m.frame!, result, mixedModel: new LinearMixedModel(m.frame!, { REML: false }) }) };
}

test('means: a factor not in the model, a covariate as spec, --at of the wrong type: located MlmErrors', async () => {
  const { m, pf } = await bdfPostFit('langPOST ~ IQ.verb + factor(denomina) + (1 | schoolNR)', '  means: denomna\n');
  const d = m.decl.means[0];
  await assert.rejects(pf.meansOf(d, {}, 'asymptotic'), (e: unknown) => e instanceof MlmError && /'denomna' is not a variable .*did you mean 'denomina'/.test(e.message) && e.diagnostic.range === d.range);
  await assert.rejects(pf.means({ specs: ['IQ.verb'] }, 'asymptotic'), (e: unknown) => e instanceof MlmError && /numeric covariate/.test(e.message));
  await assert.rejects(pf.means({ specs: ['denomina'], at: { 'IQ.verb': 'high' } }, 'asymptotic'), (e: unknown) => e instanceof MlmError && /must be a number/.test(e.message));
  await assert.rejects(pf.means({ specs: ['denomina'], at: { denomina: '7' } }, 'asymptotic'), (e: unknown) => e instanceof MlmError && /not one of its levels/.test(e.message));
  // the formula's variable name works as the spec, and a covariate at a given value
  const r = await pf.means({ specs: ['factor(denomina)'], at: { 'IQ.verb': '10' } }, 'asymptotic');
  assert.deepEqual(r.means.map((x) => x.levels.denomina), ['1', '2', '3', '4']);
  assert.equal(r.covariates['IQ.verb'], 10);
  // weights of a mean: intercept 1, the covariate at its value, the level's dummy (treatment coding)
  assert.deepEqual(r.means[1].weights, [1, 10, 1, 0, 0]);
});

test('model table: terms aligned across models, Akaike weights exp(−ΔAIC/2)/Σ from the reference AICs, REML/ML and AGQ notes', async () => {
  const { modelTable } = await import('../../engine/src/inference/modeltable');
  const ids = ['bdf_empty_ml', 'bdf_iq_ml', 'bdf_context_ml'];
  const refs = ids.map((id) => loadReference(id));
  const t = modelTable(refs.map((r, i) => ({ name: ids[i], result: r })));
  assert.deepEqual(t.terms, ['(Intercept)', 'IQ.ver.cen', 'avg.IQ.ver.cen']);
  assert.equal(t.cells[1][0], null);
  assert.equal(t.cells[1][1]!.estimate, refs[1].fixef['IQ.ver.cen']);
  const min = Math.min(...refs.map((r) => r.AIC));
  const w = refs.map((r) => Math.exp(-(r.AIC - min) / 2));
  const sum = w.reduce((a, b) => a + b, 0);
  t.stats.aicWeight!.forEach((x, i) => assert.ok(Math.abs(x! - w[i] / sum) < 1e-12));
  const mixed = modelTable([{ name: 'reml', result: loadReference('sleepstudy_full') }, { name: 'ml', result: loadReference('sleepstudy_full_ml') }]);
  assert.equal(mixed.stats.aicWeight, null);
  assert.ok(mixed.notes.some((n) => /REML and ML/.test(n)));
  const agq = modelTable([{ name: 'laplace', result: loadReference('rats_laplace') }, { name: 'agq', result: loadReference('rats_agq25') }]);
  assert.ok(agq.notes.some((n) => /Laplace and adaptive Gauss-Hermite/.test(n)));
});

test('ratios: odds ratios for logit, rate ratios for log links, none for probit', async () => {
  const { ratios } = await import('../../engine/src/inference/ratios');
  const g = loadReference('grouseticks_poisson');
  const t = ratios(g)!;
  assert.equal(t.kind, 'rate ratio');
  const c = g.coefnames[1];
  const row = t.rows.find((r) => r.name === c)!;
  assert.ok(Math.abs(row.ratio - Math.exp(g.fixef[c])) < 1e-12);
  assert.ok(Math.abs(row.upper - Math.exp(g.fixef[c] + 1.959963984540054 * g.se[c])) < 1e-9);
  assert.equal(ratios({ ...g, family: 'binomial', link: 'probit' }), null);
});

test("ratio kinds per family and link: odds ratio (logit), rate ratio (Poisson log), ratio for other log links (emmeans 1.8.4's 'ratio')", async () => {
  const { ratios } = await import('../../engine/src/inference/ratios');
  const { ratioKind, ratioScale, coefficientRows } = await import('../../engine/src/inference/coefficients');
  const { interpretFixedEffect } = await import('../../engine/src/inference/interpret');
  const g = loadReference('grouseticks_poisson');
  const kinds = (family: string, link: string) => [ratioKind({ family, link }), ratioScale({ family, link })];
  assert.deepEqual(kinds('binomial', 'logit'), ['odds ratio', 'odds']);
  assert.deepEqual(kinds('poisson', 'log'), ['rate ratio', 'rate']);
  assert.deepEqual(kinds('Gamma', 'log'), ['ratio', 'mean']);
  assert.deepEqual(kinds('negbinomial', 'log'), ['ratio', 'mean']);
  assert.deepEqual(kinds('inverse.gaussian', 'log'), ['ratio', 'mean']);
  assert.deepEqual(kinds('binomial', 'log'), ['ratio', 'probability']);
  assert.deepEqual(kinds('binomial', 'cloglog'), [null, null]);
  assert.deepEqual(kinds('poisson', 'sqrt'), [null, null]);
  const gamma = { ...g, family: 'Gamma', link: 'log' };
  const t = ratios(gamma)!;
  assert.equal(t.kind, 'ratio');
  assert.match(t.note, /the intercept row is the mean at/);
  // the coefficient rows still carry exp(estimate); the sentence speaks of means, not rates
  const c = g.coefnames[1];
  assert.ok(Math.abs(coefficientRows(gamma).find((r) => r.name === c)!.ratio!.estimate - Math.exp(g.fixef[c])) < 1e-12);
  assert.match(interpretFixedEffect({ ...g, family: 'negbinomial', link: 'log' }, c), /log ratio of means/);
  assert.match(interpretFixedEffect(g, c), /log rate ratio/);
});

test("PostFit evaluates Satterthwaite's ingredients on the fit's own model object, once per fit (nothing rebuilt from the FitResult)", async () => {
  const { fitMixedModel } = await import('../../engine/src/fit');
  const prep = prepareModels('data: sleepstudy.csv\nmodel m:\n  formula: Reaction ~ Days + (Days | Subject)\n', (f) => readFileSync(join(DATA, f), 'utf8'));
  const m = prep.models[0];
  const fitted = await fitMixedModel(m.frame!, m.spec);
  const model = fitted.model as LinearMixedModel;
  let calls = 0;
  const objectiveAt = model.objectiveAt.bind(model);
  model.objectiveAt = (theta, sigma) => (calls++, objectiveAt(theta, sigma));
  const input = { model: m.decl, table: prep.table as DataTable, frame: m.frame!, result: fitted.result };
  // the fit's coefficient tests computed the ingredients on this model: a later mean reuses them
  const days = await new PostFit({ ...input, mixedModel: model }).estimate('Days', undefined, 'satterthwaite');
  assert.equal(calls, 0);
  // lmerTest's df of Days for sleepstudy_full: 16.99998
  assert.ok(Math.abs(days.df! - 16.99998) < 1e-3, String(days.df));
  // another model object (here a fresh one for the same frame) is the one evaluated
  const other = new LinearMixedModel(m.frame!, { REML: true });
  let otherCalls = 0;
  const otherAt = other.objectiveAt.bind(other);
  other.objectiveAt = (theta, sigma) => (otherCalls++, otherAt(theta, sigma));
  await new PostFit({ ...input, mixedModel: other }).estimate('Days', undefined, 'satterthwaite');
  assert.ok(otherCalls > 0);
  assert.equal(calls, 0);
});
