import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const runner = join(root, 'node_modules', 'vscode-tmgrammar-test', 'dist', 'unit.js');
const grammar = join(root, 'syntaxes', 'mlm.tmLanguage.json');

function runGrammarTest(fixture: string): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [runner, '-c', '-g', grammar, join('test', 'grammar', 'fixtures', fixture)], {
    cwd: root,
    encoding: 'utf8',
  });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

test('grammar file is valid JSON with scopeName source.mlm', () => {
  const g = JSON.parse(readFileSync(grammar, 'utf8'));
  assert.equal(g.scopeName, 'source.mlm');
  for (const [name, rule] of Object.entries<Record<string, unknown>>(g.repository)) {
    for (const key of ['match', 'begin', 'end']) {
      const src = rule[key];
      if (typeof src !== 'string') continue;
      // JS RegExp cannot read every Oniguruma construct, but ours are all in the common subset.
      assert.doesNotThrow(() => new RegExp(src), `${name}.${key}`);
    }
  }
});

test('scope assertions hold on keys, model names, formula operators, functions, numbers', () => {
  const r = runGrammarTest('models.test.mlm');
  assert.equal(r.status, 0, r.output);
});

test('the runner reports a wrong scope assertion (the check can fail)', () => {
  const r = runGrammarTest('broken.fail.mlm');
  assert.notEqual(r.status, 0, r.output);
  assert.match(r.output, /missing required scopes: \[ keyword\.operator\.bar\.mlm \]/i);
});

test('language configuration: # comments, bracket pairs, auto-closing', () => {
  const c = JSON.parse(readFileSync(join(root, 'language-configuration.json'), 'utf8'));
  assert.equal(c.comments.lineComment, '#');
  assert.deepEqual(c.brackets[0], ['(', ')']);
  const opens = c.autoClosingPairs.map((p: { open: string }) => p.open);
  for (const o of ['(', '[', '"', '`']) assert.ok(opens.includes(o), o);
});

test("the grammar colours every function of the engine's formula and derive: table, and only those", async () => {
  const { FUNCTION_SPECS } = await import('../../engine/src/formula/functions');
  const g = JSON.parse(readFileSync(grammar, 'utf8'));
  const begin = new RegExp(g.repository['function-call'].begin);
  for (const f of FUNCTION_SPECS) {
    assert.ok(begin.test(`${f.name}(`), `${f.name} is not coloured as a function`);
    assert.ok(!begin.test(`x${f.name}(`), `${f.name} matched inside a longer name`);
  }
  assert.ok(begin.test('splines::ns('));
  for (const notOurs of ['ifelse(', 'pmin(', 'round(']) assert.ok(!begin.test(notOurs), notOurs);
});

test("the grammar's model names are the parser's (MODEL_NAME_PATTERN): on model headers and compare: lines", async () => {
  const { MODEL_NAME_PATTERN } = await import('../../engine/src/mlmfile/keys');
  const g = JSON.parse(readFileSync(grammar, 'utf8'));
  assert.ok(String(g.repository['model-header'].begin).includes(`\\s+(${MODEL_NAME_PATTERN}))?`), g.repository['model-header'].begin);
  const compareNames = (g.repository['compare-line'].patterns as { match?: string; name?: string }[]).filter((p) => p.name === 'variable.other.model.mlm');
  assert.deepEqual(compareNames.map((p) => p.match), [MODEL_NAME_PATTERN]);
});
