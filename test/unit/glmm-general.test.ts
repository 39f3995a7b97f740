// GLMMs outside the reference fits, against lme4 1.1-31 (figures printed by R for the same data):
// a vector-valued random-effects term (the general PLS path, correlated slopes), the probit and
// cloglog links (AGQ with cloglog), and a Poisson model with an offset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitGlmm } from '../../engine/src/glmm';
import { cbppFrame, grouseFrame, num, readCsv } from './glmmFrames';

const quiet = { yieldEveryMs: 0 };
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

function near(what: string, got: number, want: number, tol: number): void {
  assert.ok(rel(got, want) < tol, `${what}: ${got} vs lme4 ${want}`);
}

test('cbpp with (1 + x | herd), x = period - 2.5: correlated intercept and slope', async () => {
  // R: glmer(cbind(incidence, size - incidence) ~ factor(period) + (1 + x | herd), cbpp, binomial)
  const f = cbppFrame();
  const d = readCsv('cbpp.csv');
  const x = Float64Array.from(num(d.period), (v) => v - 2.5);
  const Z = new Float64Array(2 * f.n);
  Z.fill(1, 0, f.n);
  Z.set(x, f.n);
  const frame = { ...f, reTerms: [{ ...f.reTerms[0], k: 2, termNames: ['(Intercept)', 'x'], Z, text: '(1 + x | herd)' }] };
  const r = await fitGlmm(frame, { nAGQ: 1 }, quiet);
  assert.ok(Math.abs(r.logLik - -91.2112958678) < 1e-3, `logLik ${r.logLik}`);
  near('theta1', r.theta[0], 0.540821988, 1e-3);
  near('theta3', r.theta[2], 0.279748734, 2e-3);
  near('(Intercept)', r.fixef['(Intercept)'], -1.4352404, 1e-3);
  near('factor(period)4', r.fixef['factor(period)4'], -1.722825, 1e-3);
  near('se (Intercept)', r.se['(Intercept)'], 0.26037498, 1e-3);
  near('se factor(period)4', r.se['factor(period)4'], 0.57710752, 1e-3);
  assert.deepEqual(r.varcorr.map((v) => [v.grp, v.var1, v.var2]), [
    ['herd', '(Intercept)', null],
    ['herd', 'x', null],
    ['herd', '(Intercept)', 'x'],
  ]);
  near('sd x', r.varcorr[1].sdcor, 0.28614242, 2e-3);
  near('cor', r.varcorr[2].sdcor, -0.21021311, 5e-3);
  // conditional modes and sds of herd 1 (ranef(condVar = TRUE))
  near('ranef herd 1 (Intercept)', r.ranef[0].values[0][0], 0.5745537, 1e-3);
  near('ranef herd 1 x', r.ranef[0].values[1][0], 0.1317614, 2e-3);
  near('condsd herd 1 (Intercept)', r.ranef[0].condsd[0][0], 0.337584, 1e-3);
  near('condsd herd 1 x', r.ranef[0].condsd[1][0], 0.2251636, 1e-3);
});

test('probit link and cloglog with nAGQ = 5', async () => {
  const c = cbppFrame();
  const p = await fitGlmm({ ...c, link: 'probit' }, { nAGQ: 1 }, quiet);
  assert.ok(Math.abs(p.logLik - -92.6212425715) < 1e-3, `probit logLik ${p.logLik}`);
  near('probit theta', p.theta[0], 0.3379893, 1e-3);
  near('probit (Intercept)', p.fixef['(Intercept)'], -0.8354749, 1e-3);
  near('probit se factor(period)4', p.se['factor(period)4'], 0.2046812, 1e-3);
  const g = await fitGlmm({ ...c, link: 'cloglog' }, { nAGQ: 5 }, quiet);
  assert.ok(Math.abs(g.logLik - -49.7674993987) < 1e-2, `cloglog AGQ logLik ${g.logLik}`);
  near('cloglog theta', g.theta[0], 0.5901344, 1e-3);
  near('cloglog (Intercept)', g.fixef['(Intercept)'], -1.5327966, 1e-3);
  near('cloglog se (Intercept)', g.se['(Intercept)'], 0.2115145, 1e-3);
});

test('Poisson with an offset', async () => {
  // R: glmer(TICKS ~ factor(YEAR) + cHEIGHT + offset(log(HEIGHT/100)) + (1 | BROOD), grouseticks, poisson)
  const g = grouseFrame();
  const h = num(readCsv('grouseticks.csv').HEIGHT);
  const r = await fitGlmm({ ...g, reTerms: [g.reTerms[0]], offset: Float64Array.from(h, (v) => Math.log(v / 100)) }, { nAGQ: 1 }, quiet);
  assert.ok(Math.abs(r.logLik - -989.062080433) < 1e-3, `logLik ${r.logLik}`);
  near('theta', r.theta[0], 0.9498339, 1e-3);
  near('(Intercept)', r.fixef['(Intercept)'], -1.0191351, 1e-3);
  near('cHEIGHT', r.fixef.cHEIGHT, -0.0260255, 1e-3);
  near('se cHEIGHT', r.se.cHEIGHT, 0.003011304, 1e-3);
});

test('grouseticks with (1 + cHEIGHT | LOCATION) + (1 | BROOD): the slope\'s factor collapses to the boundary', async () => {
  // R (lme4 1.1-31): glmer(TICKS ~ factor(YEAR) + cHEIGHT + (1 + cHEIGHT | LOCATION) + (1 | BROOD),
  //   grouseticks, poisson) gives logLik -986.850442256, theta (0.80531062, 0.05897580, -0.01497202,
  //   0.00028482) with "Model failed to converge with max|grad| = 0.0037": the last entry of the
  //   LOCATION factor runs to its bound (a perfect correlation), where our fit holds it at 0.
  const { prepareModels } = await import('../../engine/src/frame/prepare');
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { REF_DIR } = await import('./glmmFrames');
  const text = 'data: grouseticks.csv\nmodel m:\n  formula: TICKS ~ factor(YEAR) + cHEIGHT + (1 + cHEIGHT | LOCATION) + (1 | BROOD)\n  family: poisson\n';
  const prep = prepareModels(text, (p) => readFileSync(join(REF_DIR, 'data', p), 'utf8'));
  const r = await fitGlmm(prep.models[0].frame!, { nAGQ: 1 }, quiet);
  // at least as good as lme4's optimum, and within the tolerance of it
  assert.ok(r.logLik > -986.850442256 - 1e-6 && r.logLik - -986.850442256 < 1e-3, `logLik ${r.logLik}`);
  near('theta BROOD', r.theta[0], 0.8053106187714, 1e-3);
  near('theta LOCATION (Intercept)', r.theta[1], 0.0589757986728, 1e-3);
  near('theta LOCATION cHEIGHT.(Intercept)', r.theta[2], -0.0149720177437, 1e-3);
  assert.ok(r.theta[3] < 1e-3, `theta LOCATION cHEIGHT ${r.theta[3]}`);
  near('(Intercept)', r.fixef['(Intercept)'], 0.40318478438, 1e-3);
  near('factor(YEAR)96', r.fixef['factor(YEAR)96'], 1.2503321625, 1e-3);
  near('factor(YEAR)97', r.fixef['factor(YEAR)97'], -0.88779362852, 1e-3);
  near('cHEIGHT', r.fixef.cHEIGHT, -0.02513425312, 1e-3);
  near('se (Intercept)', r.se['(Intercept)'], 0.191350557427, 1e-3);
  near('se factor(YEAR)96', r.se['factor(YEAR)96'], 0.241917146214, 1e-3);
  near('se cHEIGHT', r.se.cHEIGHT, 0.004120034105, 1e-3);
  assert.ok(r.warnings.some((w) => /singular/.test(w)), r.warnings.join('; '));
});

test('optSummary of a glmer fit: stage 1 (θ, β in PIRLS) and stage 2 ((θ, β)), settings from FIT_SETTINGS, evaluations adding up', async () => {
  const { FIT_SETTINGS } = await import('../../engine/src/optim/options');
  const r = await fitGlmm(cbppFrame(), { nAGQ: 1 }, { yieldEveryMs: 0 });
  const s = r.optSummary!;
  assert.deepEqual(s.stages.map((x) => x.name), ['θ, β in PIRLS', '(θ, β)']);
  assert.deepEqual(s.stages[0].settings, { rhobeg: 0.2, rhoend: FIT_SETTINGS.glmm.stage1.rhoend, maxEval: FIT_SETTINGS.glmm.stage1.maxEval });
  assert.equal(s.stages[0].evaluations + s.stages[1].evaluations + s.derivEvaluations, r.evaluations);
  // lme4's pwrssUpdate settings (tolPwrss 1e-7, from lp0, an error when step halving fails) and the fallback's
  assert.deepEqual(s.pirls?.lme4, { from: 'lp0', tol: 1e-7, tolFloor: 0, maxit: 30, maxHalvings: 10, onStall: 'error', refactorAtMode: false });
  assert.equal(s.pirls?.fallback.from, 'current');
  assert.equal(s.checkConv.checked, true);
  const r0 = await fitGlmm(cbppFrame(), { nAGQ: 0 }, { yieldEveryMs: 0 });
  assert.equal(r0.optSummary!.stages.length, 1);
  assert.equal(r0.optSummary!.stages[0].settings.rhoend, 2e-7);
});
