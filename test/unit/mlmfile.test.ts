import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMlm } from '../../engine/src/mlmfile/parse';
import { rangeOfSpan, positionAt } from '../../engine/src/mlmfile/textmap';
import { modelSettings } from '../../engine/src/mlmfile/spec';
import type { SourceRange } from '../../engine/src/diagnostics';

const EXAMPLE = `# High School and Beyond, from the lecture notes
data: mathach.csv                  # relative to this file
levels: sector = Public, Catholic  # level order of a factor
factors: period
derive: meanses = mean(ses) by school
derive: cses = ses - mean(ses) by school

model bryk:
  formula: mathach ~ meanses * cses + sector * cses + (cses | school)
  method: REML

model empty:
  formula: mathach ~ 1 + (1 | school)
  method: ML

compare: empty, bryk
`;
const lines = EXAMPLE.split('\n');
function textAt(r: SourceRange, src = lines): string {
  if (r.start.line === r.end.line) return src[r.start.line].slice(r.start.character, r.end.character);
  const parts = [src[r.start.line].slice(r.start.character)];
  for (let l = r.start.line + 1; l < r.end.line; l++) parts.push(src[l]);
  parts.push(src[r.end.line].slice(0, r.end.character));
  return parts.join('\n');
}

test('the example document: every key, value and name with its range', () => {
  const doc = parseMlm(EXAMPLE);
  assert.deepEqual(doc.diagnostics, []);
  assert.equal(doc.data!.value, 'mathach.csv');
  assert.equal(textAt(doc.data!.range), 'mathach.csv');
  assert.equal(doc.levels.length, 1);
  assert.equal(doc.levels[0].factor.value, 'sector');
  assert.deepEqual(doc.levels[0].levels.map((l) => [l.value, textAt(l.range)]), [
    ['Public', 'Public'],
    ['Catholic', 'Catholic'],
  ]);
  assert.deepEqual(doc.factors.map((f) => [f.value, textAt(f.range)]), [['period', 'period']]);
  assert.equal(doc.derives.length, 2);
  const [d1, d2] = doc.derives;
  assert.equal(d1.name.value, 'meanses');
  assert.equal(textAt(d1.expr.range), 'mean(ses)');
  assert.equal(textAt(d1.by!.range), 'school');
  assert.equal(d2.expr.text, 'ses - mean(ses)');
  assert.ok(d2.expr.ast);
  assert.deepEqual(doc.models.map((m) => m.name), ['bryk', 'empty']);
  const bryk = doc.models[0];
  assert.equal(textAt(bryk.nameRange), 'bryk');
  assert.equal(bryk.implicit, false);
  assert.equal(textAt(bryk.formula!.range), 'mathach ~ meanses * cses + sector * cses + (cses | school)');
  assert.equal(bryk.method!.value, 'REML');
  assert.equal(textAt(bryk.method!.range), 'REML');
  assert.deepEqual(bryk.range.start, { line: 7, character: 0 });
  assert.deepEqual(bryk.range.end.line, 9);
  assert.deepEqual(doc.compares[0].models.map((m) => [m.value, textAt(m.range)]), [
    ['empty', 'empty'],
    ['bryk', 'bryk'],
  ]);
  assert.deepEqual(modelSettings(doc.models[1]), { family: 'gaussian', link: 'identity', REML: false, nAGQ: 1 });
  assert.deepEqual(modelSettings(bryk), { family: 'gaussian', link: 'identity', REML: true, nAGQ: 1 });
  const keys = doc.entries.map((e) => [e.key, textAt(e.keyRange), e.model ?? null]);
  assert.deepEqual(keys[0], ['data', 'data', null]);
  assert.deepEqual(keys[5], ['formula', 'formula', 'bryk']);
  assert.deepEqual(keys[6], ['method', 'method', 'bryk']);
});

test('formula AST spans map to document ranges, also on continuation lines', () => {
  const src = 'data: d.csv\nmodel m:\n  formula: y ~ x +   # first line\n      z +\n    (1 | g)\n  method: ML\n';
  const doc = parseMlm(src);
  assert.deepEqual(doc.diagnostics, []);
  const f = doc.models[0].formula!;
  assert.equal(f.text, 'y ~ x + z + (1 | g)');
  const srcLines = src.split('\n');
  const ast = f.ast!;
  const rhs = ast.rhs;
  assert.equal(rhs.type, 'binary');
  if (rhs.type !== 'binary') return;
  assert.equal(textAt(rangeOfSpan(f, rhs.right.span), srcLines), '(1 | g)');
  assert.deepEqual(rangeOfSpan(f, rhs.right.span).start, { line: 4, character: 4 });
  const z = f.text.indexOf('z');
  assert.deepEqual(positionAt(f, z), { line: 3, character: 6 });
  assert.equal(doc.models[0].method!.value, 'ML');
  // a syntax error on a continuation line is located there
  const bad = parseMlm('data: d.csv\nformula: y ~ x +\n    (1 | | g)\n');
  assert.equal(bad.diagnostics.length, 1);
  assert.equal(bad.diagnostics[0].code, 'syntax');
  assert.deepEqual(bad.diagnostics[0].range!.start, { line: 2, character: 7 });
});

test('a formula that starts on the line after its key', () => {
  const doc = parseMlm('data: d.csv\nmodel m:\n  formula:\n    y ~ x +\n    (1 | g)\n');
  assert.deepEqual(doc.diagnostics, []);
  const f = doc.models[0].formula!;
  assert.equal(f.text, 'y ~ x + (1 | g)');
  assert.deepEqual(f.range, { start: { line: 3, character: 4 }, end: { line: 4, character: 11 } });
  assert.deepEqual(positionAt(f, 0), { line: 3, character: 4 });
});

test('a file with one unnamed model: its name is model', () => {
  const doc = parseMlm('data: s.csv\nformula: Reaction ~ Days + (Days | Subject)\nfamily: gaussian\n');
  assert.deepEqual(doc.diagnostics, []);
  assert.equal(doc.models.length, 1);
  assert.equal(doc.models[0].name, 'model');
  assert.equal(doc.models[0].implicit, true);
  assert.equal(doc.models[0].formula!.text, 'Reaction ~ Days + (Days | Subject)');
});

test('family, link and nAGQ', () => {
  const doc = parseMlm(
    'data: c.csv\nmodel a:\n  formula: cbind(i, n - i) ~ 1 + (1 | h)\n  family: binomial(probit)\n  nAGQ: 9\nmodel b:\n  formula: t ~ 1 + (1 | h)\n  family: poisson\nmodel c:\n  formula: r ~ 1 + (1 | h)\n  family: binomial\n  link: cloglog\n',
  );
  assert.deepEqual(doc.diagnostics, []);
  assert.deepEqual(modelSettings(doc.models[0]), { family: 'binomial', link: 'probit', REML: false, nAGQ: 9 });
  assert.deepEqual(modelSettings(doc.models[1]), { family: 'poisson', link: 'log', REML: false, nAGQ: 1 });
  assert.deepEqual(modelSettings(doc.models[2]), { family: 'binomial', link: 'cloglog', REML: false, nAGQ: 1 });
});

test('diagnostics: unknown key with did-you-mean, duplicates, missing data, unknown compare models', () => {
  const src = 'model a:\n  formla: y ~ x\n  formula: y ~ 1 + (1 | g)\n  metod: ML\nmodel a:\n  formula: y ~ (1 | g)\ncompare: a, bb\n';
  const doc = parseMlm(src);
  const srcLines = src.split('\n');
  const byCode = (c: string) => doc.diagnostics.filter((d) => d.code === c);
  const unknown = byCode('unknown-key');
  assert.equal(unknown.length, 2);
  assert.match(unknown[0].message, /unknown key 'formla' in model 'a' \(did you mean 'formula'\?\)/);
  assert.equal(textAt(unknown[0].range!, srcLines), 'formla');
  assert.deepEqual(unknown[0].data, { suggestion: 'formula' });
  assert.deepEqual(unknown[1].data, { suggestion: 'method' });
  const dup = byCode('duplicate-model');
  assert.equal(dup.length, 1);
  assert.deepEqual(dup[0].range!.start, { line: 4, character: 6 });
  assert.equal(byCode('missing-data').length, 1);
  const um = byCode('unknown-model');
  assert.equal(um.length, 1);
  assert.equal(textAt(um[0].range!, srcLines), 'bb');
  assert.equal(byCode('compare-size').length, 0);
});

test('diagnostics: bad values are located and parsing goes on', () => {
  const src = 'data: d.csv\nmodel a:\n  formula: y ~ x + (1 | g\n  method: RMEL\n  family: binomal\n  nAGQ: two\nmodel b:\n  method: ML\nwhatever\n';
  const doc = parseMlm(src);
  const codes = doc.diagnostics.map((d) => d.code).sort();
  assert.deepEqual(codes, ['bad-family', 'bad-value', 'bad-value', 'missing-formula', 'syntax', 'syntax']);
  const fam = doc.diagnostics.find((d) => d.code === 'bad-family')!;
  assert.match(fam.message, /did you mean 'binomial'/);
  assert.deepEqual(fam.range, { start: { line: 4, character: 10 }, end: { line: 4, character: 17 } });
  assert.equal(doc.models.length, 2);
  const missing = doc.diagnostics.find((d) => d.code === 'missing-formula')!;
  assert.deepEqual(missing.range!.start, { line: 6, character: 6 });
});

test('a model key at column 1 after model blocks is reported as misplaced', () => {
  const doc = parseMlm('data: d.csv\nmodel a:\n  formula: y ~ 1 + (1 | g)\nmethod: ML\n');
  assert.deepEqual(doc.diagnostics.map((d) => [d.code, d.range!.start.line]), [['misplaced-key', 3]]);
  assert.equal(doc.models.find((m) => m.name === 'a')!.method, null);
});

test('an indented model header is reported and still read', () => {
  const doc = parseMlm('data: d.csv\nmodel a:\n  formula: y ~ 1 + (1 | g)\n  model b:\n  formula: y ~ (1 | h)\n');
  assert.deepEqual(doc.diagnostics.map((d) => d.code), ['indentation']);
  assert.deepEqual(doc.models.map((m) => [m.name, m.formula?.text]), [
    ['a', 'y ~ 1 + (1 | g)'],
    ['b', 'y ~ (1 | h)'],
  ]);
  assert.deepEqual(doc.models[1].nameRange, { start: { line: 3, character: 8 }, end: { line: 3, character: 9 } });
});

test('unknown function: did-you-mean in data for a quick fix', () => {
  const doc = parseMlm('data: d.csv\nformula: y ~ lg(x) + (1 | g)\n');
  assert.deepEqual(doc.diagnostics.map((d) => [d.code, d.data]), [['unknown-function', { suggestion: 'log' }]]);
  assert.deepEqual(doc.diagnostics[0].range, { start: { line: 1, character: 13 }, end: { line: 1, character: 15 } });
});

test('comments: anywhere, but not inside quotes', () => {
  const doc = parseMlm('# header\ndata: "my #1 data.csv"  # the data\n  # indented comment\nformula: y ~ x + (1 | g) # comment\n');
  assert.deepEqual(doc.diagnostics, []);
  assert.equal(doc.data!.value, 'my #1 data.csv');
  assert.equal(doc.models[0].formula!.text, 'y ~ x + (1 | g)');
});

test('levels with quoted names, a model header with an inline formula, GLMM method warning', () => {
  const doc = parseMlm('data: d.csv\nlevels: grade = "low", "mid high"\nmodel q: y ~ x + (1 | g)\nmodel r:\n  formula: s ~ 1 + (1 | g)\n  family: poisson\n  method: REML\n');
  assert.deepEqual(doc.levels[0].levels.map((l) => l.value), ['low', 'mid high']);
  assert.equal(doc.models[0].formula!.text, 'y ~ x + (1 | g)');
  assert.deepEqual(doc.diagnostics.map((d) => [d.severity, d.code]), [['warning', 'ignored-key']]);
});

test('never throws on arbitrary input', () => {
  const junk = ['', '\n\n', ':', 'model', 'model :', 'model a:\n  :', '  x', 'data:', 'derive: = 1', 'derive: x = mean(', 'levels: f', 'levels: = a', 'compare:', 'model a:\n  formula: ~', '\u0000\u{1F600}'];
  for (const s of junk) {
    const doc = parseMlm(s);
    assert.ok(Array.isArray(doc.diagnostics));
  }
  const fuzz = 'data: x.csv\nmodel a:\n  formula: y ~ (x | g) + (1 || h)\n';
  for (let i = 0; i < fuzz.length; i++) parseMlm(fuzz.slice(0, i));
});
