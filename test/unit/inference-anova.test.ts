import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareModels, formatAnova } from '../../engine/src/inference/anova';
import { interpretLrt } from '../../engine/src/inference/interpret';
import { MlmError } from '../../engine/src/diagnostics';
import type { FitResult } from '../../engine/src/result';
import { handFrame, loadReference, readCsvColumns } from './inference-fixtures';

/**
 * ML fit of Reaction ~ Days + (1 | Subject) by mathematics: the design is balanced (10 days for each
 * of 18 subjects, the same Days in every subject), so GLS = OLS and the ML estimates have a closed form:
 * σ² = SSW / (m(n-1)), σ² + nτ² = SSB / m, from the OLS residuals' within and between sums of squares.
 */
function sleepstudyRandomInterceptMl(): { logLik: number; y: number[]; days: number[]; subj: string[] } {
  const c = readCsvColumns('sleepstudy.csv');
  const y = c.Reaction.map(Number);
  const days = c.Days.map(Number);
  const subj = c.Subject;
  const N = y.length;
  const mx = days.reduce((a, b) => a + b, 0) / N;
  const my = y.reduce((a, b) => a + b, 0) / N;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < N; i++) {
    sxy += (days[i] - mx) * (y[i] - my);
    sxx += (days[i] - mx) ** 2;
  }
  const b1 = sxy / sxx;
  const b0 = my - b1 * mx;
  const r = y.map((v, i) => v - b0 - b1 * days[i]);
  const groups = [...new Set(subj)];
  const m = groups.length;
  const n = N / m;
  const mean: Record<string, number> = {};
  for (const g of groups) mean[g] = 0;
  r.forEach((v, i) => (mean[subj[i]] += v / n));
  const SSB = groups.reduce((s, g) => s + n * mean[g] ** 2, 0);
  const SSW = r.reduce((s, v, i) => s + (v - mean[subj[i]]) ** 2, 0);
  const s2 = SSW / (m * (n - 1));
  const lam = SSB / m;
  const logLik = -0.5 * (N * Math.log(2 * Math.PI) + m * (n - 1) * Math.log(s2) + m * Math.log(lam) + SSW / s2 + SSB / lam);
  return { logLik, y, days, subj };
}

function sleepFrame(y: number[], days: number[]) {
  return handFrame({ y, responseName: 'Reaction', columns: { '(Intercept)': y.map(() => 1), Days: days } });
}

test('LRT of sleepstudy random slope (ML reference) against the random-intercept ML fit computed by mathematics', async () => {
  const vi = sleepstudyRandomInterceptMl();
  assert.ok(Math.abs(vi.logLik - -897.0393215) < 1e-6, `closed-form logLik ${vi.logLik}`);
  const full = loadReference('sleepstudy_full_ml');
  const npar = 4;
  const viResult: FitResult = {
    ...full,
    id: 'fm1',
    formula: 'Reaction ~ Days + (1 | Subject)',
    df: npar,
    logLik: vi.logLik,
    deviance: -2 * vi.logLik,
    AIC: -2 * vi.logLik + 2 * npar,
    BIC: -2 * vi.logLik + Math.log(180) * npar,
  };
  const frame = sleepFrame(vi.y, vi.days);
  // given in the "wrong" order: rows must come out ordered by npar
  const table = await compareModels(
    [
      { name: 'fm2', frame, result: full },
      { name: 'fm1', frame, result: viResult },
    ],
    undefined,
    { dataName: 'sleepstudy' },
  );
  assert.deepEqual(table.rows.map((r) => r.name), ['fm1', 'fm2']);
  assert.deepEqual(table.notes, []);
  const chisq = 2 * (full.logLik - vi.logLik); // 2 × (-875.9697 + 897.0393) = 42.139
  assert.ok(Math.abs(table.rows[1].Chisq! - chisq) < 1e-9);
  assert.ok(Math.abs(chisq - 42.1393) < 1e-3);
  assert.equal(table.rows[1].Df, 2);
  // chi-square with 2 df has survival exp(-x/2)
  assert.ok(Math.abs(table.rows[1].p! / Math.exp(-chisq / 2) - 1) < 1e-10);
  assert.equal(table.rows[0].Chisq, null);
  const text = formatAnova(table);
  const expected = [
    'Data: sleepstudy',
    'Models:',
    'fm1: Reaction ~ Days + (1 | Subject)',
    'fm2: Reaction ~ Days + (Days | Subject)',
    '    npar    AIC    BIC  logLik deviance  Chisq Df Pr(>Chisq)    ',
    'fm1    4 1802.1 1814.8 -897.04   1794.1                         ',
    'fm2    6 1763.9 1783.1 -875.97   1751.9 42.139  2  7.072e-10 ***',
    '---',
    'Signif. codes:  0 ‘***’ 0.001 ‘**’ 0.01 ‘*’ 0.05 ‘.’ 0.1 ‘ ’ 1',
  ].join('\n');
  assert.equal(text, expected);
  assert.match(interpretLrt(table.rows[1], table.rows[0]), /fm2 fits significantly better than fm1 \(χ²\(2\) = 42\.14, p < \.001\)/);
  // the table carries the sentences the panel and hovers show
  assert.equal(table.rows[0].sentence, undefined);
  assert.match(table.rows[1].sentence!, /fm2 fits significantly better than fm1 \(χ²\(2\) = 42\.14, p < \.001\)/);
});

test('three nested ML models of bdf: ordered by npar, Chisq = 2 × ΔlogLik, Df = Δnpar', async () => {
  const ids = ['bdf_context_ml', 'bdf_empty_ml', 'bdf_iq_ml'];
  const refs = ids.map(loadReference);
  const y = readCsvColumns('bdf.csv').langPOST.map(Number);
  const frame = handFrame({ y, responseName: 'langPOST', columns: { '(Intercept)': y.map(() => 1) } });
  const table = await compareModels(refs.map((r, i) => ({ name: ids[i], frame, result: r })), undefined, { dataName: 'data/bdf.csv' });
  assert.deepEqual(table.rows.map((r) => r.name), ['bdf_empty_ml', 'bdf_iq_ml', 'bdf_context_ml']);
  assert.deepEqual(table.rows.map((r) => r.npar), [3, 4, 7]);
  const [e, iq, ctx] = [refs[1], refs[2], refs[0]];
  assert.ok(Math.abs(table.rows[1].Chisq! - 2 * (iq.logLik - e.logLik)) < 1e-9);
  assert.ok(Math.abs(table.rows[2].Chisq! - 2 * (ctx.logLik - iq.logLik)) < 1e-9);
  assert.equal(table.rows[2].Df, 3);
  assert.equal(table.rows[1].deviance, -2 * iq.logLik);
  assert.equal(table.rows[1].AIC, iq.AIC);
  const text = formatAnova(table);
  assert.match(text, /^Data: bdf\nModels:\nbdf_empty_ml: langPOST ~ 1 \+ \(1 \| schoolNR\)\n/);
  assert.equal(text.split('\n').slice(5, 9).join('\n'), [
    '               npar   AIC   BIC  logLik deviance    Chisq Df Pr(>Chisq)    ',
    'bdf_empty_ml      3 16259 16276 -8126.6    16253                           ',
    'bdf_iq_ml         4 15260 15283 -7625.9    15252 1001.446  1  < 2.2e-16 ***',
    'bdf_context_ml    7 15228 15268 -7606.8    15214   38.239  3  2.515e-08 ***',
  ].join('\n'));
});

test('refuses models fitted to different numbers of observations or different responses', async () => {
  const sleep = loadReference('sleepstudy_full_ml');
  const bdf = loadReference('bdf_empty_ml');
  const ys = sleepstudyRandomInterceptMl().y;
  const yb = readCsvColumns('bdf.csv').langPOST.map(Number);
  const fs = handFrame({ y: ys, responseName: 'Reaction', columns: { '(Intercept)': ys.map(() => 1) } });
  const fb = handFrame({ y: yb, responseName: 'langPOST', columns: { '(Intercept)': yb.map(() => 1) } });
  await assert.rejects(
    compareModels([
      { name: 'a', frame: fs, result: sleep },
      { name: 'b', frame: fb, result: bdf },
    ]),
    (e: unknown) => e instanceof MlmError && e.diagnostic.code === 'anova-different-data' && /same number of observations/.test(e.message),
  );
  const other = handFrame({ y: ys.map((v) => v + 1), responseName: 'Other', columns: { '(Intercept)': ys.map(() => 1) } });
  await assert.rejects(
    compareModels([
      { name: 'a', frame: fs, result: sleep },
      { name: 'b', frame: other, result: sleep },
    ]),
    (e: unknown) => e instanceof MlmError && e.diagnostic.code === 'anova-different-response',
  );
  const shifted = handFrame({ y: ys, responseName: 'Reaction', columns: { '(Intercept)': ys.map(() => 1) }, rows: ys.map((_, i) => i + 1) });
  await assert.rejects(
    compareModels([
      { name: 'a', frame: fs, result: sleep },
      { name: 'b', frame: shifted, result: sleep },
    ]),
    (e: unknown) => e instanceof MlmError && /same rows/.test(e.message),
  );
  await assert.rejects(compareModels([{ name: 'a', frame: fs, result: sleep }]), MlmError);
});

test('REML fits are refitted with ML and the table says so', async () => {
  const reml = loadReference('sleepstudy_full');
  const ml = loadReference('sleepstudy_full_ml');
  const vi = sleepstudyRandomInterceptMl();
  const frame = sleepFrame(vi.y, vi.days);
  const viMl: FitResult = { ...ml, formula: 'Reaction ~ Days + (1 | Subject)', df: 4, logLik: vi.logLik, AIC: -2 * vi.logLik + 8, BIC: -2 * vi.logLik + 4 * Math.log(180) };
  let calls = 0;
  const table = await compareModels(
    [
      { name: 'fm1', frame, result: viMl },
      { name: 'fm2', frame, result: reml },
    ],
    undefined,
    {
      refit: async (_f, r) => {
        calls++;
        assert.equal(r.REML, true);
        return ml; // the ML fit lme4 makes of the same model
      },
    },
  );
  assert.equal(calls, 1);
  assert.deepEqual(table.notes, ['refitting model(s) with ML (instead of REML)']);
  assert.equal(table.rows[1].logLik, ml.logLik);
  assert.equal(table.rows[1].refitted, true);
  assert.match(formatAnova(table), /^refitting model\(s\) with ML \(instead of REML\)\nData: data\n/);
});

test('default ML refit of a REML fit uses the engine (sleepstudy REML vs ML reference logLik)', async () => {
  const { simpleReferenceFrame } = await import('./inference-fixtures');
  const reml = loadReference('sleepstudy_full');
  const ml = loadReference('sleepstudy_full_ml');
  const vi = sleepstudyRandomInterceptMl();
  const frame = simpleReferenceFrame('sleepstudy_full');
  const viMl: FitResult = { ...ml, formula: 'Reaction ~ Days + (1 | Subject)', df: 4, logLik: vi.logLik, AIC: -2 * vi.logLik + 8, BIC: -2 * vi.logLik + 4 * Math.log(180) };
  const table = await compareModels([
    { name: 'fm2', frame, result: reml },
    { name: 'fm1', frame: simpleReferenceFrame('sleepstudy_vi'), result: viMl },
  ]);
  assert.ok(Math.abs(table.rows[1].logLik - ml.logLik) < 1e-3, `refitted logLik ${table.rows[1].logLik} vs lme4 ML ${ml.logLik}`);
  assert.ok(Math.abs(table.rows[1].Chisq! - 42.1393) < 2e-3);
});

test("p-values formatted as R's format.pval", async () => {
  const { formatPValues } = await import('../../engine/src/inference/rformat');
  assert.deepEqual(formatPValues([null, 1e-30, 9.742436e-05, 0.0006522744, 2.00503e-10], 4), ['', '< 2.2e-16', '9.742e-05', '0.0006523', '2.005e-10']);
  assert.deepEqual(formatPValues([1e-30, 0.0123], 4), ['<2e-16', '0.0123']);
  assert.deepEqual(formatPValues([0.5, 0.04], 4), ['0.50', '0.04']);
});
