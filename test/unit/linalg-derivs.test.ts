// The finite-difference derivatives behind glmer's standard errors and convergence checks,
// checked against analytic gradients and Hessians (mathematics, not our own fits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { centralDerivs } from '../../engine/src/linalg/derivs';

const close = (a: number, b: number, tol: number, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('centralDerivs: a quadratic has its matrix as Hessian and Ax + b as gradient', async () => {
  const A = [
    [4, 1, -0.5],
    [1, 3, 0.25],
    [-0.5, 0.25, 2],
  ];
  const b = [1, -2, 0.5];
  const f = (x: Float64Array) => {
    let s = 7;
    for (let i = 0; i < 3; i++) {
      s += b[i] * x[i];
      for (let j = 0; j < 3; j++) s += 0.5 * x[i] * A[i][j] * x[j];
    }
    return s;
  };
  const x = Float64Array.from([0.3, -1.2, 2]);
  const { gradient, hessian } = await centralDerivs(f, x, f(x));
  for (let i = 0; i < 3; i++) {
    let g = b[i];
    for (let j = 0; j < 3; j++) g += A[i][j] * x[j];
    close(gradient[i], g, 1e-8, `gradient ${i}`);
    for (let j = 0; j < 3; j++) close(hessian[i][j], A[i][j], 1e-5, `H[${i}][${j}]`);
  }
});

test('centralDerivs: second-order accurate on a non-quadratic function (step 1e-4)', async () => {
  // f = exp(x) sin(y) + x² z³
  const f = (v: Float64Array) => Math.exp(v[0]) * Math.sin(v[1]) + v[0] * v[0] * v[2] ** 3;
  const [x, y, z] = [0.4, 1.1, -0.7];
  const ex = Math.exp(x);
  const H = [
    [ex * Math.sin(y) + 2 * z ** 3, ex * Math.cos(y), 6 * x * z * z],
    [ex * Math.cos(y), -ex * Math.sin(y), 0],
    [6 * x * z * z, 0, 6 * x * x * z],
  ];
  const g = [ex * Math.sin(y) + 2 * x * z ** 3, ex * Math.cos(y), 3 * x * x * z * z];
  const p = Float64Array.from([x, y, z]);
  const { gradient, hessian } = await centralDerivs(f, p, f(p));
  for (let i = 0; i < 3; i++) {
    close(gradient[i], g[i], 1e-7, `gradient ${i}`);
    for (let j = 0; j < 3; j++) close(hessian[i][j], H[i][j], 1e-5, `H[${i}][${j}]`);
  }
});

test('centralDerivs with rows: only the cross terms of the leading rows are evaluated', async () => {
  let calls = 0;
  const f = (v: Float64Array) => {
    calls++;
    return v[0] * v[1] + v[1] * v[2] + v[2] * v[3] + v[0] * v[0];
  };
  const x = new Float64Array(4);
  const d = 4;
  const { hessian } = await centralDerivs(f, x, f(x), 1e-4, 1);
  // diagonal and gradient: 2d points; row 0's three cross terms: 2 points each
  assert.equal(calls - 1, 2 * d + 2 * 3);
  close(hessian[0][0], 2, 1e-6, 'H00');
  close(hessian[0][1], 1, 1e-6, 'H01');
  close(hessian[1][0], 1, 1e-6, 'H10');
  close(hessian[0][2], 0, 1e-6, 'H02');
  // rows beyond the first are left for the caller (zero), though f couples 1–2 and 2–3
  assert.equal(hessian[1][2], 0);
  assert.equal(hessian[2][3], 0);
});
