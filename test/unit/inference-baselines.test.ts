// Baselines: lm, glm and lmList coefficients against closed forms on small data (the same model
// matrix, so the answers are mathematics), and the boundary LRT arithmetic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linearModel, generalizedLinearModel, perGroupFits, leastSquares } from '../../engine/src/inference/baselines';
import { tTwoSided } from '../../engine/src/inference/distributions';
import { handFrame } from './inference-fixtures';

const close = (a: number | null, b: number, tol = 1e-10, what = '') => assert.ok(a !== null && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

/** Simple regression by hand: b = Sxy/Sxx, a = ȳ − b x̄, s² = RSS/(n−2), SE(b) = s/√Sxx, SE(a) = s √(1/n + x̄²/Sxx). */
function simple(x: number[], y: number[]) {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxx = 0;
  let sxy = 0;
  x.forEach((xi, i) => {
    sxx += (xi - mx) ** 2;
    sxy += (xi - mx) * (y[i] - my);
  });
  const b = sxy / sxx;
  const a = my - b * mx;
  const rss = y.reduce((s, yi, i) => s + (yi - a - b * x[i]) ** 2, 0);
  const s2 = rss / (n - 2);
  return { a, b, seA: Math.sqrt(s2 * (1 / n + (mx * mx) / sxx)), seB: Math.sqrt(s2 / sxx), rss, n };
}

const x = [1, 2, 3, 4, 5, 6, 1, 2, 3, 4];
const y = [2.1, 3.9, 6.2, 7.8, 10.1, 12.2, 4.0, 5.1, 7.2, 8.8];
const g = ['a', 'a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'b'];
const frame = () =>
  handFrame({ y, responseName: 'y', columns: { '(Intercept)': x.map(() => 1), x }, terms: [{ group: 'g', refs: g, termNames: ['(Intercept)'], Z: [x.map(() => 1)] }] });

test('pooled lm: coefficients, SEs, t tests and logLik are the simple-regression formulas', () => {
  const f = linearModel(frame());
  const h = simple(x, y);
  close(f.coef[0], h.a, 1e-12, 'a');
  close(f.coef[1], h.b, 1e-12, 'b');
  close(f.se[0], h.seA, 1e-12, 'SE a');
  close(f.se[1], h.seB, 1e-12, 'SE b');
  close(f.p[1], tTwoSided(h.b / h.seB, 8), 1e-12, 'p b');
  assert.equal(f.dfResidual, 8);
  // logLik of the ML normal model: −n/2 (log(2π RSS/n) + 1)
  close(f.logLik, (-h.n / 2) * (Math.log((2 * Math.PI * h.rss) / h.n) + 1), 1e-12, 'logLik');
  assert.equal(f.df, 3);
});

test('lmList: each group its own simple regression; summary of the slopes', () => {
  const gf = perGroupFits(frame());
  assert.deepEqual(gf.levels, ['a', 'b']);
  const ha = simple(x.slice(0, 6), y.slice(0, 6));
  const hb = simple(x.slice(6), y.slice(6));
  close(gf.fits[0].coef[1], ha.b, 1e-12, 'slope a');
  close(gf.fits[1].coef[1], hb.b, 1e-12, 'slope b');
  close(gf.fits[1].se[1], hb.seB, 1e-12, 'SE slope b');
  const s = gf.summary[1];
  assert.equal(s.groups, 2);
  close(s.mean, (ha.b + hb.b) / 2, 1e-12, 'mean slope');
  close(s.sd, Math.abs(ha.b - hb.b) / Math.SQRT2, 1e-12, 'sd slope');
});

test('an aliased column (a group-level predictor within one group) is NA, as lm reports it', () => {
  const z = g.map((v) => (v === 'a' ? 1 : 0));
  const fr = handFrame({ y, responseName: 'y', columns: { '(Intercept)': x.map(() => 1), x, z }, terms: [{ group: 'g', refs: g, termNames: ['(Intercept)'], Z: [x.map(() => 1)] }] });
  const gf = perGroupFits(fr);
  assert.equal(gf.fits[0].coef[2], null);
  assert.equal(gf.fits[0].se[2], null);
  close(gf.fits[0].coef[1], simple(x.slice(0, 6), y.slice(0, 6)).b, 1e-12, 'slope with z aliased');
  const ls = leastSquares(Float64Array.from([1, 1, 1, 2, 2, 2]), 3, 2, [1, 2, 3]);
  assert.deepEqual(ls.coef.map((c) => c === null), [false, true]);
  close(ls.coef[0], 2, 1e-12, 'mean');
});

test('glm poisson with a binary factor: exp(coefficients) are the group means; SEs √(1/Σy)', () => {
  const counts = [3, 5, 4, 8, 12, 10];
  const grp = [0, 0, 0, 1, 1, 1];
  const fr = handFrame({ y: counts, responseName: 'y', columns: { '(Intercept)': grp.map(() => 1), gB: grp }, family: 'poisson', link: 'log' });
  const f = generalizedLinearModel(fr);
  const s0 = 3 + 5 + 4;
  const s1 = 8 + 12 + 10;
  close(f.coef[0], Math.log(s0 / 3), 1e-9, 'log mean A');
  close(f.coef[1], Math.log(s1 / s0), 1e-9, 'log rate ratio');
  close(f.se[0], Math.sqrt(1 / s0), 1e-7, 'SE intercept');
  close(f.se[1], Math.sqrt(1 / s0 + 1 / s1), 1e-7, 'SE ratio');
  // logLik = Σ log dpois(y, μ̂)
  const lf = (k: number) => { let s = 0; for (let i = 2; i <= k; i++) s += Math.log(i); return s; };
  const ll = counts.reduce((acc, c, i) => { const mu = grp[i] ? s1 / 3 : s0 / 3; return acc + c * Math.log(mu) - mu - lf(c); }, 0);
  close(f.logLik, ll, 1e-9, 'logLik');
});

test('glm binomial (logit) with a binary factor: coefficients are log odds; SE √(1/(n p (1−p)))', () => {
  // proportions with trials as weights (cbind): group A 6/20, group B 14/20
  const fr = handFrame({ y: [0.3, 0.7], responseName: 'cbind(s, f)', columns: { '(Intercept)': [1, 1], gB: [0, 1] }, family: 'binomial', link: 'logit' });
  fr.weights = Float64Array.from([20, 20]);
  const f = generalizedLinearModel(fr);
  const lo = (p: number) => Math.log(p / (1 - p));
  close(f.coef[0], lo(0.3), 1e-9, 'log odds A');
  close(f.coef[1], lo(0.7) - lo(0.3), 1e-9, 'log odds ratio');
  close(f.se[0], Math.sqrt(1 / (20 * 0.3 * 0.7)), 1e-7, 'SE');
});

test('baselines of a model with nlme\'s residual structure: no LRT against the pooled lm (it lacks the structure), a note says why', async () => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { prepareModels } = await import('../../engine/src/frame/prepare');
  const { fitModel } = await import('../../engine/src/fit');
  const { baselines } = await import('../../engine/src/inference/baselines');
  const prep = prepareModels('data: Orthodont.csv\nmodel m:\n  formula: distance ~ age + (1 | Subject)\n  correlation: corAR1(form = ~ 1 | Subject)\n', (f) =>
    readFileSync(join(__dirname, '..', 'fixtures', 'reference', 'data', f), 'utf8'),
  );
  const m = prep.models[0];
  const result = await fitModel(m.frame!, m.spec, { yieldEveryMs: 0 });
  assert.equal(result.fitter, 'nlme');
  const b = await baselines(m.frame!, result);
  assert.equal(b.lrt, null);
  assert.match(b.lrtNote!, /residual structure/);
  assert.equal(b.pooled.coefnames.length, 2);
});
