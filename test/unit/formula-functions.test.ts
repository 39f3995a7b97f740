// The formula language's functions against R: every expected value below was computed with R 4.2.2
// (stats, splines) by model.matrix() / predict() on the 12-row table in this file and pasted here
// (R's rows 1, 3 and 6 of each column, i.e. rows 0, 2 and 5 here), or follows from mathematics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCsv } from '../../engine/src/data/csv';
import { parseMlm } from '../../engine/src/mlmfile/parse';
import { buildModelFrame } from '../../engine/src/frame/modelframe';
import { evalVariable, type EvalContext, type Learned } from '../../engine/src/frame/evaluate';
import { contrastMatrix, polyBasis } from '../../engine/src/frame/basis';
import { parseExpression } from '../../engine/src/formula/parser';
import { MlmError } from '../../engine/src/diagnostics';
import type { ModelFrame } from '../../engine/src/frame/types';

const csv = `"y","x","f","g","s"
3.1,1,"a","u","Yes"
2.4,2,"b","v","No"
5.6,4,"c","u","Yes"
4.4,7,"a","v","No"
6.1,8,"b","u","No"
7.9,10,"c","v","Yes"
6.6,3,"d","u","No"
8.8,5,"d","v","Yes"
9.3,6,"a","u","Yes"
10.1,9,"b","v","No"
8.7,11,"c","u","No"
12.2,12,"d","v","Yes"
`;
const table = readCsv(csv, 'small.csv');

function frame(formula: string, extra = ''): ModelFrame {
  const doc = parseMlm(`data: small.csv\nmodel m: ${formula}\n${extra}`);
  assert.deepEqual(doc.diagnostics, []);
  return buildModelFrame(doc, doc.models[0], table);
}

/** Columns after the intercept, rows 0, 2, 5, column by column (as R printed them). */
function rows035(fr: ModelFrame): number[] {
  const out: number[] = [];
  for (let j = 0; j < fr.p; j++) for (const i of [0, 2, 5]) out.push(fr.X[j * fr.n + i]);
  return out;
}

function close(actual: number[], expected: number[], tol = 1e-12): void {
  assert.equal(actual.length, expected.length, `length ${actual.length} vs ${expected.length}`);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])), `[${i}] ${a} vs R ${expected[i]}`));
}

test('poly(x, 2): names and the orthonormal basis of R', () => {
  const fr = frame('y ~ poly(x, 2) + (1 | g)');
  assert.deepEqual(fr.coefnames, ['(Intercept)', 'poly(x, 2)1', 'poly(x, 2)2']);
  close(rows035(fr), [1, 1, 1, -0.45993310550389999, -0.20906050250177269, 0.29268470350248177, 0.50182815966374583, -0.15511052207788509, 0.00912414835752271]);
  // mathematics: unit length, orthogonal to each other and to the constant
  const c1 = Array.from(fr.X.subarray(12, 24));
  const c2 = Array.from(fr.X.subarray(24, 36));
  const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
  close([dot(c1, c1), dot(c2, c2), dot(c1, c2), c1.reduce((a, b) => a + b), c2.reduce((a, b) => a + b)], [1, 1, 0, 0, 0], 1e-12);
  assert.deepEqual(frame('y ~ poly(x, degree = 2) + (1 | g)').coefnames.slice(1), ['poly(x, degree = 2)1', 'poly(x, degree = 2)2']);
});

test('poly(x, 3, raw = TRUE): x, x², x³', () => {
  const fr = frame('y ~ poly(x, 3, raw = TRUE) + (1 | g)');
  assert.deepEqual(fr.coefnames, ['(Intercept)', 'poly(x, 3, raw = TRUE)1', 'poly(x, 3, raw = TRUE)2', 'poly(x, 3, raw = TRUE)3']);
  close(rows035(fr), [1, 1, 1, 1, 4, 10, 1, 16, 100, 1, 64, 1000]);
});

test('splines::ns(x, df = 3) and ns(x, knots = c(4, 8)) as the splines package', () => {
  let fr = frame('y ~ splines::ns(x, df = 3) + (1 | g)');
  assert.deepEqual(fr.coefnames.slice(1), ['splines::ns(x, df = 3)1', 'splines::ns(x, df = 3)2', 'splines::ns(x, df = 3)3']);
  close(rows035(fr), [1, 1, 1, 0, -0.0763927282334102, 0.3806060253668052, 0, 0.5030324296288557, 0.3322615632684799, 0, -0.3353549530859038, 0.2600850785322582]);
  fr = frame('y ~ ns(x, knots = c(4, 8)) + (1 | g)');
  assert.deepEqual(fr.coefnames.slice(1), ['ns(x, knots = c(4, 8))1', 'ns(x, knots = c(4, 8))2', 'ns(x, knots = c(4, 8))3']);
  close(rows035(fr), [1, 1, 1, 0, -0.0590226650142262, 0.3436138672153508, 0, 0.5277173456920292, 0.3384765801721296, 0, -0.3518115637946861, 0.2951822798852469]);
});

test('bs(x, df = 4, degree = 2) and bs(x) as the splines package', () => {
  let fr = frame('y ~ bs(x, df = 4, degree = 2) + (1 | g)');
  assert.deepEqual(fr.coefnames.slice(1), ['bs(x, df = 4, degree = 2)1', 'bs(x, df = 4, degree = 2)2', 'bs(x, df = 4, degree = 2)3', 'bs(x, df = 4, degree = 2)4']);
  close(rows035(fr), [1, 1, 1, 0, 0.632231404958678, 0, 0, 0.334710743801653, 0.148760330578512, 0, 0, 0.644628099173554, 0, 0, 0.206611570247934]);
  fr = frame('y ~ bs(x) + (1 | g)');
  close(rows035(fr), [1, 1, 1, 0, 0.4327573253193088, 0.0811419984973704, 0, 0.1622839969947408, 0.3651389932381668, 0, 0.0202854996243426, 0.5477084898572502]);
});

test('new data use the training basis (R predict on poly, ns, bs, scale), also beyond the range', () => {
  const fresh = readCsv('x\n0\n5.5\n13\n', 'new.csv');
  const known = new Map<string, Learned>();
  const locate = () => undefined;
  const train: EvalContext = { table, locate, learned: { known, record: true } };
  const apply: EvalContext = { table: fresh, locate, learned: { known, record: false } };
  const basis = (text: string): number[] => {
    const node = parseExpression(text);
    evalVariable(node, train);
    const v = evalVariable(node, apply);
    if (v.kind === 'matrix') return v.columns.flatMap((c) => Array.from(c));
    assert.equal(v.kind, 'numeric');
    return Array.from((v as { values: Float64Array }).values);
  };
  close(basis('poly(x, 2)'), [-0.5435573065046089, -0.0836242010007091, 0.5435573065046089, 0.8302975005345604, -0.2988158587088668, 0.8302975005345608], 1e-12);
  close(basis('ns(x, df = 3)'), [0.0691489844777878, 0.1211105125333983, -0.4350649350649352, -0.2074469534333633, 0.5374479515057405, 0.4870129870129873, 0.1382979689555755, -0.3563420853764791, 0.9480519480519478], 1e-12);
  close(basis('bs(x, df = 4, degree = 2)'), [-0.6570247933884299, 0.2985537190082643, 0, 0.0371900826446281, 0.6756198347107438, 0.0371900826446281, 0, 0.0258264462809918, -0.6570247933884295, 0, 0, 1.6198347107438016], 1e-12);
  close(basis('scale(x)'), [-1.802775637731995, -0.277350098112615, 1.802775637731995], 1e-12);
});

test('contrasts: C(f, sum), C(f, helmert), C(f, poly) and the contrasts: key give R names and codings', () => {
  let fr = frame('y ~ C(f, sum) + (1 | g)');
  assert.deepEqual(fr.coefnames, ['(Intercept)', 'C(f, sum)1', 'C(f, sum)2', 'C(f, sum)3']);
  close(rows035(fr), [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1]);
  fr = frame('y ~ C(f, helmert) + (1 | g)');
  assert.deepEqual(fr.coefnames.slice(1), ['C(f, helmert)1', 'C(f, helmert)2', 'C(f, helmert)3']);
  close(rows035(fr), [1, 1, 1, -1, 0, 0, -1, 2, 2, -1, -1, -1]);
  fr = frame('y ~ C(f, poly) + (1 | g)');
  assert.deepEqual(fr.coefnames.slice(1), ['C(f, poly).L', 'C(f, poly).Q', 'C(f, poly).C']);
  close(rows035(fr), [1, 1, 1, -0.670820393249937, 0.223606797749979, 0.223606797749979, 0.5, -0.5, -0.5, -0.223606797749979, -0.670820393249937, -0.670820393249937], 1e-12);
  fr = frame('y ~ f + (1 | g)', '  contrasts: f = sum\n');
  assert.deepEqual(fr.coefnames, ['(Intercept)', 'f1', 'f2', 'f3']);
  fr = frame('y ~ f + (1 | g)', '  contrasts: f = contr.poly\n');
  assert.deepEqual(fr.coefnames, ['(Intercept)', 'f.L', 'f.Q', 'f.C']);
});

test("contr.poly(5) equals R's printed values", () => {
  const cm = contrastMatrix('poly', ['1', '2', '3', '4', '5']);
  assert.deepEqual(cm.suffixes, ['.L', '.Q', '.C', '^4']);
  close(Array.from(cm.columns[0]), [-6.3245553203367588e-1, -3.1622776601683777e-1, 0, 3.1622776601683783e-1, 6.3245553203367588e-1], 1e-14);
  close(Array.from(cm.columns[1]), [0.53452248382484879, -0.2672612419124244, -0.53452248382484868, -0.2672612419124244, 0.53452248382484879], 1e-14);
  close(Array.from(cm.columns[3]), [0.11952286093343928, -0.47809144373375756, 0.71713716560063634, -0.47809144373375728, 0.11952286093343928], 1e-14);
  // mathematics: poly's basis of 1..5 is orthonormal
  const { columns } = polyBasis(Float64Array.from([1, 2, 3, 4, 5]), 4);
  for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) close([columns[a].reduce((s, v, i) => s + v * columns[b][i], 0)], [a === b ? 1 : 0], 1e-12);
});

test('comparisons, logic, strings and %in% give R\'s TRUE columns', () => {
  let fr = frame('y ~ I(s == "Yes") + I(x > 3 & x != 7) + I(!(x <= 2) | g == \'v\') + (1 | g)');
  assert.deepEqual(fr.coefnames, ['(Intercept)', 'I(s == "Yes")TRUE', 'I(x > 3 & x != 7)TRUE', 'I(!(x <= 2) | g == "v")TRUE']);
  close(rows035(fr), [1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1]);
  fr = frame('y ~ I(f %in% c("a", "d")) + (1 | g)');
  assert.deepEqual(fr.coefnames, ['(Intercept)', 'I(f %in% c("a", "d"))TRUE']);
  close(rows035(fr), [1, 1, 1, 1, 0, 0]);
});

test('named arguments and the elementwise functions', () => {
  // (R's model.matrix keeps collinear columns; the frame drops them as lme4 does, so they are fitted apart)
  let fr = frame('y ~ log(x, base = 2) + scale(x, center = TRUE) + as.numeric(factor(f)) + sin(x) + log1p(x) + expm1(x/10) + (1 | g)');
  assert.deepEqual(fr.coefnames, ['(Intercept)', 'log(x, base = 2)', 'scale(x, center = TRUE)', 'as.numeric(factor(f))', 'sin(x)', 'log1p(x)', 'expm1(x/10)']);
  close(rows035(fr), [
    1, 1, 1, 0, 2, 3.321928094887362, -1.52542553961938, -0.693375245281536, 0.970725343394151, 1, 3, 3, 0.841470984807897, -0.756802495307928, -0.54402111088937,
    0.693147180559945, 1.6094379124341, 2.397895272798371, 0.105170918075648, 0.49182469764127, 1.718281828459045,
  ], 1e-13);
  fr = frame('y ~ scale(x, scale = FALSE) + (1 | g)');
  assert.deepEqual(fr.coefnames, ['(Intercept)', 'scale(x, scale = FALSE)']);
  close(rows035(fr), [1, 1, 1, -5.5, -2.5, 3.5]);
  fr = frame('y ~ I(pi * x) + (1 | g)');
  close(rows035(fr), [1, 1, 1, 3.141592653589793, 12.566370614359172, 31.415926535897931], 1e-14);
});

test('relevel() and interaction() as R names and orders them', () => {
  let fr = frame('y ~ relevel(factor(f), ref = "b") + (1 | g)');
  assert.deepEqual(fr.coefnames.slice(1), ['relevel(factor(f), ref = "b")a', 'relevel(factor(f), ref = "b")c', 'relevel(factor(f), ref = "b")d']);
  close(rows035(fr), [1, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0]);
  fr = frame('y ~ interaction(f, g) + (1 | s)');
  assert.deepEqual(fr.coefnames.slice(1), ['interaction(f, g)b.u', 'interaction(f, g)c.u', 'interaction(f, g)d.u', 'interaction(f, g)a.v', 'interaction(f, g)b.v', 'interaction(f, g)c.v', 'interaction(f, g)d.v']);
});

test('bad calls are located errors', () => {
  const syntax = (formula: string) => parseMlm(`data: small.csv\nmodel m: ${formula}\n`).diagnostics;
  assert.match(syntax('y ~ poly(x, deg = 2) + (1 | g)')[0].message, /poly\(\) has no argument 'deg'/);
  assert.match(syntax('y ~ poly(x, 2, TRUE) + (1 | g)')[0].message, /by name \(raw = …\)/);
  assert.match(syntax('y ~ scale(x, center = ) + (1 | g)')[0].message, /value is missing/);
  assert.match(syntax('y ~ x = 2 + (1 | g)')[0].message, /'='.*'=='/);
  assert.match(syntax('y ~ foo::ns(x) + (1 | g)')[0].message, /unknown function 'foo::ns'/);
  const err = (formula: string, extra = ''): MlmError => {
    const doc = parseMlm(`data: small.csv\nmodel m: ${formula}\n${extra}`);
    assert.deepEqual(doc.diagnostics, []);
    try {
      buildModelFrame(doc, doc.models[0], table);
    } catch (e) {
      assert.ok(e instanceof MlmError, String(e));
      return e;
    }
    return assert.fail('expected an MlmError');
  };
  let e = err('y ~ relevel(f, ref = "z") + (1 | g)');
  assert.match(e.message, /'ref' must be one of the levels of f/);
  assert.equal(e.diagnostic.range?.start.line, 1);
  e = err('y ~ poly(x, 12) + (1 | g)');
  assert.match(e.message, /less than the number of distinct values/);
  e = err('y ~ C(f, foo) + (1 | g)');
  assert.match(e.message, /unknown contrasts 'foo'/);
  e = err('y ~ I(f < "b") + (1 | g)');
  assert.match(e.message, /not meaningful for categorical/);
  e = err('y ~ x + (1 | g)', '  contrasts: x = sum\n');
  assert.match(e.message, /'x' is not categorical/);
  e = err('y ~ x + (1 | g)', '  contrasts: h = sum\n');
  assert.match(e.message, /'h' is not a categorical variable/);
  assert.equal(e.diagnostic.range?.start.line, 2);
});
