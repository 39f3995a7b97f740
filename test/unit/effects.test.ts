// Effect plots (engine/src/effects.ts) against emmeans: the plotted points are emmeans' reference
// grid at those values (factors not shown averaged with equal weights, covariates at their means),
// with the same SEs, df (Satterthwaite; asymptotic above 3000 rows, as emmeans) and 95% limits.
// Reference: test/fixtures/effects/emmeans.txt (R script in its README).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareModels } from '../../engine/src/frame/prepare';
import { fitModel } from '../../engine/src/fit';
import type { EffectFigure } from '../../engine/src/effects';

const root = join(__dirname, '..', '..');
const ref = readFileSync(join(root, 'test', 'fixtures', 'effects', 'emmeans.txt'), 'utf8').split(/\r?\n/);
/** The rows of the n-th CSV table in the reference file, as numbers where they are numbers. */
function table(n: number): Record<string, string>[] {
  const starts = ref.map((l, i) => (l.startsWith('"",') ? i : -1)).filter((i) => i >= 0);
  const head = ref[starts[n]].split(',').map((h) => h.replace(/"/g, ''));
  const out: Record<string, string>[] = [];
  for (let i = starts[n] + 1; i < ref.length && ref[i].startsWith('"'); i++) {
    const cells = ref[i].split(',').map((c) => c.replace(/"/g, '').trim());
    out.push(Object.fromEntries(head.map((h, k) => [h, cells[k]])));
  }
  return out;
}

async function effects(csvName: string, text: string): Promise<EffectFigure[]> {
  const csv = readFileSync(join(root, 'examples', csvName), 'utf8');
  const prep = prepareModels(text, () => csv);
  const m = prep.models[0];
  const fit = await fitModel(m.frame!, { ...m.spec, plotData: true, postfit: { model: m.decl, table: prep.table! } });
  return fit.plotData!.figures!.effects;
}

const close = (a: number, b: number, rel: number, what: string) => assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('sleepstudy: the effect of Days is the population line with Satterthwaite t bands (emmeans at Days 0 and 9)', async () => {
  const figs = await effects('sleepstudy.csv', 'data: s.csv\nmodel full:\n  formula: Reaction ~ Days + (Days | Subject)\n');
  assert.equal(figs.length, 1);
  const f = figs[0];
  assert.deepEqual([f.term, f.x, f.xKind, f.by, f.series.length], ['Days', 'Days', 'covariate', null, 1]);
  assert.match(f.band, /^t quantile, Satterthwaite df 17\.0$/);
  const s = f.series[0];
  const last = s.x.length - 1;
  assert.deepEqual([s.x[0], s.x[last]], [0, 9]);
  const r = table(0);
  for (const [k, row] of [[0, r[0]], [last, r[1]]] as const) {
    close(s.fit[k], Number(row.emmean), 1e-5, 'emmean');
    close(s.lower[k], Number(row['lower.CL']), 1e-4, 'lower.CL');
    close(s.upper[k], Number(row['upper.CL']), 1e-4, 'upper.CL');
  }
});

test('mathach (Bryk): factor × covariate gives a line per sector; covariate × covariate lines at the mean and ± 1 SD of the school-level meanses, cses along x', { timeout: 120_000 }, async () => {
  const figs = await effects(
    'mathach.csv',
    'data: m.csv\nlevels: sector = Public, Catholic\nmodel bryk:\n  formula: mathach ~ meanses * cses + sector * cses + (cses | school)\n',
  );
  // two interaction figures, no main-effect figure for a variable inside an interaction
  assert.deepEqual(
    figs.map((f) => [f.term, f.x, f.by]),
    [
      ['meanses:cses', 'cses', 'meanses'],
      ['cses:sector', 'cses', 'sector'],
    ],
  );
  const bySector = figs[1];
  assert.equal(bySector.band, 'normal quantile (z)', 'emmeans: asymptotic df above 3000 observations');
  assert.match(bySector.held, /meanses = /);
  const r1 = table(1);
  bySector.series.forEach((ser, b) => {
    assert.equal(ser.label, ['Public', 'Catholic'][b]);
    const last = ser.x.length - 1;
    const rows = r1.filter((r) => r.sector === ser.label);
    close(ser.x[0], Number(rows[0].cses), 1e-9, 'range of cses');
    close(ser.x[last], Number(rows[1].cses), 1e-9, 'range of cses');
    for (const [k, row] of [[0, rows[0]], [last, rows[1]]] as const) {
      close(ser.fit[k], Number(row.emmean), 2e-4, `${ser.label} emmean`);
      close(ser.lower[k], Number(row['asymp.LCL']), 2e-4, `${ser.label} LCL`);
      close(ser.upper[k], Number(row['asymp.UCL']), 2e-4, `${ser.label} UCL`);
    }
  });
  // meanses (constant within schools) is the moderator, at mean − SD, mean, mean + SD over the rows used
  const byMeanses = figs[0];
  assert.match(byMeanses.series[0].label!, /^mean − 1 SD \(-0\.413\)$/);
  assert.match(byMeanses.held, /averaged over sector with equal weights/);
  const r2 = table(2);
  byMeanses.series.forEach((ser, b) => {
    const last = ser.x.length - 1;
    for (const [k, row] of [[0, r2[2 * b]], [last, r2[2 * b + 1]]] as const) {
      close(ser.fit[k], Number(row.emmean), 2e-4, `meanses line ${b} emmean`);
      close(ser.upper[k], Number(row['asymp.UCL']), 2e-4, `meanses line ${b} UCL`);
    }
  });
});

test('a factor alone: points per level with intervals; a GLMM on the probability scale', async () => {
  const csv = readFileSync(join(root, 'test', 'fixtures', 'reference', 'data', 'cbpp.csv'), 'utf8');
  const prep = prepareModels('data: c.csv\nmodel m:\n  formula: cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)\n  family: binomial\n', () => csv);
  const m = prep.models[0];
  const fit = await fitModel(m.frame!, { ...m.spec, plotData: true, postfit: { model: m.decl, table: prep.table! } });
  const [f] = fit.plotData!.figures!.effects;
  assert.equal(f.xKind, 'factor');
  assert.deepEqual(f.levels, ['1', '2', '3', '4']);
  assert.equal(f.scale, 'probability');
  assert.equal(f.band, 'normal quantile (z)');
  // period 1 is the reference level: its point is plogis(intercept), its limits plogis(b0 ± z·SE(b0))
  const b0 = fit.fixef['(Intercept)'];
  const se0 = Math.sqrt(fit.vcov[0][0]);
  const plogis = (x: number) => 1 / (1 + Math.exp(-x));
  close(f.series[0].fit[0], plogis(b0), 1e-12, 'fit');
  close(f.series[0].lower[0], plogis(b0 - 1.959963984540054 * se0), 1e-9, 'lower');
  assert.ok(f.series[0].fit.every((p, i) => p > f.series[0].lower[i] && p < f.series[0].upper[i] && p > 0 && p < 1));
});
