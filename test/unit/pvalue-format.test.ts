/** The one p-value formatter and the one star function, against R 4.2's output. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPvalue } from '../../engine/src/summary/rformat';
import { signifStars } from '../../engine/src/summary/coefmat';

test('signifStars: symnum cut points 0, 0.001, 0.01, 0.05, 0.1, 1, intervals closed on the right', () => {
  // R: symnum(c(0, 0.001, 0.0010001, 0.01, 0.05, 0.1, 0.10001, 1), corr = FALSE, na = FALSE,
  //   cutpoints = c(0, 0.001, 0.01, 0.05, 0.1, 1), symbols = c("***", "**", "*", ".", " "))
  const p = [0, 0.001, 0.0010001, 0.01, 0.05, 0.1, 0.10001, 1];
  assert.deepEqual(p.map(signifStars), ['***', '***', '**', '**', '*', '.', ' ', ' ']);
  assert.equal(signifStars(null), '');
  assert.equal(signifStars(NaN), '');
});

test("formatPvalue: R's format.pval(p, digits) of one value, eps = .Machine$double.eps", () => {
  // R: for (p in ...) cat(format.pval(p, digits = 3), "|")
  const p = [1.17e-17, 3.26382446992738e-6, 0.0512, 0.5, 0.0001234, 0.001, 1, 0];
  assert.deepEqual(p.map((x) => formatPvalue(x)), ['<2e-16', '3.26e-06', '0.0512', '0.5', '0.000123', '0.001', '1', '<2e-16']);
  // digits = 4 (anova tables): R gives "< 2.2e-16" "3.264e-06" "0.0512" "0.5" "0.0001234" "0.04999"
  const q = [1.17e-17, 3.26382446992738e-6, 0.0512, 0.5, 0.0001234, 0.04999];
  assert.deepEqual(q.map((x) => formatPvalue(x, 4)), ['< 2.2e-16', '3.264e-06', '0.0512', '0.5', '0.0001234', '0.04999']);
  // digits = 2: "<2e-16" "0.051"
  assert.deepEqual([formatPvalue(1.17e-17, 2), formatPvalue(0.0512, 2)], ['<2e-16', '0.051']);
  assert.equal(formatPvalue(null), '');
  assert.equal(formatPvalue(NaN), '');
});
