// lme4's checkConv / checkHess (lme4 1.1-31) on hand-made gradients and Hessians. The expected codes
// and messages are those lme4:::checkConv returns for the same inputs with lmerControl()$checkConv.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkConv, convergenceFailed, formatG, isSingular } from '../../engine/src/optim/convergence';

const diag = (d: number[]) => d.map((v, i) => d.map((_, j) => (i === j ? v : 0)));

test('gradient: min(|solve(chol(H), g)|, |g|) over 0.002; lme4 says component 1 whichever component it is', () => {
  const r = checkConv({ gradient: [0.001, 0.1], hessian: diag([1, 1]) }, [1, 1], [0, 0]);
  assert.deepEqual(r.code, [-1]);
  assert.deepEqual(r.messages, ['Model failed to converge with max|grad| = 0.1 (tol = 0.002, component 1)']);
  assert.equal(convergenceFailed(r), true);
  // H = [[4,1],[1,2]]: chol = [[2, .5],[0, √1.75]], scaled gradient (0.0405509.., 0.0377964..)
  const r2 = checkConv({ gradient: [0.1, 0.05], hessian: [[4, 1], [1, 2]] }, [1, 1], [0, -Infinity]);
  assert.deepEqual(r2.messages, ['Model failed to converge with max|grad| = 0.0405509 (tol = 0.002, component 1)']);
});

test('both "nearly unidentifiable" messages can appear (very large eigenvalue and large ratio)', () => {
  const r = checkConv({ gradient: [0, 0], hessian: diag([2e6, 1]) }, [1, 1], [0, 0]);
  assert.deepEqual(r.code, [2, 3]);
  assert.deepEqual(r.messages, [
    'Model is nearly unidentifiable: very large eigenvalue\n - Rescale variables?',
    'Model is nearly unidentifiable: large eigenvalue ratio\n - Rescale variables?',
  ]);
  assert.equal(convergenceFailed(r), false);
});

test('a negative eigenvalue: no scaled gradient, and a degenerate Hessian', () => {
  const r = checkConv({ gradient: [0, 0], hessian: diag([2, -1]) }, [1, 1], [0, -Infinity]);
  assert.deepEqual(r.code, [-3]);
  assert.deepEqual(r.messages, ['unable to evaluate scaled gradient', 'Model failed to converge: degenerate  Hessian with 1 negative eigenvalues']);
  const r2 = checkConv({ gradient: [0.01, 0.01], hessian: [[1, 2], [2, 1]] }, [1, 1], [0, -Infinity]);
  assert.deepEqual(r2.messages, ['unable to evaluate scaled gradient', 'Model failed to converge: degenerate  Hessian with 1 negative eigenvalues']);
});

test('a numerically singular Hessian (eigenvalue below 1e-6), with the leading space of paste("", ...)', () => {
  const r = checkConv({ gradient: [0, 0], hessian: diag([2, 1e-8]) }, [1, 1], [0, -Infinity]);
  assert.deepEqual(r.code, [-4]);
  assert.deepEqual(r.messages, [' Hessian is numerically singular: parameters are not uniquely determined']);
  assert.equal(convergenceFailed(r), false);
});

test('glmer: the fixed-effect block is checked first, then the whole Hessian', () => {
  const r = checkConv({ gradient: [0, 0, 0], hessian: diag([1, -2, 3]) }, [1, 0.5, 0.2], [0]);
  assert.deepEqual(r.code, [-3]);
  assert.deepEqual(r.messages, [
    'unable to evaluate scaled gradient',
    'Model failed to converge: degenerate fixed-effect Hessian with 1 negative eigenvalues',
    'Model failed to converge: degenerate  Hessian with 1 negative eigenvalues',
  ]);
  const r2 = checkConv({ gradient: [0, 0, 0], hessian: diag([1, 2e6, 1]) }, [1, 0.5, 0.2], [0]);
  assert.deepEqual(r2.code, [2, 3]);
  assert.equal(r2.messages.length, 4);
});

test('singular fit ends the checks; an NA gradient; a Hessian with Inf', () => {
  const s = checkConv({ gradient: [5, 0], hessian: diag([1, 1]) }, [1e-5, 1], [0, 0]);
  assert.deepEqual(s.messages, ["boundary (singular) fit: see help('isSingular')"]);
  assert.equal(s.singular, true);
  assert.deepEqual(s.code, []);
  const na = checkConv({ gradient: [NaN, 0], hessian: diag([1, 1]) }, [1, 1], [0, 0]);
  assert.deepEqual(na.code, [-5]);
  assert.deepEqual(na.messages, ['Gradient contains NAs']);
  const inf = checkConv({ gradient: [0, 0], hessian: [[Infinity, 0], [0, 1]] }, [1, 1], [0, -Infinity]);
  assert.deepEqual(inf.code, [-6]);
  assert.deepEqual(inf.messages, ['unable to evaluate scaled gradient', 'Problem with Hessian check (infinite or missing values?)']);
  // isSingular: only parameters bounded at 0 count
  assert.equal(isSingular([1, -1e-9], [0, -Infinity]), false);
  assert.equal(isSingular([9e-5, 1], [0, 0]), true);
  assert.equal(checkConv(null, [1, 1], [0, 0]).messages.length, 0);
});

test("formatG is C's %g", () => {
  assert.equal(formatG(0.1), '0.1');
  assert.equal(formatG(0.002), '0.002');
  assert.equal(formatG(1e-5), '1e-05');
  assert.equal(formatG(0.00012345678), '0.000123457');
  assert.equal(formatG(1234567), '1.23457e+06');
  assert.equal(formatG(123456.7), '123457');
  assert.equal(formatG(-2.5), '-2.5');
  assert.equal(formatG(0.70710678), '0.707107');
  assert.equal(formatG(999999.7), '1e+06');
});
