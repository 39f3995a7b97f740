// The `mlm` command line run as a child process (node dist/cli/mlm.js, built by scripts/build.mjs).
// Expected numbers are lme4's reference fits as R prints them.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = process.env.MLM_ROOT ?? join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli', 'mlm.js');
const ref = (id: string) => JSON.parse(readFileSync(join(root, 'test/fixtures/reference/fits', `${id}.json`), 'utf8'));

function mlm(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 120_000, maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let tmp = '';
before(() => {
  const b = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  tmp = mkdtempSync(join(tmpdir(), 'mlm-cli-'));
  copyFileSync(join(root, 'examples/sleepstudy.csv'), join(tmp, 'sleepstudy.csv'));
});

test('mlm fit examples/sleepstudy.mlm prints lme4 summaries with the reference estimates', () => {
  const r = mlm(['fit', 'examples/sleepstudy.mlm']);
  assert.equal(r.code, 0, r.err);
  const full = ref('sleepstudy_full');
  // Estimate column as printCoefmat prints it (3 decimals here): 251.405 and 10.467
  assert.ok(r.out.includes(full.fixef['(Intercept)'].toFixed(3)), r.out);
  assert.ok(r.out.includes(full.fixef.Days.toFixed(3)));
  assert.ok(r.out.includes('251.405') && r.out.includes('10.467'));
  assert.match(r.out, /^Linear mixed model fit by REML/m);
  assert.match(r.out, /^Linear mixed model fit by maximum likelihood/m);
  assert.ok(r.out.includes(`REML criterion at convergence: ${full.REMLcrit.toFixed(1)}`));
  assert.ok(r.out.includes('Number of obs: 180, groups:  Subject, 18'));
  assert.match(r.out, /^ Subject\.1 Days/m); // the || model
  for (const h of ['Formula: Reaction ~ Days + (Days | Subject)', 'Random effects:', 'Fixed effects:', 'Scaled residuals:']) {
    assert.ok(r.out.includes(h), h);
  }
});

test('lmer summaries carry lmerTest\'s Satterthwaite df and p-values', () => {
  const r = mlm(['fit', 'examples/sleepstudy.mlm', '--model', 'full']);
  assert.equal(r.code, 0, r.err);
  const full = ref('sleepstudy_full');
  // df 16.99998 shown with the estimates' 3 decimals; p = 3.26e-06 (reference lmerTest p, 3 significant digits)
  const p = full.satterthwaite.p.Days.toExponential(2).replace(/e-(\d)$/, 'e-0$1');
  assert.match(r.out, /Estimate Std\. Error +df t value Pr\(>\|t\|\)/);
  assert.ok(r.out.includes(`Days          10.467      1.546  17.000   6.771 ${p} ***`), r.out);
});

test('warnings go to stderr (singular fit, dropped rows) and into the summary', () => {
  // every group has the same mean: the between-group variance is estimated as 0 (boundary)
  writeFileSync(join(tmp, 'sing.csv'), 'y,g\n1,a\n2,a\n3,a\n1,b\n2,b\n3,b\n1,c\n2,c\n3,c\n,c\n');
  writeFileSync(join(tmp, 'sing.mlm'), 'data: sing.csv\nmodel s:\n  formula: y ~ 1 + (1 | g)\n');
  const r = mlm(['fit', 'sing.mlm'], tmp);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /^sing\.mlm:2:7: warning: model s: .*singular/m);
  assert.match(r.err, /^sing\.mlm:\d+:\d+: .*1 of 10 rows .*missing/m);
  assert.match(r.out, /boundary \(singular\) fit: see help\('isSingular'\)/);
  assert.match(r.out, /Number of obs: 9, groups: {2}g, 3/);
});

test('--model NAME fits one model', () => {
  const r = mlm(['fit', 'examples/sleepstudy.mlm', '--model', 'intercepts']);
  assert.equal(r.code, 0, r.err);
  assert.ok(r.out.includes('Formula: Reaction ~ Days + (1 | Subject)'));
  assert.ok(!r.out.includes('(Days | Subject)'));
  const bad = mlm(['fit', 'examples/sleepstudy.mlm', '--model', 'nope']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.err, /no model named 'nope'/);
});

test('--json: one object keyed by model name holding FitResults', () => {
  const r = mlm(['fit', 'examples/sleepstudy.mlm', '--json']);
  assert.equal(r.code, 0, r.err);
  const obj = JSON.parse(r.out);
  assert.deepEqual(Object.keys(obj), ['full', 'intercepts', 'uncorrelated', 'slopes_ml', 'intercepts_ml']);
  const full = ref('sleepstudy_full');
  assert.equal(obj.full.nobs, 180);
  assert.ok(Math.abs(obj.full.fixef.Days - full.fixef.Days) / full.fixef.Days < 1e-4);
  assert.ok(Math.abs(obj.full.REMLcrit - full.REMLcrit) < 1e-3);
  assert.equal(obj.slopes_ml.REML, false);
});

test('an unknown column is a located error on stderr and a non-zero exit', () => {
  writeFileSync(join(tmp, 'unk.mlm'), 'data: sleepstudy.csv\n\nmodel a:\n  formula: Reaction ~ Dayz + (Days | Subject)\n');
  const r = mlm(['fit', 'unk.mlm'], tmp);
  assert.notEqual(r.code, 0);
  assert.equal(r.out, '');
  // line 4, column 23 (1-based) is where 'Dayz' starts
  assert.match(r.err, /^unk\.mlm:4:23: .*unknown column 'Dayz'.*did you mean 'Days'/m);
});

test("one model's unknown family is located on stderr; the file's other models are still fitted", () => {
  writeFileSync(join(tmp, 'fam.mlm'), 'data: sleepstudy.csv\n\nmodel a:\n  formula: Reaction ~ Days + (1 | Subject)\n  family: Gama(log)\n\nmodel b:\n  formula: Reaction ~ Days + (1 | Subject)\n');
  const r = mlm(['fit', 'fam.mlm'], tmp);
  assert.notEqual(r.code, 0);
  assert.match(r.err, /^fam\.mlm:5:11: .*unknown family 'Gama\(log\)' \(did you mean 'Gamma'\?\)/m);
  assert.match(r.out, /^Model b:/m);
  // lme4's REML criterion for sleepstudy with a random intercept (reference fit sleepstudy_vi)
  assert.ok(r.out.includes(`REML criterion at convergence: ${ref('sleepstudy_vi').REMLcrit.toFixed(1)}`), r.out);
});

test('a missing CSV is located at the data: value', () => {
  writeFileSync(join(tmp, 'nocsv.mlm'), '# no data here\ndata: nothere.csv\nmodel a:\n  formula: Reaction ~ Days + (1 | Subject)\n');
  const r = mlm(['fit', 'nocsv.mlm'], tmp);
  assert.notEqual(r.code, 0);
  assert.match(r.err, /^nocsv\.mlm:2:7: .*nothere\.csv/m);
});

test('text in a numeric CSV column is reported with the CSV line and column', () => {
  const csv = readFileSync(join(root, 'examples/sleepstudy.csv'), 'utf8').split('\n');
  csv[4] = '"abc",0,"309"'; // line 5 of the file
  writeFileSync(join(tmp, 'badnum.csv'), csv.join('\n'));
  writeFileSync(join(tmp, 'badnum.mlm'), 'data: badnum.csv\nmodel a:\n  formula: Reaction ~ Days + (1 | Subject)\n');
  const r = mlm(['fit', 'badnum.mlm'], tmp);
  assert.notEqual(r.code, 0);
  assert.match(r.err, /^badnum\.mlm:\d+:\d+: .*line 5.*'Reaction'.*'abc'/m);
});

test('a formula syntax error is located and nothing is fitted', () => {
  writeFileSync(join(tmp, 'syn.mlm'), 'data: sleepstudy.csv\nmodel a:\n  formula: Reaction ~ Days + (Days | Subject\n');
  const r = mlm(['fit', 'syn.mlm'], tmp);
  assert.notEqual(r.code, 0);
  assert.match(r.err, /^syn\.mlm:3:\d+: /m);
  assert.equal(r.out, '');
});

test('mlm compare prints the likelihood-ratio table', () => {
  const r = mlm(['compare', 'examples/sleepstudy.mlm']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /npar +AIC +BIC +logLik +deviance +Chisq +Df +Pr\(>Chisq\)/);
  assert.match(r.out, /^intercepts_ml +4 /m);
  assert.match(r.out, /^slopes_ml +6 /m);
  // chi-square = 2 * (logLik(slopes) - logLik(intercepts)) with lme4's ML fits: 42.14 on 2 df
  const ml = ref('sleepstudy_full_ml');
  assert.ok(r.out.includes(ml.AIC.toFixed(1)));
});

test('--help, --version, usage errors', () => {
  const h = mlm(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.out, /mlm fit|fit FILE\.mlm/);
  assert.match(h.out, /compare FILE\.mlm/);
  const v = mlm(['--version']);
  assert.equal(v.code, 0);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  assert.equal(v.out.trim(), `mlm ${pkg.version}`);
  const u = mlm(['frobnicate']);
  assert.notEqual(u.code, 0);
  assert.match(u.err, /unknown command 'frobnicate'/);
  const n = mlm(['fit', 'does-not-exist.mlm']);
  assert.notEqual(n.code, 0);
  assert.match(n.err, /^does-not-exist\.mlm: /m);
});

test('bin/mlm.js runs the built CLI', () => {
  const r = spawnSync(process.execPath, [join(root, 'bin/mlm.js'), '--version'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^mlm \d+\.\d+\.\d+/);
  assert.ok(readFileSync(join(root, 'bin/mlm.js'), 'utf8').startsWith('#!/usr/bin/env node\n'));
});

test('stderr carries no progress when it is not a terminal', () => {
  const r = mlm(['fit', 'examples/pastes.mlm']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
});

test('exit status: 1 when any requested model failed (the fitted ones are still printed), 0 when all fitted, 2 on a usage error', () => {
  // one model fails before fitting (unknown column), one in the fit's numerics (Poisson counts near 1e140), one fits
  const rows = readFileSync(join(tmp, 'sleepstudy.csv'), 'utf8').trim().split('\n');
  writeFileSync(join(tmp, 'mixed.csv'), [rows[0] + ',big', ...rows.slice(1).map((r, i) => `${r},1e${100 + (i % 40)}`)].join('\n') + '\n');
  writeFileSync(
    join(tmp, 'mixed.mlm'),
    'data: mixed.csv\nmodel good:\n  formula: Reaction ~ Days + (1 | Subject)\nmodel nocol:\n  formula: Reaction ~ Days + (1 | Nope)\nmodel counts:\n  formula: big ~ Days + (1 | Subject)\n  family: poisson\n',
  );
  const fit = mlm(['fit', 'mixed.mlm'], tmp);
  assert.equal(fit.code, 1, fit.err);
  assert.match(fit.out, /^Model good:/m);
  assert.ok(fit.out.includes(`REML criterion at convergence: ${ref('sleepstudy_vi').REMLcrit.toFixed(1)}`), fit.out);
  assert.doesNotMatch(fit.out, /Model (nocol|counts):/);
  assert.match(fit.err, /^mixed\.mlm:5:35: .*unknown column 'Nope'/m);
  assert.match(fit.err, /^mixed\.mlm:7:\d+: .*not positive definite.*rescale/m);
  const json = mlm(['fit', 'mixed.mlm', '--json'], tmp);
  assert.equal(json.code, 1);
  assert.deepEqual(Object.keys(JSON.parse(json.out)), ['good']);
  // the other commands behave alike
  const ranef = mlm(['ranef', 'mixed.mlm'], tmp);
  assert.equal(ranef.code, 1);
  assert.match(ranef.out, /^Model good:/m);
  // only the model that fits: 0; an unknown option: 2
  assert.equal(mlm(['fit', 'mixed.mlm', '--model', 'good'], tmp).code, 0);
  assert.equal(mlm(['fit', 'mixed.mlm', '--no-such-option'], tmp).code, 2);
});
