// The public API (engine/src/index.ts) end to end: prepareModels -> fitModel on small reference cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as engine from '../../engine/src/index';

const ref = join(import.meta.dirname, '..', 'fixtures', 'reference');
const read = (rel: string) => {
  try {
    return readFileSync(join(ref, 'data', rel), 'utf8');
  } catch {
    return undefined;
  }
};
const fit = (id: string) => JSON.parse(readFileSync(join(ref, 'fits', `${id}.json`), 'utf8'));

test('the public API exports the front end', () => {
  for (const name of ['parseMlm', 'readCsv', 'buildModelFrame', 'analyzeModel', 'fitModel', 'prepareModels', 'frameVariables', 'MlmError']) {
    assert.equal(typeof (engine as Record<string, unknown>)[name], 'function', name);
  }
});

test('prepareModels + fitModel: Dyestuff (REML) and cbpp (binomial, Laplace) match lme4', async () => {
  const text = [
    'data: Dyestuff.csv',
    'model dye:',
    '  formula: Yield ~ 1 + (1 | Batch)',
    '',
    '# cbpp needs its own data file: a second document below',
  ].join('\n');
  const prep = engine.prepareModels(text, read);
  assert.deepEqual(prep.diagnostics, []);
  const dye = prep.models[0];
  const r = await engine.fitModel(dye.frame!, dye.spec, { yieldEveryMs: 0 });
  const expected = fit('dyestuff');
  assert.equal(r.id, 'dye');
  assert.ok(Math.abs(r.logLik - expected.logLik) < 1e-3, `${r.logLik} vs ${expected.logLik}`);
  assert.deepEqual(r.coefnames, ['(Intercept)']);

  const cb = engine.prepareModels(
    'data: cbpp.csv\nformula: cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)\nfamily: binomial\n',
    read,
  );
  assert.deepEqual(cb.diagnostics, []);
  const m = cb.models[0];
  assert.equal(m.name, 'model');
  const g = await engine.fitModel(m.frame!, m.spec, { yieldEveryMs: 0 });
  const e2 = fit('cbpp_binomial');
  assert.deepEqual(g.coefnames, e2.coefnames);
  assert.ok(Math.abs(g.logLik - e2.logLik) < 1e-3, `${g.logLik} vs ${e2.logLik}`);
});

test('fitModel attaches the formula range to errors and refuses a model without random effects', async () => {
  const prep = engine.prepareModels('data: Dyestuff.csv\nformula: Yield ~ 1\n', read, { analyze: false });
  const m = prep.models[0];
  assert.ok(m.frame);
  await assert.rejects(engine.fitModel(m.frame!, m.spec), (e: unknown) => {
    assert.ok(e instanceof engine.MlmError);
    assert.equal(e.diagnostic.code, 'no-random-effects');
    assert.deepEqual(e.diagnostic.range, { start: { line: 1, character: 9 }, end: { line: 1, character: 18 } });
    return true;
  });
});

test("one model's unknown family or link is that model's located error; the file's other models still get frames", () => {
  const text = [
    'data: Dyestuff.csv',
    '',
    'model a:',
    '  formula: Yield ~ 1 + (1 | Batch)',
    '  family: Gama(log)',
    '',
    'model b:',
    '  formula: Yield ~ 1 + (1 | Batch)',
    '  family: poisson(probit)',
    '',
    'model c:',
    '  formula: Yield ~ 1 + (1 | Batch)',
    '  family: Gamma(log)',
    '',
    'model d:',
    '  formula: Yield ~ 1 + (1 | Batch)',
  ].join('\n');
  const prep = engine.prepareModels(text, read);
  const [a, b, c, d] = prep.models;
  assert.equal(a.frame, null);
  assert.equal(a.error?.code, 'bad-family');
  assert.match(a.error!.message, /unknown family 'Gama\(log\)' \(did you mean 'Gamma'\?\)/);
  assert.deepEqual(a.error?.range?.start, { line: 4, character: 10 });
  assert.equal(b.frame, null);
  assert.equal(b.error?.code, 'bad-link');
  assert.match(b.error!.message, /link 'probit' is not available for the poisson family \(use log, sqrt, identity\)/);
  assert.equal(b.error?.range?.start.line, 8);
  assert.ok(c.frame, c.error?.message);
  assert.equal(c.frame.family, 'Gamma');
  assert.equal(c.frame.link, 'log');
  assert.ok(d.frame, d.error?.message);
});
