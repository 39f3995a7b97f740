import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFormula, parseExpression } from '../../engine/src/formula/parser';
import { FormulaSyntaxError } from '../../engine/src/formula/ast';
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
