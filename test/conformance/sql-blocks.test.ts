// The fit from SQL cross-product blocks (engine/src/sql) over DuckDB, compared with lme4's reference
// fits (README tolerances) and with the in-memory fit of the same rows (deviance within 1e-8 relative).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseMlm } from '../../engine/src/mlmfile/index';
import { fitFromSql } from '../../engine/src/sql/fit';
import type { LinearMixedModel } from '../../engine/src/lmm/model';
import { TestDuckDbRunner, csvSource } from './duckdb-runner';
import { compareFitOrAtTheta, GAUSSIAN_TOLERANCES, loadReference, mlmTextFor, REF_DIR, runCase } from './harness';

const CASES = ['dyestuff', 'sleepstudy_full', 'sleepstudy_full_ml', 'sleepstudy_diag', 'penicillin_crossed', 'pastes_nested', 'orthodont', 'mathach_bryk', 'mathach_himinty'];

let runner: TestDuckDbRunner;
after(async () => runner?.close());

const criterion = (r: { REML: boolean; REMLcrit: number | null; deviance: number | null }) => (r.REML ? r.REMLcrit! : r.deviance!);

for (const name of CASES) {
  test(`sql blocks: ${name} matches lme4 and the in-memory fit`, async () => {
    runner ??= await TestDuckDbRunner.open();
    const ref = loadReference(name);
    const doc = parseMlm(mlmTextFor(ref));
    const fit = await fitFromSql(csvSource(runner, join(REF_DIR, 'data', ref.data)), doc, doc.models[0], { hooks: { yieldEveryMs: 0 } });
    const cmp = compareFitOrAtTheta(fit.result, ref, GAUSSIAN_TOLERANCES, (theta) => (fit.model as LinearMixedModel).resultAt(theta, ref.id));
    assert.ok(cmp.ok, `${name} differs from lme4:\n  ${cmp.failures.join('\n  ')}`);
    const mem = await runCase(ref);
    const rel = Math.abs(criterion(fit.result) - criterion(mem)) / Math.abs(criterion(mem));
    assert.ok(rel < 1e-8, `${name}: criterion ${criterion(fit.result)} vs in-memory ${criterion(mem)} (relative ${rel})`);
    assert.equal(fit.result.nobs, ref.nobs);
    assert.deepEqual(fit.result.coefnames, ref.coefnames);
    // no per-observation arrays; the scaled-residual quantiles come from all rows here (fewer than the sample size)
    assert.equal(fit.result.fitted, undefined);
    assert.equal(fit.result.residuals, undefined);
    const { rmse, ...sampled } = fit.result.residualSummary!;
    assert.deepEqual(sampled, { source: 'all', rows: ref.nobs, of: ref.nobs });
    // the RMSE of all residuals from the blocks (pwrss − |u|²) is that of the rows' residuals
    const memRmse = Math.sqrt(mem.residuals!.reduce((a, r) => a + r * r, 0) / mem.residuals!.length);
    assert.ok(Math.abs(rmse - memRmse) < 1e-6 * memRmse, `${name}: RMSE ${rmse} vs ${memRmse} of the rows`);
    const q = fit.result.scaledResidualQuantiles!;
    mem.scaledResidualQuantiles!.forEach((v, i) => assert.ok(Math.abs(q[i] - v) < 1e-5, `${name}: residual quantile ${i}: ${q[i]} vs ${v}`));
    // Satterthwaite df as lmerTest
    assert.ok(fit.result.satterthwaite, `${name}: no Satterthwaite df`);
    if (ref.satterthwaite)
      for (const c of ref.coefnames) {
        const a = fit.result.satterthwaite!.df[c], b = ref.satterthwaite.df[c];
        assert.ok(Math.abs(a - b) / b < 1e-2, `${name}: Satterthwaite df of ${c}: ${a} vs ${b}`);
      }
    assert.ok(fit.result.r2 && Math.abs(fit.result.r2.marginal - mem.r2!.marginal) < 1e-6, `${name}: marginal R² ${fit.result.r2?.marginal} vs ${mem.r2?.marginal}`);
  });
}

// A predictor with mean 1e6 and sd 1: the blocks are centred in SQL, so the estimates are those of the
// in-memory fit of the exactly centred predictor (x − 1e6 is exact in binary floating point here),
// with the intercept transformed back: β₀ = β₀c − 1e6 β₁, Var(β₀) = V₀₀ − 2e6 V₀₁ + 1e12 V₁₁.
test('sql blocks: a predictor with mean 1e6 gives the estimates of the centred in-memory fit; missing values are dropped as na.omit', async () => {
  runner ??= await TestDuckDbRunner.open();
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { prepareModels } = await import('../../engine/src/frame/prepare');
  const { fitModel } = await import('../../engine/src/fit');
  let seed = 12345;
  const unif = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) + 0.5) / 2147483648;
  const normal = () => Math.sqrt(-2 * Math.log(unif())) * Math.cos(2 * Math.PI * unif());
  const lines = ['y,x,xc,g'];
  for (let g = 0; g < 30; g++) {
    const b = normal() * 2;
    for (let i = 0; i < 12; i++) {
      const x = 1e6 + normal();
      const xc = x - 1e6;
      const y = 5 + 2 * xc + b + normal();
      // a few missing values in each variable
      const k = g * 12 + i;
      lines.push([k % 41 === 3 ? 'NA' : y, k % 53 === 7 ? '' : x, k % 53 === 7 ? '' : xc, k % 67 === 11 ? 'NA' : `g${g}`].join(','));
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'mlm-sqlprec-'));
  const csv = lines.join('\n') + '\n';
  writeFileSync(join(dir, 'big.csv'), csv);
  const text = (f: string) => `data: big.csv\nmodel m:\n  formula: ${f}\n  method: ML\n`;
  const doc = parseMlm(text('y ~ x + (1 | g)'));
  const fit = await fitFromSql(csvSource(runner, join(dir, 'big.csv')), doc, doc.models[0], { hooks: { yieldEveryMs: 0 } });
  const prep = prepareModels(text('y ~ xc + (1 | g)'), () => csv);
  const frame = prep.models[0].frame!;
  const mem = await fitModel(frame, { id: 'm', REML: false, nAGQ: 1 }, { yieldEveryMs: 0 });
  const r = fit.result;
  assert.equal(r.nobs, frame.n);
  assert.equal(r.rowsDropped, frame.rowsDropped);
  assert.ok(frame.rowsDropped > 0);
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
  assert.ok(rel(r.deviance!, mem.deviance!) < 1e-8, `deviance ${r.deviance} vs ${mem.deviance}`);
  assert.ok(rel(r.fixef.x, mem.fixef.xc) < 1e-8, `slope ${r.fixef.x} vs ${mem.fixef.xc}`);
  const b0 = mem.fixef['(Intercept)'] - 1e6 * mem.fixef.xc;
  assert.ok(rel(r.fixef['(Intercept)'], b0) < 1e-8, `intercept ${r.fixef['(Intercept)']} vs ${b0}`);
  assert.ok(rel(r.se.x, mem.se.xc) < 1e-6, `se ${r.se.x} vs ${mem.se.xc}`);
  const V = mem.vcov;
  const v0 = V[0][0] - 2e6 * V[0][1] + 1e12 * V[1][1];
  assert.ok(rel(r.se['(Intercept)'], Math.sqrt(v0)) < 1e-6, `se intercept ${r.se['(Intercept)']} vs ${Math.sqrt(v0)}`);
  assert.ok(rel(r.sigma, mem.sigma) < 1e-6);
});

test('sql blocks: what the compiler does not write in SQL is a located error suggesting engine: memory', async () => {
  runner ??= await TestDuckDbRunner.open();
  const src = csvSource(runner, join(REF_DIR, 'data', 'sleepstudy.csv'));
  const cases: [string, RegExp][] = [
    ['  formula: Reaction ~ ns(Days, df = 3) + (1 | Subject)\n', /'ns\(Days, df = 3\)' is not computed in SQL; add 'engine: memory'/],
    ['  formula: Reaction ~ Days + (1 | Subject)\n  weights: Days + 1\n', /weights: is not computed in SQL/],
    ['  formula: Reaction ~ Days + (1 | Subject)\n  correlation: corAR1(form = ~ Days | Subject)\n', /correlation: is not computed in SQL/],
  ];
  for (const [body, re] of cases) {
    const doc = parseMlm(`data: sleepstudy.csv\nmodel m:\n${body}`);
    await assert.rejects(fitFromSql(src, doc, doc.models[0]), (e: { diagnostic?: { message: string; range?: unknown } }) => {
      assert.match(e.diagnostic!.message, re);
      assert.ok(e.diagnostic!.range, 'located');
      return true;
    });
  }
});

test('sql blocks: a fit of more rows than the residual sample says so in the summary; its JSON carries no per-row arrays', async () => {
  runner ??= await TestDuckDbRunner.open();
  const { formatSummary } = await import('../../engine/src/summary/index');
  const { withPlotData } = await import('../../engine/src/plotdata');
  const ref = loadReference('sleepstudy_full');
  const doc = parseMlm(mlmTextFor(ref));
  const fit = await fitFromSql(csvSource(runner, join(REF_DIR, 'data', ref.data)), doc, doc.models[0], { hooks: { yieldEveryMs: 0 }, residualSample: 50 });
  const { rmse, ...sampled } = fit.result.residualSummary!;
  assert.deepEqual(sampled, { source: 'sample', rows: 50, of: 180 });
  // the RMSE covers all 180 rows: y − Xβ − Zb with lme4's fixef() and ranef()
  const { readFileSync } = await import('node:fs');
  const lines = readFileSync(join(REF_DIR, 'data', ref.data), 'utf8').trim().split('\n');
  const head = lines[0].split(',').map((h) => h.replace(/"/g, ''));
  const [iy, id, is] = ['Reaction', 'Days', 'Subject'].map((c) => head.indexOf(c));
  const re = ref.ranef[0];
  let ss = 0;
  for (const line of lines.slice(1)) {
    const f = line.split(',').map((v) => v.replace(/"/g, ''));
    const j = re.levels.indexOf(f[is]);
    const days = Number(f[id]);
    const r = Number(f[iy]) - (ref.fixef['(Intercept)'] + re.values[0][j]) - (ref.fixef.Days + re.values[1][j]) * days;
    ss += r * r;
  }
  const want = Math.sqrt(ss / 180);
  assert.ok(Math.abs(rmse - want) < 1e-4 * want, `RMSE ${rmse} vs ${want} from lme4's estimates`);
  const q = fit.result.scaledResidualQuantiles!;
  // quantiles of a sample lie within the range of all scaled residuals (lme4's summary: -3.9536 .. 5.1793)
  assert.ok(q[0] >= -3.9537 && q[4] <= 5.1793 && q[0] < q[2] && q[2] < q[4], String(q));
  const text = formatSummary(fit.result);
  assert.match(text, /Scaled residuals \(a random sample of 50 of 180 rows\): /);
  assert.ok(JSON.stringify(fit.result).length < 20_000);
  assert.equal(withPlotData(fit.frame, fit.result), fit.result, 'no plot data without rows');
});

test('sql blocks: the results panel and every export format take a fit without per-row arrays', async () => {
  runner ??= await TestDuckDbRunner.open();
  const { modelSectionHtml } = await import('../../client/src/render/panel');
  const { exportResults } = await import('../../client/src/export/formats');
  const ref = loadReference('penicillin_crossed');
  const doc = parseMlm(mlmTextFor(ref));
  const fit = await fitFromSql(csvSource(runner, join(REF_DIR, 'data', ref.data)), doc, doc.models[0], { hooks: { yieldEveryMs: 0 } });
  const html = modelSectionHtml(fit.result, 'pen');
  assert.match(html, /class="fixed-effects"/);
  assert.match(html, /a fit from SQL blocks reads no rows/);
  for (const format of ['markdown', 'html', 'latex', 'csv', 'json'] as const) {
    const out = exportResults(format, { fileName: 'pen.mlm', results: [fit.result], comparisons: [] });
    assert.ok(out.includes('(Intercept)'), format);
  }
});

// Vector-valued terms crossed with another factor (pairs of terms with k > 1 in the first block and in the dense block),
// a factor slope and a categorical predictor interacting with a numeric one: the block fit equals the in-memory fit.
test('sql blocks: crossed vector-valued terms, ||, factor interactions and I()/log/sqrt/exp equal the in-memory fit (1e-8 relative)', async () => {
  runner ??= await TestDuckDbRunner.open();
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { prepareModels } = await import('../../engine/src/frame/prepare');
  const { fitModel } = await import('../../engine/src/fit');
  let seed = 777;
  const unif = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) + 0.5) / 2147483648;
  const normal = () => Math.sqrt(-2 * Math.log(unif())) * Math.cos(2 * Math.PI * unif());
  const a = Array.from({ length: 25 }, () => [normal(), normal() * 0.5]);
  const b = Array.from({ length: 8 }, () => [normal() * 0.7, normal() * 0.3]);
  const lines = ['y,x,f,g1,g2'];
  for (let i = 0; i < 600; i++) {
    const g1 = Math.floor(unif() * 25), g2 = Math.floor(unif() * 8);
    const x = normal() + 3, f = ['lo', 'mid', 'hi'][Math.floor(unif() * 3)];
    const y = 2 + 0.5 * x + (f === 'hi' ? 1 : 0) + a[g1][0] + a[g1][1] * x + b[g2][0] + b[g2][1] * x + normal();
    lines.push([y, x, f, `s${g1}`, g2].join(','));
  }
  const dir = mkdtempSync(join(tmpdir(), 'mlm-sqlvec-'));
  const csv = lines.join('\n') + '\n';
  writeFileSync(join(dir, 'v.csv'), csv);
  for (const formula of ['y ~ x + (x | g1) + (1 | g2)', 'y ~ x * f + (1 | g1) + (x | g2)', 'y ~ x + (x || g1) + (x | g2)', 'y ~ x + (1 | g2/g1)', 'y ~ I(x^2) + log(x + 5) + sqrt(exp(x / 4)) + f + (1 | g1)']) {
    const text = `data: v.csv\nmodel m:\n  formula: ${formula}\n  method: ML\n`;
    const doc = parseMlm(text);
    const fit = await fitFromSql(csvSource(runner, join(dir, 'v.csv')), doc, doc.models[0], { hooks: { yieldEveryMs: 0 } });
    const frame = prepareModels(text, () => csv).models[0].frame!;
    const mem = await fitModel(frame, { id: 'm', REML: false, nAGQ: 1 }, { yieldEveryMs: 0 });
    const rel = Math.abs(fit.result.deviance! - mem.deviance!) / mem.deviance!;
    assert.ok(rel < 1e-8, `${formula}: deviance ${fit.result.deviance} vs in-memory ${mem.deviance}`);
    assert.deepEqual(fit.result.coefnames, mem.coefnames, formula);
    for (const c of mem.coefnames) assert.ok(Math.abs(fit.result.fixef[c] - mem.fixef[c]) < 1e-5 * Math.max(1, Math.abs(mem.fixef[c])), `${formula}: ${c}`);
    assert.deepEqual(fit.result.ranef.map((r) => r.levels), mem.ranef.map((r) => r.levels), `${formula}: levels in R's order`);
  }
});

// Profiles need the criterion with a coefficient held fixed: from blocks that is a transform of the blocks (lmm/blocks.ts).
for (const id of ['sleepstudy_full', 'dyestuff']) {
  test(`sql blocks: profile confint of a fit from blocks matches lme4's confint(): ${id}`, async () => {
    runner ??= await TestDuckDbRunner.open();
    const { confint } = await import('../../engine/src/inference/confint');
    const ref = loadReference(id);
    const doc = parseMlm(mlmTextFor(ref));
    const fit = await fitFromSql(csvSource(runner, join(REF_DIR, 'data', ref.data)), doc, doc.models[0], { hooks: { yieldEveryMs: 0 } });
    const ci = await confint(fit.model, fit.result, 'profile', {}, { yieldEveryMs: 0 });
    const cp = ref.confint_profile!;
    assert.deepEqual(ci.labels, cp.names);
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
    cp.names.forEach((nm, i) => {
      assert.ok(rel(ci.lower[i]!, cp.lower[i]) < 1e-2, `${nm} lower ${ci.lower[i]} vs ${cp.lower[i]}`);
      assert.ok(rel(ci.upper[i]!, cp.upper[i]) < 1e-2, `${nm} upper ${ci.upper[i]} vs ${cp.upper[i]}`);
    });
  });
}
