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
