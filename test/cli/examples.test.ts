// Every example file fits without error, and its models match lme4's reference fits where one exists.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.env.MLM_ROOT ?? join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli', 'mlm.js');
const ref = (id: string) => JSON.parse(readFileSync(join(root, 'test/fixtures/reference/fits', `${id}.json`), 'utf8'));

before(() => {
  const b = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
});

function fitJson(file: string): Record<string, any> {
  const r = spawnSync(process.execPath, [cli, 'fit', file, '--json'], { cwd: root, encoding: 'utf8', timeout: 300_000, maxBuffer: 256 * 1024 * 1024 });
  assert.equal(r.status, 0, `${file}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** example file -> { model name: reference fit id } */
const matches: Record<string, Record<string, string>> = {
  'sleepstudy.mlm': { full: 'sleepstudy_full', intercepts: 'sleepstudy_vi', uncorrelated: 'sleepstudy_diag', slopes_ml: 'sleepstudy_full_ml' },
  'mathach.mlm': { empty: 'mathach_empty_ml', bryk: 'mathach_bryk', himinty: 'mathach_himinty' },
  'bdf.mlm': { empty: 'bdf_empty_ml', iq: 'bdf_iq_ml', context: 'bdf_context_ml' },
  'rats.mlm': { laplace: 'rats_laplace', agq: 'rats_agq25' },
  'pastes.mlm': { nested: 'pastes_nested' },
  'penicillin.mlm': { crossed: 'penicillin_crossed' },
  // the same data from Parquet (read through DuckDB)
  'sleepstudy-parquet.mlm': { full: 'sleepstudy_full', intercepts: 'sleepstudy_vi' },
};

/** example file -> { model name: nlme reference fit id } (models fitted with nlme's DF or likelihood) */
const nlmeMatches: Record<string, Record<string, string>> = {
  'mathach.mlm': { bryk_lme: 'mathach_bryk_lme' },
  'orthodont.mlm': { ar1: 'orthodont_ar1', varident: 'orthodont_varident' },
};
const nlmeRef = (id: string) => JSON.parse(readFileSync(join(root, 'test/fixtures/reference/nlme', `${id}.json`), 'utf8'));

const files = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.mlm')).sort();

test('the examples folder has the six lecture examples, sleepstudy from Parquet and Orthodont', () => {
  assert.deepEqual(files, [...Object.keys(matches), 'orthodont.mlm'].sort());
});

for (const file of files) {
  test(`examples/${file} fits and matches lme4`, () => {
    const fits = fitJson(join('examples', file));
    for (const [model, id] of Object.entries(matches[file] ?? {})) {
      const r = fits[model];
      assert.ok(r, `${file}: model ${model} missing`);
      const e = ref(id);
      const tol = e.family === 'gaussian' ? 1e-3 : e.nAGQ > 1 ? 1e-2 : 1e-3;
      assert.ok(Math.abs(r.logLik - e.logLik) < tol || r.logLik > e.logLik, `${file} ${model}: logLik ${r.logLik} vs ${e.logLik}`);
      const names: string[] = Array.isArray(e.coefnames) ? e.coefnames : [e.coefnames];
      assert.deepEqual(r.coefnames, names, `${file} ${model}: coefficient names`);
      for (const n of names) {
        const rel = Math.abs(r.fixef[n] - e.fixef[n]) / Math.max(Math.abs(e.fixef[n]), 1e-6);
        assert.ok(rel < (e.family === 'gaussian' ? 1e-4 : 1e-3) || Math.abs(r.fixef[n] - e.fixef[n]) < 1e-6, `${file} ${model}: ${n}`);
      }
      assert.equal(r.nobs, e.nobs);
    }
    for (const [model, id] of Object.entries(nlmeMatches[file] ?? {})) {
      const r = fits[model];
      assert.ok(r, `${file}: model ${model} missing`);
      const e = nlmeRef(id);
      assert.ok(Math.abs(r.logLik - e.logLik) < 1e-3, `${file} ${model}: logLik ${r.logLik} vs ${e.logLik}`);
      for (const n of Object.keys(e.fixef)) {
        assert.ok(Math.abs(r.fixef[n] - e.fixef[n]) <= 1e-3 * Math.abs(e.fixef[n]), `${file} ${model}: ${n}`);
        assert.equal(r.tests[n].df, e.df[n], `${file} ${model}: DF of ${n}`);
      }
    }
  });
}

test("examples/mathach.mlm bryk_lme --style nlme prints the notes' table (DF 7022 / 157)", () => {
  const r = spawnSync(process.execPath, [cli, 'fit', join('examples', 'mathach.mlm'), '--model', 'bryk_lme', '--style', 'nlme'], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Linear mixed-effects model fit by REML$/m);
  // the notes: (Intercept) 12.127931 0.1992959 7022; our optimum (0.1992895, log-likelihood 6e-7 above nlme 3.1-162's) agrees to 4 digits in the SE (0.1992895 here)
  assert.match(r.stdout, /^\(Intercept\) +12\.127931 0\.1992\d{3} 7022 /m);
  assert.match(r.stdout, /^meanses +5\.3328\d\d 0\.3691\d+ +157 /m);
  assert.match(r.stdout, /^Number of Groups: 160 $/m);
});
