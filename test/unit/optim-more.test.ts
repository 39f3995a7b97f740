/** Nelder-Mead and the bounded quasi-Newton method on functions whose minima are known. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nelderMead } from '../../engine/src/optim/neldermead';
import { quasiNewtonBounds } from '../../engine/src/optim/qnbounds';

const rosenbrock = (x: Float64Array) => 100 * (x[1] - x[0] * x[0]) ** 2 + (1 - x[0]) ** 2;
const inf = [Infinity, Infinity];

for (const [name, opt] of [
  ['Nelder-Mead', nelderMead],
  ['quasi-Newton with bounds', quasiNewtonBounds],
] as const) {
  test(`${name}: Rosenbrock's minimum (1, 1) from (-1.2, 1)`, async () => {
    const r = await opt(rosenbrock, [-1.2, 1], [-Infinity, -Infinity], inf);
    assert.ok(Math.abs(r.x[0] - 1) < 1e-3 && Math.abs(r.x[1] - 1) < 1e-3, JSON.stringify(r));
    assert.ok(r.fval < 1e-6);
  });
  test(`${name}: a minimum on the bound x0 >= 0 (the boundary of a variance)`, async () => {
    // unconstrained minimum at (-1, 2); within x0 >= 0 it is (0, 2)
    const f = (x: Float64Array) => (x[0] + 1) ** 2 + (x[1] - 2) ** 2 + 0.5 * x[0] * (x[1] - 2);
    const r = await opt(f, [1, 0], [0, -Infinity], inf);
    assert.ok(Math.abs(r.x[0]) < 1e-6, JSON.stringify(r));
    assert.ok(Math.abs(r.x[1] - 2) < 1e-3, JSON.stringify(r));
  });
}
