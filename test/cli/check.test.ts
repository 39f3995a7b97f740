// `mlm check` and `mlm residuals` from the built CLI (node dist/cli/mlm.js) as a user runs them.
// Expected figures are lme4's (isSingular, rePCA, REML criterion: test/fixtures/check) or properties.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = process.env.MLM_ROOT ?? join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli', 'mlm.js');
const lme4 = JSON.parse(readFileSync(join(root, 'test/fixtures/check/lme4-singular.json'), 'utf8'));
let tmp = '';
function mlm(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: tmp, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(() => {
  const b = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  tmp = mkdtempSync(join(tmpdir(), 'mlm-check-'));
  copyFileSync(join(root, 'test/fixtures/check/singcor.csv'), join(tmp, 'singcor.csv'));
  copyFileSync(join(root, 'test/fixtures/reference/data/sleepstudy.csv'), join(tmp, 'sleepstudy.csv'));
  copyFileSync(join(root, 'test/fixtures/reference/data/cbpp.csv'), join(tmp, 'cbpp.csv'));
  writeFileSync(join(tmp, 'sing.mlm'), 'data: singcor.csv\nfactors: g\nmodel corr:\n  formula: y ~ x + (x | g)\n');
  writeFileSync(join(tmp, 'sleep.mlm'), 'data: sleepstudy.csv\nmodel full:\n  formula: Reaction ~ Days + (Days | Subject)\n');
  writeFileSync(join(tmp, 'cbpp.mlm'), 'data: cbpp.csv\nmodel herd:\n  formula: cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)\n  family: binomial\n');
});

test('mlm check --json: a correlation of -1 named, rePCA and four optimizer runs at lme4\'s optimum', () => {
  const r = mlm(['check', 'sing.mlm', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out).corr;
  assert.equal(j.singular.singular, true);
  assert.deepEqual(j.singular.terms.map((t: { kind: string; group: string }) => [t.kind, t.group]), [['correlation ±1', 'g']]);
  assert.ok(Math.abs(j.singular.rePCA[0].sdev[0] - lme4.singcor.rePCA_sdev[0]) < 2e-3);
  assert.equal(j.convergence.runs.length, 4);
  for (const run of j.convergence.runs) assert.ok(Math.abs(run.deviance - lme4.singcor.REMLcrit) < 1e-3, `${run.optimizer} ${run.deviance}`);
  assert.match(r.err, /boundary \(singular\) fit/);
});

test('mlm check prints rePCA as R prints summary(rePCA(m))', () => {
  const r = mlm(['check', 'sleep.mlm']);
  assert.equal(r.code, 0, r.err);
  // R 4.2.2, lme4 1.1-31: summary(rePCA(lmer(Reaction ~ Days + (Days | Subject), sleepstudy)))
  assert.ok(
    r.out.includes(
      [
        '$Subject',
        'Importance of components:',
        '                         [,1]    [,2]',
        'Standard deviation     0.9669 0.23088',
        'Proportion of Variance 0.9460 0.05395',
        'Cumulative Proportion  0.9460 1.00000',
      ].join('\n'),
    ),
    r.out,
  );
  assert.match(r.out, /Singular fit: no/);
  assert.match(r.out, /Verdict: safe: all 4 optimizers agree to 1e-4/);
});

test('mlm residuals --json: DHARMa tests for a binomial GLMM, reproducible for a seed', () => {
  const a = mlm(['residuals', 'cbpp.mlm', '--nsim', '100', '--seed', '5', '--json']);
  assert.equal(a.code, 0, a.err);
  const j = JSON.parse(a.out).herd;
  assert.equal(j.scaled.length, 56);
  assert.equal(j.nsim, 100);
  for (const k of ['uniformity', 'dispersion', 'zeroInflation', 'outliers']) assert.ok(j.tests[k] && j.tests[k].p >= 0 && j.tests[k].p <= 1, k);
  const b = mlm(['residuals', 'cbpp.mlm', '--nsim', '100', '--seed', '5', '--json']);
  assert.deepEqual(JSON.parse(b.out).herd.scaled, j.scaled);
  const text = mlm(['residuals', 'cbpp.mlm']);
  assert.match(text.out, /Scaled residuals from 250 simulations \(seed 1/);
});

test('mlm check on an unknown model, and --nsim for check, are usage errors', () => {
  assert.equal(mlm(['check', 'sleep.mlm', '--model', 'nope']).code, 1);
  const u = mlm(['check', 'sleep.mlm', '--nsim', '50']);
  assert.equal(u.code, 2);
  assert.match(u.err, /'--nsim' applies to/);
});
