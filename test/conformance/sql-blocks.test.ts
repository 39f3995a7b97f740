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
    assert.deepEqual(fit.result.residualSummary, { source: 'all', rows: ref.nobs, of: ref.nobs });
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
