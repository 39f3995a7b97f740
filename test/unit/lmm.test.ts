// Linear mixed models on hand-built model frames (independent of the .mlm/frame pipeline),
// compared with lme4's reference fits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelFrame, ReTermFrame } from '../../engine/src/frame/types';
import { fitLmm, LinearMixedModel } from '../../engine/src/lmm/index';

const root = process.env.MLM_ROOT ?? join(__dirname, '..', '..');
const ref = (name: string) => JSON.parse(readFileSync(join(root, 'test/fixtures/reference/fits', name), 'utf8'));

function readCsv(name: string): Record<string, string>[] {
  const lines = readFileSync(join(root, 'test/fixtures/reference/data', name), 'utf8').trim().split(/\r?\n/);
  const unq = (s: string) => s.replace(/^"|"$/g, '');
  const head = lines[0].split(',').map(unq);
  return lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [head[i], unq(v)])));
}

function factor(values: string[]): { levels: string[]; refs: Int32Array } {
  const levels = [...new Set(values)].sort();
  const idx = new Map(levels.map((l, i) => [l, i]));
  return { levels, refs: Int32Array.from(values, (v) => idx.get(v)!) };
}

function term(group: string, f: { levels: string[]; refs: Int32Array }, cols: Float64Array[], names: string[], fromDoubleBar = false): ReTermFrame {
  const n = f.refs.length;
  const Z = new Float64Array(n * cols.length);
  cols.forEach((c, j) => Z.set(c, j * n));
  return { group, levels: f.levels, refs: f.refs, termNames: names, k: cols.length, Z, text: '', fromDoubleBar };
}

function frame(y: Float64Array, xcols: Float64Array[], coefnames: string[], reTerms: ReTermFrame[]): ModelFrame {
  const n = y.length;
  const X = new Float64Array(n * xcols.length);
  xcols.forEach((c, j) => X.set(c, j * n));
  return {
    n, y, responseName: 'y', X, p: xcols.length, coefnames, droppedCoefs: [], reTerms, offset: null, weights: null,
    rows: Int32Array.from({ length: n }, (_, i) => i), rowsDropped: 0, family: 'gaussian', link: 'identity', formula: '', warnings: [],
  };
}

const sleep = readCsv('sleepstudy.csv');
const reaction = Float64Array.from(sleep, (r) => +r.Reaction);
const days = Float64Array.from(sleep, (r) => +r.Days);
const one = new Float64Array(sleep.length).fill(1);
const subject = factor(sleep.map((r) => r.Subject));

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

test('sleepstudy (Days | Subject), REML, matches lme4', async () => {
  const r = ref('sleepstudy_full.json');
  const fr = frame(reaction, [one, days], ['(Intercept)', 'Days'], [term('Subject', subject, [one, days], ['(Intercept)', 'Days'])]);
  const fit = await fitLmm(fr, { REML: true, id: 'sleepstudy_full' });
  assert.ok(Math.abs(fit.REMLcrit! - r.REMLcrit) < 1e-3, `REMLcrit ${fit.REMLcrit} vs ${r.REMLcrit}`);
  for (const c of ['(Intercept)', 'Days']) {
    assert.ok(rel(fit.fixef[c], r.fixef[c]) < 1e-4, `fixef ${c}`);
    assert.ok(rel(fit.se[c], r.se[c]) < 1e-4, `se ${c}: ${fit.se[c]} vs ${r.se[c]}`);
  }
  fit.varcorr.forEach((row, i) => assert.ok(rel(row.sdcor, r.varcorr[i].sdcor) < 1e-3, `varcorr ${i}`));
  assert.ok(rel(fit.sigma, r.sigma) < 1e-3);
  assert.equal(fit.df, 6);
  assert.ok(Math.abs(fit.AIC - r.AIC) < 1e-3 && Math.abs(fit.BIC - r.BIC) < 1e-3);
  const sd = [fit.varcorr[0].sdcor, fit.varcorr[1].sdcor];
  for (let k = 0; k < 2; k++)
    for (let j = 0; j < 18; j++) {
      assert.ok(Math.abs(fit.ranef[0].values[k][j] - r.ranef[0].values[k][j]) < 1e-3 * sd[k], `ranef ${k} ${j}`);
      assert.ok(Math.abs(fit.ranef[0].condsd[k][j] - r.ranef[0].condsd[k][j]) < 1e-3 * sd[k], `condsd ${k} ${j}: ${fit.ranef[0].condsd[k][j]} vs ${r.ranef[0].condsd[k][j]}`);
    }
  assert.equal(fit.singular, false);
  assert.deepEqual(fit.warnings, []);
});

test('sleepstudy (Days || Subject), REML: two terms named Subject, Subject.1, merged ranef', async () => {
  const r = ref('sleepstudy_diag.json');
  const fr = frame(reaction, [one, days], ['(Intercept)', 'Days'], [
    term('Subject', subject, [one], ['(Intercept)'], true),
    term('Subject', subject, [days], ['Days'], true),
  ]);
  const fit = await fitLmm(fr, { REML: true });
  assert.ok(Math.abs(fit.logLik - r.logLik) < 1e-3);
  assert.deepEqual(fit.varcorr.map((v) => v.grp), ['Subject', 'Subject.1', 'Residual']);
  assert.deepEqual(fit.ranef.map((b) => b.terms), [['(Intercept)', 'Days']]);
  fit.theta.forEach((t, i) => assert.ok(rel(t, r.theta[i]) < 1e-3));
});

test('sleepstudy (Days | Subject), ML: deviance, and objectiveAt at the profiled sigma equals objective', async () => {
  const r = ref('sleepstudy_full_ml.json');
  const fr = frame(reaction, [one, days], ['(Intercept)', 'Days'], [term('Subject', subject, [one, days], ['(Intercept)', 'Days'])]);
  const fit = await fitLmm(fr, { REML: false });
  assert.ok(Math.abs(fit.deviance! - r.deviance) < 1e-3);
  assert.equal(fit.REMLcrit, null);
  const m = new LinearMixedModel(fr, { REML: false });
  const d = m.objective(r.theta);
  assert.ok(Math.abs(d - r.deviance) < 1e-6, `${d} vs ${r.deviance}`);
  assert.ok(Math.abs(m.objectiveAt(r.theta, m.sigma()) - d) < 1e-8);
  // the profiled sigma maximises the likelihood over sigma
  assert.ok(m.objectiveAt(r.theta, m.sigma() * 1.01) > d && m.objectiveAt(r.theta, m.sigma() * 0.99) > d);
  const v = m.vcovBeta(r.theta, r.sigma);
  assert.ok(rel(v[0], r.vcov[0][0]) < 1e-5 && rel(v[1], r.vcov[1][0]) < 1e-5 && rel(v[3], r.vcov[1][1]) < 1e-5);
});

test('Dyestuff (1 | Batch), REML, matches lme4', async () => {
  const r = ref('dyestuff.json');
  const dy = readCsv('Dyestuff.csv');
  const y = Float64Array.from(dy, (x) => +x.Yield);
  const o = new Float64Array(y.length).fill(1);
  const fr = frame(y, [o], ['(Intercept)'], [term('Batch', factor(dy.map((x) => x.Batch)), [o], ['(Intercept)'])]);
  const fit = await fitLmm(fr, { REML: true });
  assert.ok(Math.abs(fit.REMLcrit! - r.REMLcrit) < 1e-3, `${fit.REMLcrit} vs ${r.REMLcrit}`);
  assert.ok(rel(fit.se['(Intercept)'], r.se['(Intercept)']) < 1e-4);
  assert.ok(rel(fit.varcorr[0].sdcor, r.varcorr[0].sdcor) < 1e-3);
});

test('a frame without random-effects terms is refused with a clear MlmError', async () => {
  const fr = frame(reaction, [one, days], ['(Intercept)', 'Days'], []);
  await assert.rejects(fitLmm(fr, { REML: true }), (e: Error) => e.name === 'MlmError' && /random-effects term/.test(e.message));
});

test('prior weights: w = 2 everywhere is the same distribution with theta/sqrt(2) and sigma*sqrt(2) (ML identity)', () => {
  const base = frame(reaction, [one, days], ['(Intercept)', 'Days'], [term('Subject', subject, [one, days], ['(Intercept)', 'Days'])]);
  const w2 = { ...base, weights: new Float64Array(base.n).fill(2) };
  const theta = [0.93, 0.018, 0.22];
  const a = new LinearMixedModel(base, { REML: false });
  const b = new LinearMixedModel(w2, { REML: false });
  const da = a.objective(theta);
  const db = b.objective(theta.map((t) => t / Math.SQRT2));
  assert.ok(Math.abs(da - db) < 1e-8, `${da} vs ${db}`);
  assert.ok(rel(b.beta()[1], a.beta()[1]) < 1e-12);
  assert.ok(rel(b.sigma(), a.sigma() * Math.SQRT2) < 1e-12);
});

test('offset: response y + 3·Days with offset 3·Days gives the same criterion and beta at any theta', () => {
  const shifted = Float64Array.from(reaction, (v, i) => v + 3 * days[i]);
  const base = frame(reaction, [one, days], ['(Intercept)', 'Days'], [term('Subject', subject, [one, days], ['(Intercept)', 'Days'])]);
  const off = { ...frame(shifted, [one, days], ['(Intercept)', 'Days'], [term('Subject', subject, [one, days], ['(Intercept)', 'Days'])]), offset: Float64Array.from(days, (d) => 3 * d) };
  const a = new LinearMixedModel(base, { REML: true });
  const b = new LinearMixedModel(off, { REML: true });
  const theta = [0.9, -0.05, 0.3];
  assert.ok(Math.abs(a.objective(theta) - b.objective(theta)) < 1e-9);
  assert.ok(Math.abs(a.beta()[1] - b.beta()[1]) < 1e-10);
  const fa = a.resultAt(theta), fb = b.resultAt(theta);
  assert.ok(Math.abs(fb.fitted![5] - (fa.fitted![5] + 3 * days[5])) < 1e-9);
  assert.ok(Math.abs(fb.residuals![5] - fa.residuals![5]) < 1e-9);
});

test('singular fit: identical group means put theta on its bound 0, with lme4 warning and sigma^2 = SS/(n - p)', async () => {
  // 4 groups with the same values 1, 2, 3: between-group variation is exactly zero
  const y = Float64Array.from({ length: 12 }, (_, i) => (i % 3) + 1);
  const g = factor(Array.from({ length: 12 }, (_, i) => `g${Math.floor(i / 3)}`));
  const o = new Float64Array(12).fill(1);
  const fr = frame(y, [o], ['(Intercept)'], [term('g', g, [o], ['(Intercept)'])]);
  const fit = await fitLmm(fr, { REML: true });
  assert.ok(fit.theta[0] < 1e-4, `theta ${fit.theta[0]}`);
  assert.equal(fit.singular, true);
  assert.ok(fit.warnings.includes("boundary (singular) fit: see help('isSingular')"));
  assert.ok(Math.abs(fit.fixef['(Intercept)'] - 2) < 1e-6);
  // within SS = 4 groups × ((1-2)² + 0 + (3-2)²) = 8; REML sigma² = 8 / (12 - 1)
  assert.ok(Math.abs(fit.sigma ** 2 - 8 / 11) < 1e-4, `${fit.sigma ** 2}`);
  assert.equal(fit.varcorr[0].grp, 'g');
  assert.equal(fit.varcorr[1].grp, 'Residual');
});

test('cancellation: isCancelled() stops the fit with CancelledError; progress reports evaluations', async () => {
  const fr = frame(reaction, [one, days], ['(Intercept)', 'Days'], [term('Subject', subject, [one, days], ['(Intercept)', 'Days'])]);
  let calls = 0;
  await assert.rejects(
    fitLmm(fr, { REML: true }, { isCancelled: () => ++calls > 5, yieldEveryMs: 1 }),
    (e: Error) => e.name === 'CancelledError',
  );
  const seen: number[] = [];
  await fitLmm(fr, { REML: true }, { onProgress: (p) => seen.push(p.evaluations), yieldEveryMs: 0 });
  assert.ok(seen.length >= 1 && seen[seen.length - 1] > 10);
});

test("convergence checks on a criterion (central differences, then lme4's checkConv): a gradient left, a negative curvature", async () => {
  const { checkConv } = await import('../../engine/src/optim/convergence');
  const { centralDerivs } = await import('../../engine/src/linalg/derivs');
  const check = async (f: (x: Float64Array) => number, x: number[], lower: number[]) =>
    checkConv(await centralDerivs(f, x, f(Float64Array.from(x))), x, lower).messages;
  // f = (x-1)² at x = 1.5: gradient 1, Hessian 2, scaled gradient 1/√2 (C's %g: 0.707107)
  const w1 = await check((x) => (x[0] - 1) ** 2, [1.5], [0]);
  assert.deepEqual(w1, ['Model failed to converge with max|grad| = 0.707107 (tol = 0.002, component 1)']);
  // f = -x² + y²: one negative eigenvalue at the origin
  const w2 = await check((x) => -(x[0] ** 2) + x[1] ** 2, [0, 0], [-Infinity, -Infinity]);
  assert.ok(w2.includes('Model failed to converge: degenerate  Hessian with 1 negative eigenvalues'), JSON.stringify(w2));
  // a clean minimum passes
  assert.deepEqual(await check((x) => (x[0] - 1) ** 2 + 2 * (x[1] + 1) ** 2, [1, -1], [0, -Infinity]), []);
});

test('term order does not change the criterion: a 2-column term in the dense block (Λ applied blockwise) equals it first', () => {
  // (Days | Subject) and (1 | DayFactor): the PLS system must give the same criterion, beta,
  // conditional modes and conditional variances whichever term is the block-diagonal first block
  const dayF = factor(sleep.map((r) => r.Days));
  const tA = term('Subject', subject, [one, days], ['(Intercept)', 'Days']);
  const tB = term('DayF', dayF, [one], ['(Intercept)']);
  const f1 = frame(reaction, [one, days], ['(Intercept)', 'Days'], [tA, tB]);
  const f2 = frame(reaction, [one, days], ['(Intercept)', 'Days'], [tB, tA]);
  const thA = [0.9, 0.05, 0.25], thB = [0.3];
  for (const REML of [true, false]) {
    const m1 = new LinearMixedModel(f1, { REML });
    const m2 = new LinearMixedModel(f2, { REML });
    const d1 = m1.objective([...thA, ...thB]);
    const d2 = m2.objective([...thB, ...thA]);
    assert.ok(Math.abs(d1 - d2) < 1e-8, `${d1} vs ${d2}`);
    assert.ok(Math.abs(m1.beta()[1] - m2.beta()[1]) < 1e-9);
    const b1 = m1.b(), b2 = m2.b();
    // b1 = [Subject (36), DayF (10)], b2 = [DayF (10), Subject (36)]
    for (let i = 0; i < 36; i++) assert.ok(Math.abs(b1[i] - b2[10 + i]) < 1e-8);
    for (let i = 0; i < 10; i++) assert.ok(Math.abs(b1[36 + i] - b2[i]) < 1e-8);
    const c1 = m1.pls.condVarBlocks(), c2 = m2.pls.condVarBlocks();
    for (let i = 0; i < c1[0].length; i++) assert.ok(Math.abs(c1[0][i] - c2[1][i]) < 1e-9);
    for (let i = 0; i < c1[1].length; i++) assert.ok(Math.abs(c1[1][i] - c2[0][i]) < 1e-9);
    const v1 = m1.vcovBeta([...thA, ...thB], 2), v2 = m2.vcovBeta([...thB, ...thA], 2);
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(v1[i] - v2[i]) < 1e-9);
  }
});

test('fill-reducing order and WebAssembly kernels: crossed terms with 400 and 250 levels give the same criterion in either order', () => {
  const n = 3000;
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const g1 = Array.from({ length: n }, () => `a${Math.floor(rnd() * 400)}`);
  const g2 = Array.from({ length: n }, () => `b${Math.floor(rnd() * 250)}`);
  const x = Float64Array.from({ length: n }, () => rnd() * 2 - 1);
  const y = Float64Array.from({ length: n }, (_, i) => 1 + 0.5 * x[i] + rnd());
  const o = new Float64Array(n).fill(1);
  const t1 = term('g1', factor(g1), [o], ['(Intercept)']);
  const t2 = term('g2', factor(g2), [o, x], ['(Intercept)', 'x']);
  const fA = frame(y, [o, x], ['(Intercept)', 'x'], [t1, t2]);
  const fB = frame(y, [o, x], ['(Intercept)', 'x'], [t2, t1]);
  const th1 = [0.7], th2 = [0.5, -0.1, 0.3];
  for (const REML of [false, true]) {
    const mA = new LinearMixedModel(fA, { REML });
    const mB = new LinearMixedModel(fB, { REML });
    const dA = mA.objective([...th1, ...th2]);
    const dB = mB.objective([...th2, ...th1]);
    assert.ok(Math.abs(dA - dB) < 1e-7 * Math.abs(dA), `${dA} vs ${dB}`);
    assert.ok(Math.abs(mA.beta()[1] - mB.beta()[1]) < 1e-9);
    const bA = mA.b(), bB = mB.b();
    for (let i = 0; i < 400; i++) assert.ok(Math.abs(bA[i] - bB[500 + i]) < 1e-8);
    const cA = mA.pls.condVarBlocks(), cB = mB.pls.condVarBlocks();
    for (let i = 0; i < cA[1].length; i++) assert.ok(Math.abs(cA[1][i] - cB[0][i]) < 1e-9);
  }
});

test('optSummary records the settings the fit used and what the optimizer did (plain JSON)', async () => {
  const { FIT_SETTINGS } = await import('../../engine/src/optim/options');
  const f = frame(reaction, [one, days], ['(Intercept)', 'Days'], [term('Subject', subject, [one, days], ['(Intercept)', 'Days'])]);
  const r = await fitLmm(f, { REML: true });
  const s = r.optSummary!;
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
  assert.equal(s.stages.length, 1);
  assert.equal(s.stages[0].optimizer, 'bobyqa');
  // 180 observations and a 3-coefficient dense block: the cheap-model settings
  assert.deepEqual(s.stages[0].settings, { rhobeg: FIT_SETTINGS.lmm.rhobeg, rhoend: FIT_SETTINGS.lmm.rhoend, ftolRel: 0, maxEval: FIT_SETTINGS.lmm.maxEval });
  assert.equal(s.stages[0].evaluations, r.evaluations);
  assert.equal(s.checkConv.checked, true);
  assert.equal(s.checkConv.gradTol, 0.002);
  // three θ: f(θ̂), 2 per coordinate, 2 per pair of coordinates = 1 + d(d + 1) evaluations
  assert.equal(s.derivEvaluations, 3 * 4 + 1);
  assert.equal(s.settings.maxDenseCoefficients, 8000);
});
