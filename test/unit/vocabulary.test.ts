/**
 * The .mlm vocabulary is one table per kind of word (mlmfile/keys.ts, formula/functions.ts) and the parser,
 * completion and hovers all read it: what is offered is what parses (and, for GLM families, what fits).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_LINK,
  FAMILY_DOCS,
  FAMILY_LINKS,
  LINK_DOCS,
  METHOD_DOCS,
  DATA_ENGINES,
  MODEL_KEYS,
  FILE_KEYS,
  isModelName,
} from '../../engine/src/mlmfile/keys';
import { parseMlm } from '../../engine/src/mlmfile/parse';
import { FUNCTION_SPECS, NUMERIC_FUNCTIONS, FORMULA_FUNCTIONS, DERIVE_FUNCTIONS } from '../../engine/src/formula/functions';
import { parseFormula } from '../../engine/src/formula/parser';
import { makeFamily } from '../../engine/src/glmm/family';
import type { FamilyName, LinkName } from '../../engine/src/frame/types';

const errors = (text: string) => parseMlm(text).diagnostics.filter((d) => d.severity === 'error');
const model = (lines: string[]) => ['data: d.csv', 'model m:', '  formula: y ~ x + (1 | g)', ...lines.map((l) => `  ${l}`)].join('\n');

test('every family and link offered has a description and parses; the default link is one of its links', () => {
  for (const [family, links] of Object.entries(FAMILY_LINKS)) {
    assert.ok(FAMILY_DOCS[family], `no description for family ${family}`);
    assert.ok(links.includes(DEFAULT_LINK[family]), `${family}: default link ${DEFAULT_LINK[family]}`);
    assert.deepEqual(errors(model([`family: ${family}`])), [], family);
    for (const link of links) {
      assert.ok(LINK_DOCS[link], `no description for link ${link}`);
      assert.deepEqual(errors(model([`family: ${family}(${link})`])), [], `${family}(${link})`);
      assert.deepEqual(errors(model([`family: ${family}`, `link: ${link}`])), [], `${family} + link: ${link}`);
    }
  }
  // a link of another family is refused, with the family's links in the message
  const bad = errors(model(['family: poisson(logit)']));
  assert.equal(bad[0]?.code, 'bad-link');
  assert.match(bad[0].message, new RegExp(`use ${FAMILY_LINKS.poisson.join(', ')}`));
});

test('every generalized family and link the vocabulary offers has a family object', () => {
  for (const [family, links] of Object.entries(FAMILY_LINKS)) {
    if (family === 'gaussian') continue; // gaussian(identity) is lmer; see the report on gaussian(log)
    for (const link of links) {
      const f = makeFamily(family as FamilyName, link as LinkName);
      assert.equal(f.name, family);
      assert.equal(f.link.name, link);
    }
  }
});

test('engine: accepts exactly the engines described', () => {
  for (const e of Object.keys(DATA_ENGINES)) assert.deepEqual(errors(`data: d.csv\nengine: ${e}\nmodel m:\n  formula: y ~ 1 + (1 | g)\n`), [], e);
  assert.equal(errors('data: d.csv\nengine: toString\nmodel m:\n  formula: y ~ 1 + (1 | g)\n')[0]?.code, 'unknown-engine');
});

test('method: accepts exactly the methods described', () => {
  for (const m of Object.keys(METHOD_DOCS)) assert.deepEqual(errors(model([`method: ${m}`])), [], m);
  assert.equal(errors(model(['method: OLS']))[0]?.code, 'bad-value');
  assert.equal(errors(model(['method: toString']))[0]?.code, 'bad-value');
});

test('every key has a description; the parser knows file keys from model keys', () => {
  for (const [k, doc] of [...Object.entries(FILE_KEYS), ...Object.entries(MODEL_KEYS)]) assert.ok(doc.length > 10, k);
  assert.equal(errors('data: d.csv\nmodel m:\n  formula: y ~ x + (1 | g)\n  colour: red\n')[0]?.code, 'unknown-key');
});

test('functions: one table; formula functions parse in formulas, derive-only ones do not', () => {
  const names = FUNCTION_SPECS.map((f) => f.name);
  assert.equal(new Set(names).size, names.length, 'a function listed twice');
  for (const f of FUNCTION_SPECS) {
    assert.ok(f.doc.length > 5 && f.signature.startsWith(`${f.name}(`), f.name);
    // (an argument R would misread by position, such as poly's raw, is written by name)
    const call = f.variadic ? `${f.name}(a, b)` : `${f.name}(${f.params.map((p) => (p.namedOnly ? `${p.name} = x` : 'x')).join(', ')})`;
    if (f.where === 'derive') {
      assert.ok(DERIVE_FUNCTIONS.has(f.name) && !FORMULA_FUNCTIONS.has(f.name), f.name);
      assert.throws(() => parseFormula(`y ~ ${call}`), Error, `${f.name} should not parse in a formula`);
    } else {
      assert.ok(FORMULA_FUNCTIONS.has(f.name), f.name);
      const text = f.lhsOnly ? `${call} ~ 1` : `y ~ ${call}`;
      assert.doesNotThrow(() => parseFormula(text), `${text}`);
    }
    if (f.where === 'any') assert.ok(DERIVE_FUNCTIONS.has(f.name), f.name);
  }
  // the elementwise functions the evaluator applies are all in the table, usable anywhere
  for (const name of Object.keys(NUMERIC_FUNCTIONS)) assert.equal(FUNCTION_SPECS.find((f) => f.name === name)?.where, 'any', name);
  for (const name of ['scale', 'log2', 'log10', 'log1p']) assert.ok(names.includes(name), name);
});

test('one model-name grammar: the parser accepts exactly the names isModelName accepts', () => {
  const names = ['m', 'm-1', 'my-model', 'full_ml', '_a', 'a.b', 'M2', '1m', '-a', '.a', 'a b', 'a+b', 'é', 'a/b', 'x'.repeat(201)];
  for (const name of names) {
    const doc = parseMlm(`data: d.csv\nmodel ${name}:\n  formula: y ~ x + (1 | g)\n`);
    const nameErrors = doc.diagnostics.filter((d) => d.code === 'model-name');
    assert.equal(nameErrors.length === 0, isModelName(name), `${name}: parser and grammar disagree`);
  }
  for (const good of ['m-1', 'my-model', '_a', 'a.b']) assert.ok(isModelName(good), good);
  for (const bad of ['1m', '-a', '.a', 'a b', '', 'a\nb', 5, null]) assert.ok(!isModelName(bad), String(bad));
});
