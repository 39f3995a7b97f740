/**
 * nlme's lme (3.1-162) reference fits (test/fixtures/reference/nlme) through the whole pipeline.
 * Tolerances from the references' README: logLik 1e-3 absolute; fixed effects 1e-3 relative;
 * SEs and standard deviations 2e-3 relative; DF exactly; structure parameters 2e-3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fitNlme, loadNlme, NLME_DIR } from './nlme-harness';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
const ids = readdirSync(NLME_DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
const summary: string[] = [];

for (const id of ids) {
  const ref = loadNlme(id);
  test(`nlme fit: ${id}`, async () => {
    const fit = await fitNlme(ref);
    assert.equal(fit.dfMethod, 'between-within');
    assert.deepEqual(fit.coefnames, ref.coefnames);
    const problems: string[] = [];
    for (const c of ref.coefnames) {
      const t = fit.tests![c];
      if (t.df !== ref.df[c]) problems.push(`${c}: DF ${t.df} vs ${ref.df[c]}`);
      if (rel(fit.fixef[c], ref.fixef[c]) > 1e-3) problems.push(`${c}: estimate ${fit.fixef[c]} vs ${ref.fixef[c]}`);
      if (rel(t.se, ref.se[c]) > 2e-3) problems.push(`${c}: SE ${t.se} vs ${ref.se[c]}`);
    }
    if (Math.abs(fit.logLik - ref.logLik) > 1e-3) problems.push(`logLik ${fit.logLik} vs ${ref.logLik}`);
    if (rel(fit.sigma, ref.sigma) > 2e-3) problems.push(`sigma ${fit.sigma} vs ${ref.sigma}`);
    // random-effect standard deviations, in nlme's printed order (terms, then Residual)
    // (nlme lists the outermost grouping factor first; its 'NA' entries are the 'batch =' header lines)
    const levelsOf = (grp: string) => (grp === 'Residual' ? Infinity : fit.ngrps[grp.replace(/\.\d+$/, '')] ?? 0);
    const sds = fit.varcorr
      .filter((r) => r.var2 === null)
      .map((r, i) => ({ r, i }))
      .sort((a, b) => levelsOf(a.r.grp) - levelsOf(b.r.grp) || a.i - b.i)
      .map(({ r }) => r.sdcor);
    const want = ref.varcorr.stddev.filter((v): v is number => typeof v === 'number');
    assert.equal(sds.length, want.length);
    want.forEach((sd, i) => {
      if (!(rel(sds[i], sd) <= 2e-3)) problems.push(`StdDev ${i} ${sds[i]} vs ${sd}`);
    });
    if (ref.corStruct) {
      const want = Array.isArray(ref.corStruct.coef) ? ref.corStruct.coef : [ref.corStruct.coef];
      const got = fit.correlationStructure?.parameters ?? [];
      assert.equal(fit.correlationStructure?.type, ref.corStruct.class);
      want.forEach((w, i) => {
        if (!(Math.abs(got[i] - w) <= 2e-3 * Math.max(Math.abs(w), 1e-2))) problems.push(`${ref.corStruct!.class}[${i}] ${got[i]} vs ${w}`);
      });
    }
    if (ref.varStruct) {
      assert.equal(fit.varianceFunction?.type, ref.varStruct.class);
      for (const [k, w] of Object.entries(ref.varStruct.coef)) {
        const g = fit.varianceFunction?.parameters[k];
        if (!(g !== undefined && Math.abs(g - w) <= 2e-3 * Math.max(Math.abs(w), 1e-2))) problems.push(`${ref.varStruct.class} ${k} ${g} vs ${w}`);
      }
    }
    summary.push(`${id}: ${problems.length ? 'MISMATCH ' + problems.join('; ') : 'match'}`);
    assert.deepEqual(problems, []);
  });
}

test('nlme: summary', () => {
  console.log(`nlme: ${summary.filter((s) => s.endsWith(': match')).length}/${ids.length} match\n  ${summary.join('\n  ')}`);
});
