/** The grammar on the real example files: keys, model names and every formula token get a scope. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as oniguruma from 'vscode-oniguruma';
import { INITIAL, Registry, parseRawGrammar, type IGrammar } from 'vscode-textmate';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

async function loadGrammar(): Promise<IGrammar> {
  const wasm = readFileSync(join(root, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scope) => {
      if (scope !== 'source.mlm') return null;
      const path = join(root, 'syntaxes', 'mlm.tmLanguage.json');
      return parseRawGrammar(readFileSync(path, 'utf8'), path);
    },
  });
  const g = await registry.loadGrammar('source.mlm');
  assert.ok(g);
  return g!;
}

test('example files: keys, model names and formula tokens are scoped', async () => {
  const grammar = await loadGrammar();
  const files = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.mlm'));
  assert.ok(files.length >= 3);
  let formulas = 0;
  for (const f of files) {
    const lines = readFileSync(join(root, 'examples', f), 'utf8').split(/\r?\n/);
    let state = INITIAL;
    lines.forEach((line, i) => {
      const r = grammar.tokenizeLine(line, state);
      state = r.ruleStack;
      const where = `${f}:${i + 1}: ${line}`;
      const scopesAt = (col: number) => r.tokens.find((t) => t.startIndex <= col && col < t.endIndex)!.scopes;
      const key = /^(\s*)([A-Za-z]+)\s*:/.exec(line);
      if (key && !line.trim().startsWith('#')) {
        assert.ok(scopesAt(key[1].length).includes('keyword.other.key.mlm'), where);
      }
      const model = /^model\s+([A-Za-z_.][\w.-]*)/.exec(line);
      if (model) assert.ok(scopesAt(line.indexOf(model[1])).includes('entity.name.type.model.mlm'), where);
      if (/^\s*formula\s*:/.test(line)) {
        formulas++;
        const start = line.indexOf(':') + 1;
        for (const t of r.tokens) {
          if (t.endIndex <= start) continue;
          const text = line.slice(t.startIndex, t.endIndex);
          if (text.trim() === '' || t.scopes.some((s) => s.startsWith('comment'))) continue;
          // Every non-blank piece of a formula is an operator, name, number, function or bracket.
          assert.ok(t.scopes.length >= 3, `${where}\n'${text}' has only ${t.scopes.join(' ')}`);
          if (/^[A-Za-z_.][\w.]*$/.test(text)) {
            assert.ok(
              t.scopes.some((s) => /variable\.other\.column|entity\.name\.tag\.grouping|support\.function|constant\.language/.test(s)),
              `${where}\n'${text}': ${t.scopes.join(' ')}`,
            );
          }
        }
      }
    });
  }
  assert.ok(formulas >= 10, `only ${formulas} formulas`);
});
