// Every gaussian reference fit, through the whole pipeline (.mlm + CSV -> frame -> fitLmm),
// compared with lme4 within the README's tolerances.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinearMixedModel } from '../../engine/src/lmm/model';
import { compareFitOrAtTheta, frameFor, GAUSSIAN_TOLERANCES, loadReference, referenceNames, runCase } from './harness';

const names = referenceNames('gaussian');
let matched = 0;

for (const name of names) {
  test(`lmm conformance: ${name}`, async () => {
    const ref = loadReference(name);
    const fit = await runCase(ref);
    const cmp = compareFitOrAtTheta(fit, ref, GAUSSIAN_TOLERANCES, (theta) =>
      new LinearMixedModel(frameFor(ref), { REML: ref.REML }).resultAt(theta, ref.id),
    );
    for (const n of cmp.notes) console.log(`${name}: ${n}`);
    console.log(`${name}: ${cmp.ok ? 'match' : 'MISMATCH'} (${fit.evaluations} evaluations, ${fit.fitSeconds.toFixed(3)} s; lme4 ${ref.lme4_seconds_median?.toFixed(3) ?? '?'} s)`);
    if (cmp.ok) matched++;
    assert.ok(cmp.ok, `${name} differs from lme4:\n  ${cmp.failures.join('\n  ')}`);
  });
}

test('lmm conformance: summary', () => {
  console.log(`conformance: ${matched}/${names.length} gaussian reference fits match lme4`);
  assert.equal(names.length, 20);
  assert.equal(matched, names.length);
});
