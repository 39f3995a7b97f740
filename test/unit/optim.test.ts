import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minimize } from '../../engine/src/optim/bobyqa';
import { trsbox } from '../../engine/src/optim/trsbox';

test('bobyqa: unconstrained convex quadratic reaches its minimiser (1, -2, 0.5)', async () => {
  const f = (x: Float64Array) => (x[0] - 1) ** 2 + 2 * (x[1] + 2) ** 2 + 0.5 * (x[2] - 0.5) ** 2 + 0.3 * (x[0] - 1) * (x[1] + 2);
  const r = await minimize(f, [0, 0, 0], [-Infinity, -Infinity, -Infinity], [Infinity, Infinity, Infinity]);
  assert.ok(r.converged);
  assert.ok(Math.abs(r.x[0] - 1) < 1e-6 && Math.abs(r.x[1] + 2) < 1e-6 && Math.abs(r.x[2] - 0.5) < 1e-6, String(r.x));
});

test('bobyqa: Rosenbrock from (-1.2, 1) reaches (1, 1)', async () => {
  const f = (x: Float64Array) => 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2;
  const r = await minimize(f, [-1.2, 1], [-Infinity, -Infinity], [Infinity, Infinity], { rhobeg: 0.5, rhoend: 1e-9 });
  assert.ok(Math.abs(r.x[0] - 1) < 1e-5 && Math.abs(r.x[1] - 1) < 1e-5, `${r.x} after ${r.evaluations}`);
});

test('bobyqa: active lower bound: min (x+1)^2 + (y-2)^2 over x >= 0 is (0, 2)', async () => {
  const f = (x: Float64Array) => (x[0] + 1) ** 2 + (x[1] - 2) ** 2;
  const r = await minimize(f, [1, 1], [0, -Infinity], [Infinity, Infinity]);
  assert.equal(r.x[0], 0);
  assert.ok(Math.abs(r.x[1] - 2) < 1e-6);
  assert.ok(Math.abs(r.fval - 1) < 1e-10);
});

test('trsbox: an unconstrained interior Newton step is taken exactly', () => {
  // g = (-1, -1), H = 2I: minimiser d = (0.5, 0.5), inside radius 1
  const d = trsbox([-1, -1], [[2, 0], [0, 2]], 1, [-10, -10], [10, 10]);
  assert.ok(Math.abs(d[0] - 0.5) < 1e-12 && Math.abs(d[1] - 0.5) < 1e-12);
  // with an upper bound of 0.2 on the first coordinate
  const d2 = trsbox([-1, -1], [[2, 0], [0, 2]], 1, [-10, -10], [0.2, 10]);
  assert.ok(Math.abs(d2[0] - 0.2) < 1e-12 && Math.abs(d2[1] - 0.5) < 1e-12);
});
