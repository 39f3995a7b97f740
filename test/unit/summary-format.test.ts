// R's number formatting rules used by the summaries, checked on worked examples
// (the rules: common decimals = most any element needs for `digits` significant digits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatR, formatPval, roundR, zapsmall, quantiles5, catNumber } from '../../engine/src/summary/rformat';
import { abbreviate } from '../../engine/src/summary/abbreviate';
import { printCoefmat } from '../../engine/src/summary/coefmat';
import { catFill, strwrap } from '../../engine/src/summary/rprint';

test('format(x, digits = 4): common decimals from the element that needs most', () => {
  // 612.1 needs 1 decimal, 35.07 needs 2, 654.9 needs 1 -> all get 2
  assert.deepEqual(formatR([612.100158, 35.0717144, 654.940008], 4), ['612.10', ' 35.07', '654.94']);
  // 24.74 (2), 5.922 (3), 25.59 (2) -> 3
  assert.deepEqual(formatR([24.7406579, 5.9221376, 25.5917957], 4), ['24.741', ' 5.922', '25.592']);
  // trailing zeros after rounding to 4 significant digits do not count: 17.00 -> 17
  assert.deepEqual(formatR([16.9997, 17.0], 4), ['17', '17']);
});

test('format chooses scientific notation only when it is narrower', () => {
  assert.deepEqual(formatR([0.0001, 123456], 4), ['1.000e-04', '1.235e+05']);
  assert.deepEqual(formatR([2.07e-9], 3), ['2.07e-09']);
  assert.deepEqual(formatR([0.00123, 0.000558, 0.000221], 3), ['0.001230', '0.000558', '0.000221']);
  assert.deepEqual(formatR([-1.2e5, 9.1e-6], 2), ['-1.2e+05', ' 9.1e-06']);
});

test('format: nsmall and NA', () => {
  assert.deepEqual(formatR([1, 0.07, -0.14], 7, 2), [' 1.00', ' 0.07', '-0.14']);
  assert.deepEqual(formatR([1.5, null], 7), ['1.5', ' NA']);
});

test('round and zapsmall as R (ties to even on exact binary ties)', () => {
  assert.equal(roundR(2.5, 0), 2);
  assert.equal(roundR(0.125, 2), 0.12);
  assert.equal(roundR(0.15, 1), 0.1); // 0.15 is slightly below 0.15 in binary
  assert.equal(roundR(1743.62827, 1), 1743.6);
  assert.deepEqual(zapsmall([-3.95361, 0.023149, 5.17928], 5), [-3.9536, 0.0231, 5.1793]);
  assert.equal(catNumber(roundR(246.9901, 1)), '247');
});

test('format.pval: fixed and scientific groups, < eps', () => {
  assert.deepEqual(formatPval([1.17e-17, 3.26382e-6], 3), ['< 2e-16', '3.26e-06']);
  assert.deepEqual(formatPval([1e-40], 3), ['<2e-16']);
  assert.deepEqual(formatPval([0.62352, 0.000631, 0.0942], 3), ['0.623520', '0.000631', '0.094200']);
});

test('type-7 quantiles', () => {
  assert.deepEqual(quantiles5([4, 1, 3, 2, 5]), [1, 2, 3, 4, 5]);
  assert.deepEqual(quantiles5([1, 2, 3, 4]), [1, 1.75, 2.5, 3.25, 4]);
});

test('abbreviate as lme4 labels the correlation of fixed effects', () => {
  assert.deepEqual(abbreviate(['(Intercept)', 'Days'], 6), ['(Intr)', 'Days']);
  assert.deepEqual(abbreviate(['factor(period)2', 'factor(period)3'], 11), ['factr(prd)2', 'factr(prd)3']);
  assert.deepEqual(abbreviate(['factor(period)2', 'factor(period)3'], 6), ['fct()2', 'fct()3']);
  assert.deepEqual(abbreviate(['sectorCatholic', 'meanses:cses', 'avg.IQ.ver.cen'], 11), ['sectorCthlc', 'meanses:css', 'avg.IQ.vr.c']);
  assert.deepEqual(abbreviate(['meanses', 'SexFemale', 'situself'], 6), ['meanss', 'SexFml', 'sitslf']);
  // collisions are resolved by a longer minlength
  assert.deepEqual(abbreviate(['factor(YEAR)96', 'factor(YEAR)97'], 4), ['f(YEAR)96', 'f(YEAR)97']);
});

test('printCoefmat: estimate columns share decimals, t with 3 decimals, stars and legend', () => {
  const lines = printCoefmat(
    {
      rowNames: ['(Intercept)', 'Days'],
      colNames: ['Estimate', 'Std. Error', 't value'],
      columns: [
        [251.405104848485, 10.467285959596],
        [6.82459669495491, 1.54578964390598],
        [36.8380896462844, 6.77148148899918],
      ],
      hasPvalue: false,
    },
    { digits: 4 },
  );
  assert.deepEqual(lines, [
    '            Estimate Std. Error t value',
    '(Intercept)  251.405      6.825  36.838',
    'Days          10.467      1.546   6.771',
  ]);
  const z = printCoefmat(
    {
      rowNames: ['a', 'b'],
      colNames: ['Estimate', 'Std. Error', 'z value', 'Pr(>|z|)'],
      columns: [[1, 0.1], [0.5, 0.2], [2, 0.5], [0.0455, 0.617]],
      hasPvalue: true,
    },
    { digits: 4 },
  );
  assert.equal(z[0], '  Estimate Std. Error z value Pr(>|z|)  ');
  // estimates and SEs 1, 0.1, 0.5, 0.2 need one decimal each at 4 significant digits
  assert.equal(z[1], 'a      1.0        0.5     2.0   0.0455 *');
  assert.equal(z[2], 'b      0.1        0.2     0.5   0.6170  ');
  assert.equal(z[3], '---');
  assert.match(z[4], /^Signif\. codes: {2}0 ‘\*\*\*’ 0\.001 ‘\*\*’ 0\.01 ‘\*’ 0\.05 ‘\.’ 0\.1 ‘ ’ 1$/);
});

test('cat fill and strwrap wrap as R does', () => {
  assert.deepEqual(catFill(['Number of obs: 180, groups: ', 'Subject, 18']), ['Number of obs: 180, groups:  Subject, 18']);
  assert.deepEqual(strwrap('aaa bbb ccc', 8, 2), ['aaa bbb', '  ccc']);
});

test("zapsmall follows R 4.2.2 (the reference fits' R): digits - log10(max), rounded to whole decimals", () => {
  // Values printed by R 4.2.2: zapsmall(c(1802.0786, 1814.850179), 5) -> 1802.08 1814.85
  assert.deepEqual(zapsmall([1802.0786, 1814.850179], 5), [1802.08, 1814.85]);
  // zapsmall(c(123456.7, 0.04), 3) -> 123457 0
  assert.deepEqual(zapsmall([123456.7, 0.04], 3), [123457, 0]);
});
