// Every non-gaussian reference fit (binomial and Poisson, Laplace and adaptive Gauss-Hermite),
// through the whole pipeline (.mlm + CSV -> frame -> fitGlmm), compared with lme4 (glmer) within
// the README's GLMM tolerances.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareFit, glmmTolerances, loadReference, referenceNames, runCase } from './harness';

const names = referenceNames().filter((n) => loadReference(n).family !== 'gaussian');
let matched = 0;

for (const name of names) {
  test(`glmm conformance: ${name}`, async () => {
    const ref = loadReference(name);
    const fit = await runCase(ref);
    const cmp = compareFit(fit, ref, glmmTolerances(ref));
    for (const n of cmp.notes) console.log(`${name}: ${n}`);
    for (const w of fit.warnings) console.log(`${name}: warning: ${w}`);
    console.log(`${name}: ${cmp.ok ? 'match' : 'MISMATCH'} (${fit.evaluations} evaluations, ${fit.fitSeconds.toFixed(3)} s; lme4 ${ref.lme4_seconds_median?.toFixed(3) ?? '?'} s)`);
    if (cmp.ok) matched++;
    assert.ok(cmp.ok, `${name} differs from lme4:\n  ${cmp.failures.join('\n  ')}`);
  });
}

test('glmm conformance: summary', () => {
  console.log(`conformance: ${matched}/${names.length} GLMM reference fits match lme4`);
  assert.equal(names.length, 7);
  assert.equal(matched, names.length);
});
