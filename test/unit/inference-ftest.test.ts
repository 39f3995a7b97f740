import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinearMixedModel } from '../../engine/src/lmm';
import { termFTests, fUpper, fStatDdf, formatTermFTests } from '../../engine/src/inference/ftest';
import { handFrame, loadReference, readCsvColumns, simpleReferenceFrame } from './inference-fixtures';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

test('F distribution tail: F(1, d) = t², F(2, d2) closed form', () => {
  // P(F_{2,d} > f) = (1 + 2f/d)^(-d/2)
  for (const [f, d] of [[0.5, 10], [3, 40], [20, 7]]) assert.ok(rel(fUpper(f, 2, d), Math.pow(1 + (2 * f) / d, -d / 2)) < 1e-10);
  // P(F_{d1,∞}) ~ chi-square: F(1, 1e7) at 3.841459 ≈ 0.05
  assert.ok(Math.abs(fUpper(3.841459, 1, 1e7) - 0.05) < 1e-4);
  assert.equal(fStatDdf([12.5]), 12.5);
  assert.equal(fStatDdf([1.5, 30]), 2);
  // E = 10/8 + 10/8 = 2.5 -> 2·2.5/(2.5 − 2) = 10: equal ν give their mean
  assert.ok(Math.abs(fStatDdf([10, 10 + 1e-10]) - 10) < 1e-8);
});

test('single-df term: F = t² with the Satterthwaite df (sleepstudy Days, lmerTest reference)', async () => {
  const ref = loadReference('sleepstudy_full');
  const m = new LinearMixedModel(simpleReferenceFrame('sleepstudy_full'), { REML: true });
  const rows = await termFTests(m, ref);
  assert.equal(rows.length, 1);
  const t = ref.fixef.Days / ref.se.Days;
  assert.ok(rel(rows[0].F!, t * t) < 1e-8);
  assert.ok(rel(rows[0].DenDF!, ref.satterthwaite!.df.Days) < 1e-4);
  assert.ok(rel(rows[0].p!, ref.satterthwaite!.p.Days) < 1e-3);
});

test('balanced repeated measures: F of factor(Days) is the classical two-way ANOVA F with (9, 153) df', async () => {
  const c = readCsvColumns('sleepstudy.csv');
  const y = c.Reaction.map(Number);
  const days = c.Days.map(Number);
  const subj = c.Subject;
  const one = y.map(() => 1);
  const columns: Record<string, number[]> = { '(Intercept)': one };
  for (let d = 1; d <= 9; d++) columns[`factor(Days)${d}`] = days.map((x) => (x === d ? 1 : 0));
  const frame = handFrame({ y, responseName: 'Reaction', columns, terms: [{ group: 'Subject', refs: subj, termNames: ['(Intercept)'], Z: [one] }] });
  const m = new LinearMixedModel(frame, { REML: true });
  const fit = await m.fit();
  const res = { ...fit, formula: 'Reaction ~ factor(Days) + (1 | Subject)' };
  const [row] = await termFTests(m, res);
  // classical ANOVA by hand
  const N = y.length;
  const mean = y.reduce((a, b) => a + b, 0) / N;
  const dm = new Map<number, number>();
  const sm = new Map<string, number>();
  y.forEach((v, i) => {
    dm.set(days[i], (dm.get(days[i]) ?? 0) + v / 18);
    sm.set(subj[i], (sm.get(subj[i]) ?? 0) + v / 10);
  });
  let ssDays = 0;
  for (const v of dm.values()) ssDays += 18 * (v - mean) ** 2;
  let ssErr = 0;
  y.forEach((v, i) => (ssErr += (v - sm.get(subj[i])! - dm.get(days[i])! + mean) ** 2));
  const F = ssDays / 9 / (ssErr / (17 * 9));
  assert.equal(row.term, 'factor(Days)');
  assert.equal(row.NumDF, 9);
  assert.ok(rel(row.F!, F) < 1e-5, `F ${row.F} vs ${F}`);
  assert.ok(rel(row.DenDF!, 153) < 1e-4, `ddf ${row.DenDF}`);
  assert.ok(rel(row.p!, fUpper(F, 9, 153)) < 1e-3);
  const text = formatTermFTests([row]);
  assert.match(text, /^Type III Analysis of Variance Table with Satterthwaite's method\n\s+Sum Sq Mean Sq NumDF DenDF F value\s+Pr\(>F\)\s*\nfactor\(Days\)\s+166235\s+18471\s+9\s+153\s+18\.703 < 2\.2e-16 \*\*\*/);
});
