import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFormula, parseExpression } from '../../engine/src/formula/parser';
import { FormulaSyntaxError, type Node } from '../../engine/src/formula/ast';
import { deparse } from '../../engine/src/formula/deparse';
import { expandTerms } from '../../engine/src/formula/terms';
import { randomTerms, noBars } from '../../engine/src/frame/bars';
import { suggestName } from '../../engine/src/formula/suggest';

function syntaxError(text: string): FormulaSyntaxError {
  try {
    parseFormula(text);
  } catch (e) {
    assert.ok(e instanceof FormulaSyntaxError, String(e));
    return e;
  }
  assert.fail(`no syntax error for ${text}`);
}

function labels(text: string): { labels: string[]; intercept: boolean } {
  const f = parseFormula(text);
  const t = expandTerms(noBars(f.rhs));
  return { labels: t.terms.map((x) => x.label), intercept: t.intercept };
}

test('term expansion follows R terms(): order by interaction order, variables by first appearance', () => {
  assert.deepEqual(labels('y ~ meanses * cses + sector * cses + (cses | school)'), {
    labels: ['meanses', 'cses', 'sector', 'meanses:cses', 'cses:sector'],
    intercept: true,
  });
  assert.deepEqual(labels('y ~ (a + b + c)^2').labels, ['a', 'b', 'c', 'a:b', 'a:c', 'b:c']);
  assert.deepEqual(labels('y ~ (a + b + c)^3').labels, ['a', 'b', 'c', 'a:b', 'a:c', 'b:c', 'a:b:c']);
  assert.deepEqual(labels('y ~ b:a + a').labels, ['a', 'b:a']);
  assert.deepEqual(labels('y ~ a/b').labels, ['a', 'a:b']);
  assert.deepEqual(labels('y ~ (a + b)/c').labels, ['a', 'b', 'a:b:c']);
  assert.deepEqual(labels('y ~ a*b - a:b').labels, ['a', 'b']);
  assert.deepEqual(labels('y ~ a + b - a').labels, ['b']);
  assert.deepEqual(labels('y ~ a %in% b').labels, ['a:b']);
  assert.deepEqual(labels('y ~ a:a').labels, ['a']);
  assert.deepEqual(labels('y ~ x + offset(log(t))').labels, ['x']);
});

test('intercept: 1, 0, -1, + 0 and the default', () => {
  assert.equal(labels('y ~ x').intercept, true);
  assert.equal(labels('y ~ 0 + x').intercept, false);
  assert.equal(labels('y ~ x + 0').intercept, false);
  assert.equal(labels('y ~ x - 1').intercept, false);
  assert.equal(labels('y ~ -1 + x').intercept, false);
  assert.equal(labels('y ~ 1').intercept, true);
  assert.deepEqual(labels('y ~ 1').labels, []);
  assert.equal(labels('y ~ 1 + (1 | g)').intercept, true);
  assert.equal(labels('y ~ (1 | g)').intercept, true);
});

test("deparse gives R's names", () => {
  const names = (t: string) => expandTerms(parseFormula(t).rhs).variables.map((v) => v.name);
  assert.deepEqual(names('y ~ I(age^2) + log(age) + factor(period)'), ['I(age^2)', 'log(age)', 'factor(period)']);
  assert.deepEqual(names('y ~ I(x*2-z/3) + sqrt(abs(x)) + log(x+1)'), ['I(x * 2 - z/3)', 'sqrt(abs(x))', 'log(x + 1)']);
  assert.equal(deparse(parseFormula('cbind(incidence,size-incidence) ~ 1').lhs!), 'cbind(incidence, size - incidence)');
  assert.equal(deparse(parseExpression('-x + 1e5')), '-x + 1e+05');
  assert.equal(deparse(parseExpression('größe + `my col`')), 'größe + `my col`');
});

test('random terms: |, ||, a/b, a:b, several crossed and nested terms', () => {
  const rt = (t: string) => randomTerms(parseFormula(t).rhs).map((r) => [r.text, r.group, r.fromDoubleBar]);
  assert.deepEqual(rt('y ~ Days + (Days | Subject)'), [['(Days | Subject)', 'Subject', false]]);
  assert.deepEqual(rt('y ~ Days + (Days || Subject)'), [
    ['(1 | Subject)', 'Subject', true],
    ['(0 + Days | Subject)', 'Subject', true],
  ]);
  assert.deepEqual(rt('y ~ (0 + x + z || g)'), [
    ['(0 + x | g)', 'g', true],
    ['(0 + z | g)', 'g', true],
  ]);
  assert.deepEqual(rt('y ~ 1 + (1 | batch/cask)'), [
    ['(1 | cask:batch)', 'cask:batch', false],
    ['(1 | batch)', 'batch', false],
  ]);
  assert.deepEqual(rt('y ~ (1 | a/b/c)').map((r) => r[1]), ['c:(b:a)', 'b:a', 'a']);
  assert.deepEqual(rt('y ~ (1 | dept:service) + (1 | s) + (1 | d)').map((r) => r[1]), ['dept:service', 's', 'd']);
  assert.deepEqual(rt('y ~ (x || a/b)').map((r) => r[0]), ['(1 | b:a)', '(1 | a)', '(0 + x | b:a)', '(0 + x | a)']);
  const f = 'y ~ x + (1 | g) + (x | h)';
  const terms = randomTerms(parseFormula(f).rhs);
  assert.equal(f.slice(terms[0].span.start, terms[0].span.end), '(1 | g)');
  assert.equal(f.slice(terms[1].span.start, terms[1].span.end), '(x | h)');
  assert.equal(deparse(noBars(parseFormula(f).rhs)!), 'x');
});

test('syntax errors are located', () => {
  let e = syntaxError('y ~ x + (1 | g');
  assert.match(e.message, /unbalanced parenthesis/);
  assert.deepEqual(e.span, { start: 8, end: 9 });
  e = syntaxError('y ~ x + 1 | g)');
  assert.match(e.message, /no matching '\('/);
  assert.deepEqual(e.span, { start: 13, end: 14 });
  e = syntaxError('y ~ x + (1 | | g)');
  assert.match(e.message, /empty term between '\|' and '\|'/);
  assert.equal(e.span.start, 11);
  e = syntaxError('y ~ x + + z');
  assert.match(e.message, /empty term/);
  e = syntaxError('y ~ x +');
  assert.match(e.message, /ends with '\+'/);
  assert.deepEqual(e.span, { start: 6, end: 7 });
  e = syntaxError('y ~ x + (1 | )');
  assert.match(e.message, /missing after '\|'/);
  e = syntaxError('y ~ lgo(x)');
  assert.equal(e.code, 'unknown-function');
  assert.match(e.message, /unknown function 'lgo' \(did you mean 'log'\?\)/);
  assert.deepEqual(e.span, { start: 4, end: 7 });
  e = syntaxError('y x');
  assert.match(e.message, /'~'/);
  e = syntaxError('y ~ x ~ z');
  assert.match(e.message, /single '~'/);
  e = syntaxError('y ~ x z');
  assert.match(e.message, /operator such as '\+' is missing/);
  assert.deepEqual(e.span, { start: 6, end: 7 });
  e = syntaxError('y ~ ()');
  assert.match(e.message, /empty parentheses/);
  e = syntaxError('y ~ x + "a');
  assert.match(e.message, /unclosed quote/);
  e = syntaxError('');
  assert.match(e.message, /empty/);
});

test('formula AST spans point into the text', () => {
  const text = 'mathach ~ meanses * cses + (cses | school)';
  const f = parseFormula(text);
  assert.equal(text.slice(f.lhs!.span.start, f.lhs!.span.end), 'mathach');
  assert.equal(text.slice(f.tilde.start, f.tilde.end), '~');
  assert.equal(text.slice(f.rhs.span.start, f.rhs.span.end), 'meanses * cses + (cses | school)');
});

test('did-you-mean suggestions', () => {
  assert.equal(suggestName('Reacton', ['Reaction', 'Days', 'Subject']), 'Reaction');
  assert.equal(suggestName('days', ['Reaction', 'Days', 'Subject']), 'Days');
  assert.equal(suggestName('qqqqq', ['Reaction', 'Days', 'Subject']), undefined);
  assert.equal(suggestName('sess', ['ses', 'sex', 'size']), 'ses');
});

// Reproducers of the reliability report (issue 18, items 1 and 2): no stack overflow, no freeze, a located error.
test('powers: beyond the integer range is refused as R does; large powers stop once the terms stop changing', () => {
  let e = syntaxErrorOfTerms('Reaction ~ Days^1e308');
  assert.match(e.message, /invalid power in formula/);
  e = syntaxErrorOfTerms('Reaction ~ Days^2147483648');
  assert.match(e.message, /invalid power/);
  // (a + b + c)^k for any k ≥ 3 is the full three-way expansion
  const big = expandTerms(parseFormula('y ~ (x1 + x2 + f)^1000000').rhs);
  assert.deepEqual(big.terms.map((t) => t.label), ['x1', 'x2', 'f', 'x1:x2', 'x1:f', 'x2:f', 'x1:x2:f']);
  assert.deepEqual(expandTerms(parseFormula('y ~ Days^100000000').rhs).terms.map((t) => t.label), ['Days']);
});

test('deep nesting and long chains are located syntax errors, not stack overflows', () => {
  let e = syntaxError('y ~ ' + '('.repeat(1000) + 'x' + ')'.repeat(1000));
  assert.equal(e.code, 'too-deep');
  assert.match(e.message, /nests too deeply/);
  e = syntaxError('y ~ ' + '-'.repeat(10000) + 'x');
  assert.equal(e.code, 'too-deep');
  e = syntaxError('y ~ ' + Array.from({ length: 3000 }, (_, i) => `x${i}`).join(' + '));
  assert.equal(e.code, 'too-deep');
  assert.match(e.message, /too long/);
  assert.ok(e.span.start > 0 && e.span.end <= 3000 * 8);
  e = syntaxError('y ~ x + ' + 'log('.repeat(500) + 'x' + ')'.repeat(500));
  assert.equal(e.code, 'too-deep');
  e = syntaxError('y ~ x' + ' + (1 | g)'.repeat(3000));
  assert.equal(e.code, 'too-deep');
  assert.throws(() => parseExpression(Array.from({ length: 5000 }, () => 'w').join(' + ')), /too long/);
  // what fits within the bounds still parses: 400 terms, 90 parentheses
  assert.equal(expandTerms(parseFormula('y ~ ' + Array.from({ length: 400 }, (_, i) => `x${i}`).join(' + ')).rhs).terms.length, 400);
  assert.equal(parseFormula('y ~ ' + '('.repeat(90) + 'x' + ')'.repeat(90)).rhs.type, 'paren');
});

test('R syntax: strings, comparisons, logic, named arguments and pkg:: names parse and deparse as R', () => {
  const d = (t: string) => deparse(parseFormula(`y ~ ${t}`).rhs);
  assert.equal(d("I(minority=='Yes')"), 'I(minority == "Yes")');
  assert.equal(d('I(!a<=2|b>3&c!=1)'), 'I(!a <= 2 | b > 3 & c != 1)');
  assert.equal(d('splines::ns(Days,df=3)'), 'splines::ns(Days, df = 3)');
  assert.equal(d('scale(x,scale=FALSE)'), 'scale(x, scale = FALSE)');
  assert.equal(d('I(g %in% c("a","b"))'), 'I(g %in% c("a", "b"))');
  // precedence: comparison below +, ! below comparison, & below !, | lowest
  const rhs = parseFormula('y ~ I(!a + 1 == b & c | d)').rhs as Extract<Node, { type: 'call' }>;
  const top = rhs.args[0] as Extract<Node, { type: 'binary' }>;
  assert.equal(top.op, '|');
  assert.equal((top.left as Extract<Node, { type: 'binary' }>).op, '&');
  // a comparison outside I() is one variable, as in R
  assert.deepEqual(expandTerms(parseFormula('y ~ x > 3 + z').rhs).terms.map((t) => t.label), ['x > 3 + z']);
  assert.throws(() => parseFormula('y ~ I(a < b < c)'), /cannot be chained/);
});

function syntaxErrorOfTerms(text: string): FormulaSyntaxError {
  try {
    expandTerms(parseFormula(text).rhs);
  } catch (e) {
    assert.ok(e instanceof FormulaSyntaxError);
    return e;
  }
  return assert.fail('expected a FormulaSyntaxError');
}
