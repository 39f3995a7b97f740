/**
 * Inference against lme4/lmerTest reference fits through the whole front end (.mlm -> CSV -> ModelFrame):
 * Satterthwaite df and p-values of EVERY gaussian reference fit, and profile intervals where the
 * reference holds them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { prepareModels } from '../../engine/src/frame/prepare';
import { LinearMixedModel } from '../../engine/src/lmm';
import { satterthwaite } from '../../engine/src/inference/satterthwaite';
import { profileConfint } from '../../engine/src/inference/profile';
import { DATA, listReferenceIds, loadReference } from '../unit/inference-fixtures';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

/** The .mlm text of a reference case (a `levels:` line where the reference's note says it set one). */
function mlmFor(id: string): string {
  const ref = loadReference(id);
  const lines = [`data: ${ref.data}`];
  if (id === 'mathach_bryk') lines.push('levels: sector = Public, Catholic');
  lines.push(`model ${id}:`, `  formula: ${ref.formula}`, `  method: ${ref.REML ? 'REML' : 'ML'}`);
  return lines.join('\n') + '\n';
}

export function referenceFrame(id: string) {
  const prep = prepareModels(mlmFor(id), (rel) => {
    const p = join(DATA, rel);
    return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
  });
  const m = prep.models[0];
  if (!m.frame) throw new Error(`${id}: ${m.error?.message ?? prep.diagnostics.map((d) => d.message).join('; ')}`);
  return m.frame;
}

const gaussian = listReferenceIds().filter((id) => loadReference(id).family === 'gaussian');

test('every gaussian reference fit has a satterthwaite field', () => {
  assert.ok(gaussian.length >= 15);
  for (const id of gaussian) assert.ok(loadReference(id).satterthwaite, id);
});

for (const id of gaussian) {
  test(`Satterthwaite df and p (lmerTest): ${id}`, async () => {
    const ref = loadReference(id);
    const frame = referenceFrame(id);
    assert.deepEqual(frame.coefnames, ref.coefnames);
    const model = new LinearMixedModel(frame, { REML: ref.REML });
    const fit = await model.fit({ yieldEveryMs: 0 });
    const ll = fit.logLik - ref.logLik;
    if (ll > 1e-3) console.log(`# ${id}: our optimum is better than lme4's by ${ll}`);
    else assert.ok(Math.abs(ll) < 1e-3, `${id}: logLik ${fit.logLik} vs ${ref.logLik}`);
    // (a) at lme4's optimum (θ, σ) the method itself is checked tightly
    const atRef = await satterthwaite(model, ref);
    // (b) at our own optimum: df within the tolerance of the README
    const s = await satterthwaite(model, fit);
    for (const name of ref.coefnames) {
      const refDf = ref.satterthwaite!.df[name];
      const refP = ref.satterthwaite!.p[name];
      assert.ok(rel(atRef.df[name], refDf) < 1e-4, `${id} ${name}: df at lme4's optimum ${atRef.df[name]} vs lmerTest ${refDf}`);
      assert.ok(rel(atRef.p[name], refP) < 1e-2, `${id} ${name}: p at lme4's optimum ${atRef.p[name]} vs lmerTest ${refP}`);
      assert.ok(rel(s.df[name], refDf) < 1e-2, `${id} ${name}: df ${s.df[name]} vs lmerTest ${refDf}`);
      // far in the tail (p ~ 1e-40) a 1e-3 change in df or t moves p by percents: compare log p
      assert.ok(Math.abs(Math.log(s.p[name]) - Math.log(refP)) < 1e-2 * Math.max(1, Math.abs(Math.log(refP))), `${id} ${name}: our p ${s.p[name]} vs ${refP}`);
    }
  });
}

for (const id of ['sleepstudy_full', 'dyestuff']) {
  test(`profile confint through the front end: ${id}`, async () => {
    const ref = loadReference(id);
    const ci = await profileConfint(new LinearMixedModel(referenceFrame(id), { REML: ref.REML }), ref, {}, { yieldEveryMs: 0 });
    const cp = ref.confint_profile!;
    assert.deepEqual(ci.labels, cp.names);
    cp.names.forEach((nm, i) => {
      assert.ok(rel(ci.lower[i]!, cp.lower[i]) < 1e-2, `${nm} lower ${ci.lower[i]} vs ${cp.lower[i]}`);
      assert.ok(rel(ci.upper[i]!, cp.upper[i]) < 1e-2, `${nm} upper ${ci.upper[i]} vs ${cp.upper[i]}`);
    });
  });
}

test('term F tests (lmerTest anova) at lme4\'s optimum: mathach bryk single-df terms are t² with lmerTest df, cses averaged over sector', async () => {
  const { termFTests } = await import('../../engine/src/inference/ftest');
  const ref = loadReference('mathach_bryk');
  const model = new LinearMixedModel(referenceFrame('mathach_bryk'), { REML: true });
  const rows = await termFTests(model, ref);
  assert.deepEqual(rows.map((r) => r.term), ['meanses', 'cses', 'sector', 'meanses:cses', 'cses:sector']);
  const coefOf: Record<string, string> = { meanses: 'meanses', sector: 'sectorCatholic', 'meanses:cses': 'meanses:cses', 'cses:sector': 'cses:sectorCatholic' };
  for (const r of rows) {
    if (r.term === 'cses') {
      // type III: the cses slope averaged over the 2 sector levels, c = e_cses + ½ e_cses:sectorCatholic;
      // F = (c'β)² / (c'Vc) from lme4's β and vcov
      const i = ref.coefnames.indexOf('cses');
      const j = ref.coefnames.indexOf('cses:sectorCatholic');
      const est = ref.fixef.cses + 0.5 * ref.fixef['cses:sectorCatholic'];
      const v = ref.vcov[i][i] + ref.vcov[i][j] + 0.25 * ref.vcov[j][j];
      assert.ok(rel(r.F!, (est * est) / v) < 1e-6, `cses: F ${r.F} vs ${(est * est) / v}`);
      assert.ok(r.DenDF! > 100 && r.DenDF! < 200);
      continue;
    }
    const c = coefOf[r.term];
    const t = ref.fixef[c] / ref.se[c];
    assert.ok(rel(r.F!, t * t) < 1e-6, `${r.term}: F ${r.F} vs t² ${t * t}`);
    assert.ok(rel(r.DenDF!, ref.satterthwaite!.df[c]) < 1e-4, `${r.term}: ddf ${r.DenDF}`);
    assert.ok(rel(r.p!, ref.satterthwaite!.p[c]) < 1e-2, `${r.term}: p ${r.p}`);
  }
});
