// The random-effects terms' θ layout (lme4's: per term the lower triangle of Λ_t column by column),
// Λ and b = Λu, checked against the definition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReTerms } from '../../engine/src/lmm/reterms';

const term = (k: number, nlev: number) => ({ k, levels: Array.from({ length: nlev }, (_, j) => `l${j}`), refs: new Int32Array(0), Z: new Float64Array(0) });

test('θ layout: a scalar term then a 2-column term (lme4: θ = (λ₁, Λ₂[1,1], Λ₂[2,1], Λ₂[2,2]))', () => {
  const re = new ReTerms([term(1, 3), term(2, 2)]);
  assert.equal(re.nTheta, 4);
  assert.equal(re.q, 3 + 4);
  assert.equal(re.kTot, 3);
  assert.deepEqual(re.lower(), [0, 0, -Infinity, 0]);
  assert.deepEqual(re.start(), [1, 1, 0, 1]);
  const theta = [2, 3, 5, 7];
  const lam = re.lambdaBlocks(theta);
  assert.deepEqual(lam.offsets, [0, 1]);
  // Λ₂ = [[3, 0], [5, 7]] column-major
  assert.deepEqual(Array.from(lam.data), [2, 3, 5, 0, 7]);
  assert.deepEqual(Array.from(re.terms[1].lambda(theta)), [3, 5, 0, 7]);
  assert.deepEqual(re.terms.map((t) => [t.thOff, t.uOff, t.kOff]), [[0, 0, 0], [1, 3, 1]]);
  // u in lme4's order (term, level, column); b₂ per level = Λ₂ u
  const u = [1, -1, 0.5, 1, 2, -1, 0];
  const b = re.b(theta, u);
  assert.deepEqual(Array.from(b), [2, -2, 1, 3 * 1, 5 * 1 + 7 * 2, 3 * -1, 5 * -1 + 7 * 0]);
  assert.throws(() => re.lambdaBlocks([1, 2]));
});

test('a 3-column term: six θ in column order of the lower triangle', () => {
  const re = new ReTerms([term(3, 1)]);
  assert.deepEqual(re.lower(), [0, -Infinity, -Infinity, 0, -Infinity, 0]);
  const L = re.terms[0].lambda([1, 2, 3, 4, 5, 6]);
  // [[1,0,0],[2,4,0],[3,5,6]]
  assert.deepEqual(Array.from(L), [1, 2, 3, 0, 4, 5, 0, 0, 6]);
});
