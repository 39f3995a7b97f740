import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirnameUri, isInside, normalizeUri, relativePath, resolveRelative } from '../../server/src/uris';
import { cursorContext } from '../../server/src/cursorContext';

test('resolveRelative: relative to the folder of the document, .. handled, never above the root', () => {
  assert.equal(resolveRelative('file:///home/a/models/x.mlm', 'data.csv'), 'file:///home/a/models/data.csv');
  assert.equal(resolveRelative('file:///home/a/models/x.mlm', '../data/d.csv'), 'file:///home/a/data/d.csv');
  assert.equal(resolveRelative('file:///home/a/models/x.mlm', './sub\\d.csv'), 'file:///home/a/models/sub/d.csv');
  assert.equal(resolveRelative('file:///x.mlm', '../../d.csv'), null);
  assert.equal(resolveRelative('file:///home/a/x.mlm', 'my data.csv'), 'file:///home/a/my%20data.csv');
  assert.equal(resolveRelative('vscode-test-web://mount/ex/x.mlm', 'd.csv'), 'vscode-test-web://mount/ex/d.csv');
});

test('isInside: the workspace folder and below only', () => {
  assert.ok(isInside('file:///home/a', 'file:///home/a/b/c.csv'));
  assert.ok(isInside('file:///home/a/', 'file:///home/a/c.csv'));
  assert.ok(!isInside('file:///home/a', 'file:///home/ab/c.csv'));
  assert.ok(!isInside('file:///home/a', 'file:///etc/passwd'));
  assert.ok(!isInside('file:///home/a', 'vscode-vfs://home/a/c.csv'));
  assert.ok(isInside('file:///c%3A/Users/me', 'file:///C:/Users/me/d.csv'));
});

test('dirnameUri, relativePath, normalizeUri', () => {
  assert.equal(dirnameUri('file:///home/a/x.mlm'), 'file:///home/a');
  assert.equal(relativePath('file:///home/a/m/x.mlm', 'file:///home/a/d/y.csv'), '../d/y.csv');
  assert.equal(normalizeUri('file:///home/a/my%20data.csv'), normalizeUri('file:///home/a/my data.csv'));
});

test('cursorContext: keys, formula sides, grouping after |, values of other keys', () => {
  const lines = ['data: x.csv', 'model a:', '  formula: y ~ x + (x | g', '  fa', 'compare: a, ', 'levels: s = P, '];
  assert.deepEqual(cursorContext(lines, 3, 4), { kind: 'key', inModel: true, start: 2 });
  assert.equal(cursorContext(lines, 0, 7).kind, 'data');
  const lhs = cursorContext(['  formula: y'], 0, 12);
  assert.deepEqual(lhs, { kind: 'formula', part: 'lhs', start: 11, typed: 'y' });
  assert.equal((cursorContext(lines, 2, 18) as { part: string }).part, 'rhs');
  assert.equal((cursorContext(lines, 2, 26) as { part: string }).part, 'grouping');
  assert.deepEqual(cursorContext(lines, 4, 12), { kind: 'compare', start: 12, typed: '', listed: ['a'] });
  assert.deepEqual(cursorContext(lines, 5, 15), { kind: 'levelValues', column: 's', start: 15, typed: '', listed: ['P'] });
  assert.equal(cursorContext(['# formula: y ~ '], 0, 14).kind, 'none');
  // a model name being typed follows the parser's model-name grammar ('-' included)
  assert.deepEqual(cursorContext(['model m-1'], 0, 9), { kind: 'modelName', start: 6 });
  assert.deepEqual(cursorContext(['model '], 0, 6), { kind: 'modelName', start: 6 });
  // Continuation lines of a formula.
  const multi = ['model a:', '  formula: y ~ x +', '      z + (1 | g', '  method: ML'];
  assert.equal((cursorContext(multi, 2, 7) as { part: string }).part, 'rhs');
  assert.equal((cursorContext(multi, 2, 16) as { part: string }).part, 'grouping');
  assert.equal(cursorContext(multi, 3, 10).kind, 'method');
  assert.equal(cursorContext(['data: x.csv', '  zz'], 1, 4).kind, 'key');
  assert.equal((cursorContext(['derive: m = mean(ses) by sc'], 0, 27) as { part: string }).part, 'grouping');
  assert.equal(cursorContext(['derive: m = mean(s'], 0, 18).kind, 'columns');
});
