// The inference commands of the built CLI (node dist/cli/mlm.js) run as a child process:
// confint, ranef, coef, predict, and the ICC / R² / interpretation section of `mlm fit`.
// Expected values are lme4's reference fits (test/fixtures/reference/fits) or arithmetic on them.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { cliRunner, close, root } from './runCli';
const fits = join(root, 'test/fixtures/reference/fits');
const data = join(root, 'test/fixtures/reference/data');
const ref = (id: string) => JSON.parse(readFileSync(join(fits, `${id}.json`), 'utf8'));
const arr = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

let tmp = '';
const { mlm, json } = cliRunner(() => tmp);

before(() => {
  const b = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  tmp = mkdtempSync(join(tmpdir(), 'mlm-inf-'));
  for (const f of ['sleepstudy.csv', 'Dyestuff.csv', 'mathach.csv']) copyFileSync(join(data, f), join(tmp, f));
  writeFileSync(join(tmp, 'sleep.mlm'), 'data: sleepstudy.csv\nmodel full:\n  formula: Reaction ~ Days + (Days | Subject)\n');
  writeFileSync(join(tmp, 'dye.mlm'), 'data: Dyestuff.csv\nmodel dyestuff:\n  formula: Yield ~ 1 + (1 | Batch)\n');
  writeFileSync(join(tmp, 'math.mlm'), 'data: mathach.csv\nmodel empty:\n  formula: mathach ~ 1 + (1 | school)\n  method: ML\n');
});

/** lme4's confint row names for a fit's reference: .sig01.., .sigma, coefficients (oldNames). */
function checkProfile(id: string, file: string, model: string) {
  const r = ref(id);
  const want = r.confint_profile;
  const got = json(['confint', file, '--model', model])[model];
  assert.equal(got.method, 'profile');
  const names: string[] = arr(want.names);
  const nVar = names.filter((n) => n.startsWith('sd_') || n.startsWith('cor_')).length;
  const expectNames = [...names.slice(0, nVar).map((_, i) => `.sig${String(i + 1).padStart(2, '0')}`), '.sigma', ...arr(r.coefnames)];
  assert.deepEqual(got.rows.map((x: { name: string }) => x.name), expectNames);
  assert.deepEqual(got.rows.map((x: { label: string }) => x.label), names);
  arr<number>(want.lower).forEach((lo, i) => {
    close(got.rows[i].lower, lo, 1e-2, `${id} ${names[i]} lower`);
    close(got.rows[i].upper, arr<number>(want.upper)[i], 1e-2, `${id} ${names[i]} upper`);
  });
}

test('confint (profile, the default) matches lme4 for sleepstudy_full', () => checkProfile('sleepstudy_full', 'sleep.mlm', 'full'));
test('confint (profile) matches lme4 for dyestuff', () => checkProfile('dyestuff', 'dye.mlm', 'dyestuff'));

test('confint text has lme4\'s layout: rows .sig01 .. .sigma then coefficients, columns 2.5 % and 97.5 %', () => {
  const r = mlm(['confint', 'dye.mlm']);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trimEnd().split('\n');
  assert.match(lines[0], /^\s+2\.5 %\s+97\.5 %$/);
  assert.match(lines[1], /^\.sig01\s/);
  assert.match(lines[2], /^\.sigma\s/);
  assert.match(lines[3], /^\(Intercept\)\s/);
  // no progress escapes when stderr is not a terminal
  assert.ok(!r.err.includes('\x1b['));
});

test('confint --method Wald = fixef ± qnorm(0.975)·se of the reference, variance rows NA', () => {
  const r = ref('sleepstudy_full');
  const got = json(['confint', 'sleep.mlm', '--method', 'Wald'])['full'];
  const z = 1.959963984540054;
  const rows = got.rows as { name: string; lower: number | null; upper: number | null }[];
  assert.deepEqual(rows.map((x) => x.name), ['.sig01', '.sig02', '.sig03', '.sigma', '(Intercept)', 'Days']);
  for (const x of rows.slice(0, 4)) assert.equal(x.lower, null);
  for (const c of ['(Intercept)', 'Days']) {
    const row = rows.find((x) => x.name === c)!;
    close(row.lower as number, r.fixef[c] - z * r.se[c], 1e-4, `${c} lower`);
    close(row.upper as number, r.fixef[c] + z * r.se[c], 1e-4, `${c} upper`);
  }
  const text = mlm(['confint', 'sleep.mlm', '--method', 'Wald', '--level', '0.9']);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /^\s+5 %\s+95 %$/m);
  assert.match(text.out, /^\.sig01\s+NA\s+NA$/m);
});

test('confint --method boot with a seed is deterministic and the Days interval covers the reference estimate', () => {
  const args = ['confint', 'sleep.mlm', '--method', 'boot', '--nsim', '40', '--seed', '7'];
  const a = mlm(args);
  const b = mlm(args);
  assert.equal(a.code, 0, a.err);
  assert.equal(a.out, b.out);
  const got = json(args)['full'];
  assert.equal(got.nsim, 40);
  const days = got.rows.find((x: { name: string }) => x.name === 'Days');
  const est = ref('sleepstudy_full').fixef.Days;
  assert.ok(days.lower < est && est < days.upper, `${days.lower} < ${est} < ${days.upper}`);
  const other = json(['confint', 'sleep.mlm', '--method', 'boot', '--nsim', '40', '--seed', '8'])['full'];
  assert.notDeepEqual(other.rows, got.rows);
});

test('mlm fit: ICC of mathach_empty_ml = var_school / (var_school + sigma²) from the reference varcorr', () => {
  const r = ref('mathach_empty_ml');
  const vs = r.varcorr.find((x: { grp: string }) => x.grp === 'school').vcov;
  const ve = r.varcorr.find((x: { grp: string }) => x.grp === 'Residual').vcov;
  const want = vs / (vs + ve); // 8.5535 / (8.5535 + 39.1484) = 0.1793
  const res = json(['fit', 'math.mlm'])['empty'];
  close(res.icc, want, 1e-3, 'icc');
  assert.ok(res.interpretation.icc.includes(`ICC = ${want.toFixed(2)}`), res.interpretation.icc);
  assert.equal(res.interpretation.varcorr.length, 2);
  assert.ok(res.interpretation.fixef['(Intercept)']);
  // R² of the empty model: no fixed variance, conditional = ICC
  close(res.r2.marginal + 1, 1, 1e-9, 'marginal R² of an intercept-only model');
  close(res.r2.conditional, want, 1e-3, 'conditional R² = ICC');
  const text = mlm(['fit', 'math.mlm']);
  assert.equal(text.code, 0, text.err);
  assert.ok(text.out.includes(`Intraclass correlation (ICC): ${want.toFixed(4)}`), text.out);
  assert.match(text.out, /R² \(Nakagawa & Schielzeth\): marginal 0\.0000, conditional 0\.179\d/);
  assert.match(text.out, /^Interpretation:$/m);
  assert.ok(text.out.indexOf('Random effects:') < text.out.indexOf('Interpretation:'));
});

test('mlm fit: a random-slope model has no ICC but R² and sentences', () => {
  const res = json(['fit', 'sleep.mlm'])['full'];
  assert.equal(res.icc, null);
  assert.equal(res.interpretation.icc, undefined);
  assert.match(res.interpretation.fixef.Days, /10\.47/); // reference fixef Days 10.467
  assert.ok(typeof res.interpretation.r2 === 'string');
  const text = mlm(['fit', 'sleep.mlm']).out;
  assert.ok(!text.includes('Intraclass correlation'));
  assert.match(text, /R² \(Nakagawa/);
});

test('mlm ranef: modes and conditional sds match the reference; comparative interval = mode ± 1.39·condsd', () => {
  const r = ref('sleepstudy_full');
  const refBlock = arr(r.ranef)[0] as { group: string; levels: string[]; terms: string[]; values: number[][]; condsd?: number[][] };
  const got = json(['ranef', 'sleep.mlm'])['full'] as {
    group: string;
    term: string;
    levels: { level: string; mode: number; condsd: number; lower95: number; upper95: number; lowerComparative: number; upperComparative: number }[];
  }[];
  assert.deepEqual(got.map((s) => `${s.group}/${s.term}`), ['Subject/(Intercept)', 'Subject/Days']);
  got.forEach((series, k) => {
    const sdTerm = Math.sqrt(r.varcorr.find((x: { grp: string; var1: string; var2: string | null }) => x.grp === 'Subject' && x.var1 === series.term && x.var2 === null).vcov);
    assert.deepEqual(series.levels.map((l) => l.level), refBlock.levels);
    series.levels.forEach((l, j) => {
      assert.ok(Math.abs(l.mode - refBlock.values[k][j]) <= 1e-3 * sdTerm, `${series.term} ${l.level}: ${l.mode} vs ${refBlock.values[k][j]}`);
      if (refBlock.condsd) assert.ok(Math.abs(l.condsd - refBlock.condsd[k][j]) <= 1e-3 * sdTerm, `condsd ${l.level}`);
      assert.ok(Math.abs(l.lowerComparative - (l.mode - 1.39 * l.condsd)) < 1e-9);
      assert.ok(Math.abs(l.upperComparative - (l.mode + 1.39 * l.condsd)) < 1e-9);
      assert.ok(Math.abs(l.upper95 - (l.mode + 1.959963984540054 * l.condsd)) < 1e-6);
    });
  });
  const text = mlm(['ranef', 'sleep.mlm']);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /^\$Subject, \(Intercept\)$/m);
  assert.match(text.out, /mode\s+condsd\s+lower95\s+upper95\s+lowerComp\s+upperComp/);
  assert.match(text.out, /^308\s+2\.258/m); // reference mode of subject 308: 2.2586
});

test('mlm coef = fixef + ranef per subject (lme4 coef())', () => {
  const r = ref('sleepstudy_full');
  const block = arr(r.ranef)[0] as { levels: string[]; values: number[][] };
  const got = json(['coef', 'sleep.mlm'])['full'].Subject;
  assert.deepEqual(got.terms, ['(Intercept)', 'Days']);
  block.levels.forEach((lev, j) => {
    close(got.values[j]['(Intercept)'], r.fixef['(Intercept)'] + block.values[0][j], 1e-4, `${lev} intercept`);
    close(got.values[j].Days, r.fixef.Days + block.values[1][j], 1e-3, `${lev} Days`);
  });
  const text = mlm(['coef', 'sleep.mlm']).out;
  assert.match(text, /^\$Subject$/m);
  assert.match(text, /^\s+\(Intercept\)\s+Days$/m);
});

test('mlm predict: a known subject = fixef + its ranef, an unseen subject = population prediction (noted once on stderr)', () => {
  const r = ref('sleepstudy_full');
  const block = arr(r.ranef)[0] as { levels: string[]; values: number[][] };
  writeFileSync(join(tmp, 'new.csv'), 'Subject,Days\n308,3\n999,3\n999,5\n372,0\n');
  const out = mlm(['predict', 'sleep.mlm', '--model', 'full', '--newdata', 'new.csv', '--json']);
  assert.equal(out.code, 0, out.err);
  const p = JSON.parse(out.out).full.predictions as number[];
  const j308 = block.levels.indexOf('308');
  const j372 = block.levels.indexOf('372');
  close(p[0], r.fixef['(Intercept)'] + block.values[0][j308] + 3 * (r.fixef.Days + block.values[1][j308]), 1e-3, 'subject 308 at Days 3');
  close(p[1], r.fixef['(Intercept)'] + 3 * r.fixef.Days, 1e-3, 'unseen subject at Days 3');
  close(p[2], r.fixef['(Intercept)'] + 5 * r.fixef.Days, 1e-3, 'unseen subject at Days 5');
  close(p[3], r.fixef['(Intercept)'] + block.values[0][j372], 1e-3, 'subject 372 at Days 0');
  const notes = out.err.split('\n').filter((l) => /not in the fit/.test(l));
  assert.equal(notes.length, 1, out.err);
  assert.match(notes[0], /^new\.csv:3: column 'Subject': information: Subject level\(s\) not in the fit/);
  // population level for every row
  const pop = JSON.parse(mlm(['predict', 'sleep.mlm', '--model', 'full', '--newdata', 'new.csv', '--no-re', '--json']).out).full.predictions;
  close(pop[0], r.fixef['(Intercept)'] + 3 * r.fixef.Days, 1e-3, 'population 308');
  const text = mlm(['predict', 'sleep.mlm', '--model', 'full', '--newdata', 'new.csv']);
  assert.match(text.out, /^\s+fit$/m);
  assert.match(text.out, /^2\s+282\.80/m); // 251.405 + 3·10.467 = 282.807
});

test('mlm predict with poly() and splines::ns(): new rows use the training basis (values from R\'s predict(m, newdata) on lmer fits)', () => {
  writeFileSync(join(tmp, 'shapes.mlm'), 'data: sleepstudy.csv\nmodel quad: Reaction ~ poly(Days, 2) + (1 | Subject)\nmodel spline: Reaction ~ splines::ns(Days, df = 3) + (1 | Subject)\n');
  writeFileSync(join(tmp, 'days.csv'), 'Subject,Days\n308,0\n308,4.5\n308,12\n');
  const quad = mlm(['predict', 'shapes.mlm', '--model', 'quad', '--newdata', 'days.csv', '--no-re', '--json']);
  assert.equal(quad.code, 0, quad.err);
  // R: predict(lmer(Reaction ~ poly(Days, 2) + (1 | Subject), sleepstudy), nd, re.form = NA)
  const pq = JSON.parse(quad.out).quad.predictions as number[];
  [255.449372777778, 295.727457465278, 393.189608080808].forEach((v, i) => close(pq[i], v, 1e-4, `poly row ${i}`));
  // R: predict(m, nd) with subject 308's random intercept
  const cq = JSON.parse(mlm(['predict', 'shapes.mlm', '--model', 'quad', '--newdata', 'days.csv', '--json']).out).quad.predictions as number[];
  [296.235284419007, 336.513369106507, 433.975519722037].forEach((v, i) => close(cq[i], v, 1e-4, `poly + ranef row ${i}`));
  // R: the same with splines::ns(Days, df = 3); Days = 12 lies beyond the boundary knot (linear extrapolation)
  const ps = JSON.parse(mlm(['predict', 'shapes.mlm', '--model', 'spline', '--newdata', 'days.csv', '--no-re', '--json']).out).spline.predictions as number[];
  [255.525371465501, 295.708027623584, 385.498448693566].forEach((v, i) => close(ps[i], v, 1e-4, `ns row ${i}`));
});

test('mlm predict errors: missing column, missing file, missing options, unknown model exit non-zero with located messages', () => {
  writeFileSync(join(tmp, 'nodays.csv'), 'Subject,Day\n308,3\n');
  const a = mlm(['predict', 'sleep.mlm', '--model', 'full', '--newdata', 'nodays.csv']);
  assert.notEqual(a.code, 0);
  assert.match(a.err, /^nodays\.csv:1: column 'Days': the new data has no column 'Days'/m);
  const b = mlm(['predict', 'sleep.mlm', '--model', 'full', '--newdata', 'nothere.csv']);
  assert.notEqual(b.code, 0);
  assert.match(b.err, /cannot read the new data 'nothere\.csv'/);
  const c = mlm(['predict', 'sleep.mlm', '--newdata', 'new.csv']);
  assert.equal(c.code, 2);
  assert.match(c.err, /needs --model NAME/);
  const d = mlm(['predict', 'sleep.mlm', '--model', 'nope', '--newdata', 'new.csv']);
  assert.notEqual(d.code, 0);
  assert.match(d.err, /no model named 'nope'/);
  writeFileSync(join(tmp, 'baddays.csv'), 'Subject,Days\n308,3\n309,three\n');
  const e = mlm(['predict', 'sleep.mlm', '--model', 'full', '--newdata', 'baddays.csv']);
  assert.notEqual(e.code, 0);
  assert.match(e.err, /^baddays\.csv:3: column 'Days': 'three' is not a number/m);
  const f = mlm(['confint', 'sleep.mlm', '--method', 'nope']);
  assert.equal(f.code, 2);
  assert.match(f.err, /unknown method 'nope'/);
});

test('mlm compare prints the likelihood-ratio sentence after the table', () => {
  writeFileSync(
    join(tmp, 'cmp.mlm'),
    'data: sleepstudy.csv\nmodel a:\n  formula: Reaction ~ Days + (1 | Subject)\n  method: ML\nmodel b:\n  formula: Reaction ~ Days + (Days | Subject)\n  method: ML\ncompare: a, b\n',
  );
  const r = mlm(['compare', 'cmp.mlm']);
  assert.equal(r.code, 0, r.err);
  // 2·(logLik_b − logLik_a): b's logLik from the reference ML fit, a's as lme4 prints logLik() of
  // lmer(Reaction ~ Days + (1 | Subject), REML = FALSE) (-897.0393; no reference file for it)
  const chisq = 2 * (ref('sleepstudy_full_ml').logLik - (-897.0393));
  assert.ok(r.out.includes(`b fits significantly better than a (χ²(2) = ${chisq.toFixed(2)}, p < .001).`), r.out);
  assert.ok(r.out.indexOf('Signif. codes') < r.out.indexOf('fits significantly better'));
});

test('mlm --help lists the inference commands', () => {
  const r = mlm(['--help']);
  for (const c of ['confint', 'ranef', 'coef', 'predict', '--newdata', '--method', '--no-re', '--scale']) assert.ok(r.out.includes(c), c);
});

test('GLMM (cbpp, binomial): Wald rows as lme4 (.sig01 NA, no .sigma), profile rows bracket the estimates, predictions on both scales', () => {
  const r = ref('cbpp_binomial');
  copyFileSync(join(data, 'cbpp.csv'), join(tmp, 'cbpp.csv'));
  writeFileSync(join(tmp, 'cbpp.mlm'), 'data: cbpp.csv\nmodel cbpp:\n  formula: cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)\n  family: binomial\n');
  const coefs: string[] = arr(r.coefnames);
  const z = 1.959963984540054;
  const wald = json(['confint', 'cbpp.mlm', '--method', 'Wald']).cbpp.rows as { name: string; lower: number | null; upper: number | null }[];
  assert.deepEqual(wald.map((x) => x.name), ['.sig01', ...coefs]);
  for (const c of coefs) {
    const row = wald.find((x) => x.name === c)!;
    close(row.lower as number, r.fixef[c] - z * r.se[c], 2e-3, `${c} lower`);
    close(row.upper as number, r.fixef[c] + z * r.se[c], 2e-3, `${c} upper`);
  }
  const prof = json(['confint', 'cbpp.mlm']).cbpp.rows as { name: string; lower: number; upper: number }[];
  assert.deepEqual(prof.map((x) => x.name), ['.sig01', ...coefs]);
  const sdHerd = r.varcorr.find((x: { grp: string }) => x.grp === 'herd').sdcor;
  assert.ok(prof[0].lower < sdHerd && sdHerd < prof[0].upper);
  for (const c of coefs) {
    const row = prof.find((x) => x.name === c)!;
    assert.ok(row.lower < r.fixef[c] && r.fixef[c] < row.upper, c);
  }
  // herd 1 in period 2; an unseen herd in period 3
  const block = arr(r.ranef)[0] as { levels: string[]; values: number[][] };
  const u1 = block.values[0][block.levels.indexOf('1')];
  writeFileSync(join(tmp, 'cbppnew.csv'), 'herd,period\n1,2\n99,3\n');
  const etaA = r.fixef['(Intercept)'] + r.fixef['factor(period)2'] + u1;
  const etaB = r.fixef['(Intercept)'] + r.fixef['factor(period)3'];
  const plogis = (x: number) => 1 / (1 + Math.exp(-x));
  const resp = json(['predict', 'cbpp.mlm', '--model', 'cbpp', '--newdata', 'cbppnew.csv']).cbpp.predictions;
  close(resp[0], plogis(etaA), 2e-3, 'herd 1 period 2 (probability)');
  close(resp[1], plogis(etaB), 2e-3, 'unseen herd period 3 (probability)');
  const link = json(['predict', 'cbpp.mlm', '--model', 'cbpp', '--newdata', 'cbppnew.csv', '--scale', 'link']).cbpp.predictions;
  close(link[0], etaA, 2e-3, 'herd 1 period 2 (link)');
  // a level of a fixed-effect factor the model never saw is a located CSV error
  writeFileSync(join(tmp, 'cbppbad.csv'), 'herd,period\n1,2\n2,9\n');
  const bad = mlm(['predict', 'cbpp.mlm', '--model', 'cbpp', '--newdata', 'cbppbad.csv']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.err, /^cbppbad\.csv:3: column 'period': .*'9', a level the model was not fitted with/m);
});
