// Bad input and edge cases of fitGlmm on hand-built frames: located-ready MlmErrors naming the
// response or term, R's warnings, complete separation, nAGQ rules, and glmer(nAGQ = 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MlmError } from '../../engine/src/diagnostics';
import type { ModelFrame } from '../../engine/src/frame/types';
import { fitGlmm } from '../../engine/src/glmm';
import { cbppFrame, grouseFrame, interceptTerm, ratsFrame } from './glmmFrames';

const quiet = { yieldEveryMs: 0 };

async function rejects(frame: ModelFrame, nAGQ: number, code: string, ...mentions: string[]): Promise<MlmError> {
  let err: unknown;
  try {
    await fitGlmm(frame, { nAGQ }, quiet);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof MlmError, `expected an MlmError, got ${String(err)}`);
  assert.equal(err.diagnostic.code, code);
  for (const m of mentions) assert.ok(err.message.includes(m), `message should mention ${m}: ${err.message}`);
  return err;
}

test('binomial response outside 0..1 is an error naming the response and the row', async () => {
  const f = ratsFrame();
  const y = Float64Array.from(f.y);
  y[4] = 1.5;
  await rejects({ ...f, y }, 1, 'binomial-range', 'cbind(m, n - m)', 'row 6');
});

test('negative cbind counts (negative trials) are an error', async () => {
  const f = ratsFrame();
  const w = Float64Array.from(f.weights!);
  w[0] = -3;
  await rejects({ ...f, weights: w }, 1, 'bad-weights', 'cbind');
});

test('Poisson: negative counts are an error, non-integer counts a warning as in R', async () => {
  const g = grouseFrame();
  const neg = Float64Array.from(g.y);
  neg[2] = -1;
  await rejects({ ...g, y: neg }, 1, 'poisson-negative', 'TICKS');
  // a small Poisson model with one non-integer count still fits, with R's warning
  const one = { ...g, reTerms: [g.reTerms[1]], y: Float64Array.from(g.y) };
  one.y[0] = 2.5;
  const r = await fitGlmm(one, { nAGQ: 1 }, quiet);
  assert.ok(r.warnings.some((w) => w.includes('non-integer')), r.warnings.join('; '));
});

test('offset with a missing or infinite value is an error', async () => {
  const f = ratsFrame();
  const off = new Float64Array(f.n);
  off[3] = -Infinity;
  await rejects({ ...f, offset: off }, 1, 'bad-offset', 'offset', 'row 5');
  off[3] = NaN;
  await rejects({ ...f, offset: off }, 1, 'bad-offset');
});

test('nAGQ > 1 needs a single scalar random-effects term (as lme4), nAGQ must be 0..100', async () => {
  const g = grouseFrame();
  await rejects(g, 5, 'agq-needs-scalar-term', '(1 | BROOD)', '(1 | LOCATION)', 'nAGQ: 1');
  const f = cbppFrame();
  const vec = { ...f.reTerms[0], k: 2, termNames: ['(Intercept)', 'x'], Z: new Float64Array(2 * f.n).fill(1), text: '(1 + x | herd)' };
  await rejects({ ...f, reTerms: [vec] }, 9, 'agq-needs-scalar-term', '(1 + x | herd)');
  await rejects(f, 2.5, 'bad-nagq');
  await rejects(f, 101, 'bad-nagq');
});

test('no random-effects term, or a constant response, is explained', async () => {
  const f = cbppFrame();
  await rejects({ ...f, reTerms: [] }, 1, 'no-random-effects');
  await rejects({ ...f, y: new Float64Array(f.n).fill(0), weights: null }, 1, 'constant-response', 'cbind(incidence, size - incidence)');
});

test('complete separation: fit finishes, warns, and reports non-convergence', async () => {
  // y = 1 exactly when x > 0: the likelihood increases without bound in the slope
  const n = 120;
  const x = Float64Array.from({ length: n }, (_, i) => ((i * 37) % n) / n - 0.5 + 1 / (2 * n));
  const y = Float64Array.from(x, (v) => (v > 0 ? 1 : 0));
  const X = new Float64Array(2 * n);
  X.fill(1, 0, n);
  X.set(x, n);
  const g = Array.from({ length: n }, (_, i) => String(i % 12));
  const frame: ModelFrame = {
    n, y, responseName: 'y', X, p: 2, coefnames: ['(Intercept)', 'x'], droppedCoefs: [], reTerms: [interceptTerm('g', g, n)], offset: null, weights: null,
    rows: Int32Array.from({ length: n }, (_, i) => i), rowsDropped: 0, family: 'binomial', link: 'logit', formula: 'y ~ x + (1 | g)', warnings: [],
  };
  const r = await fitGlmm(frame, { nAGQ: 1 }, quiet);
  assert.ok(r.warnings.some((w) => w.includes('separation') && w.includes("'x'")), r.warnings.join('\n'));
  assert.equal(r.converged, false, r.warnings.join("\n"));
  assert.ok(Math.abs(r.fixef.x) > 50);
});

test('nAGQ = 0 is glmer(nAGQ = 0): first stage only, vcov from RX (lme4 1.1-31 figures for cbpp)', async () => {
  // R: glmer(cbind(incidence, size - incidence) ~ factor(period) + (1 | herd), cbpp, binomial, nAGQ = 0)
  const r = await fitGlmm(cbppFrame(), { nAGQ: 0 }, quiet);
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
  assert.ok(Math.abs(r.logLik - -92.0543465012) < 1e-3, `logLik ${r.logLik}`);
  assert.ok(rel(r.fixef['(Intercept)'], -1.3604757276) < 1e-3, `${r.fixef['(Intercept)']}`);
  assert.ok(rel(r.fixef['factor(period)4'], -1.5596756838) < 1e-3);
  assert.ok(rel(r.se['(Intercept)'], 0.2275790229) < 1e-3, `se ${r.se['(Intercept)']}`);
  assert.ok(rel(r.se['factor(period)2'], 0.303286175) < 1e-3);
  assert.ok(rel(r.theta[0], 0.6418385553) < 1e-3, `theta ${r.theta[0]}`);
});

test('result fields have glmer meanings: sigma 1, no Residual row, z tests, deviance residuals', async () => {
  const r = await fitGlmm(ratsFrame(), { nAGQ: 1 }, quiet);
  assert.equal(r.sigma, 1);
  assert.equal(r.REML, false);
  assert.equal(r.REMLcrit, null);
  assert.ok(r.varcorr.every((v) => v.grp !== 'Residual'));
  const t = r.tests!['(Intercept)'];
  assert.equal(t.df, null);
  assert.ok(Math.abs(t.statistic - t.estimate / t.se) < 1e-12);
  // two-sided normal p-value: 2 Φ(-|z|)
  assert.ok(t.p !== null && t.p < 1e-50);
  // deviance = Σ squared deviance residuals; fitted values are proportions
  const ss = r.residuals!.reduce((s, e) => s + e * e, 0);
  assert.ok(Math.abs(ss - (r.deviance as number)) < 1e-8);
  assert.ok(r.fitted!.every((v) => v > 0 && v < 1));
  assert.equal(r.fitted!.length, 71);
  assert.ok(Math.abs(r.AIC - (-2 * r.logLik + 2 * r.df)) < 1e-9);
  assert.ok(Math.abs(r.BIC - (-2 * r.logLik + Math.log(71) * r.df)) < 1e-9);
});
