/**
 * One home per concept (ARCHITECTURE.md, "Where each concept lives"): a second copy of these pieces in the
 * product's sources fails here, with the file that repeats it. Each check names the one home.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.(ts|mjs|js)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const files = ['engine/src', 'server/src', 'client/src', 'protocol'].flatMap((d) => sources(join(root, d)));
const texts = files.map((f) => ({ file: relative(root, f).split(sep).join('/'), text: readFileSync(f, 'utf8') }));

/** The files whose text matches `re`, other than `home`. */
function elsewhere(re: RegExp, home: string): string[] {
  return texts.filter((t) => t.file !== home && re.test(t.text)).map((t) => t.file);
}

test("lme4's singular-fit message is written once (optim/convergence.ts SINGULAR_MESSAGE)", () => {
  assert.deepEqual(elsewhere(/boundary \(singular\) fit: see help/, 'engine/src/optim/convergence.ts'), []);
});

test('the FitResult object is assembled in one place (lmm/result.ts assembleFitResult)', () => {
  // the information criteria as object keys or assignments: AIC: -2 * logLik + 2 * df
  assert.deepEqual(elsewhere(/\b(AIC|BIC)\s*[:=]\s*-2\s*\*/, 'engine/src/lmm/result.ts'), []);
});

test("R's sample quantile of type 7 is computed once (inference/distributions.ts quantile7)", () => {
  assert.deepEqual(elsewhere(/\(\s*[nN]\s*-\s*1\s*\)\s*\*\s*(p|pr|prob)\b/, 'engine/src/inference/distributions.ts'), []);
});

test('a family: value is split into family and link in one place (mlmfile/keys.ts splitFamilyValue)', () => {
  // the optional `link =` inside the parentheses, as a regular expression's source
  assert.deepEqual(elsewhere(/\(\?:link\\s\*=\\s\*\)\?/, 'engine/src/mlmfile/keys.ts'), []);
});

test('the model-name grammar is one pattern (mlmfile/keys.ts MODEL_NAME_PATTERN)', () => {
  // a character class of model names written out: [A-Za-z0-9_.] after `model`
  assert.deepEqual(elsewhere(/model\\s\+\(?\[A-Za-z/, 'engine/src/mlmfile/keys.ts'), []);
});
