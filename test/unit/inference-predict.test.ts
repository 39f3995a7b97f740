import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMlm } from '../../engine/src/mlmfile/parse';
import { readCsv } from '../../engine/src/data/csv';
import { applyDocument } from '../../engine/src/frame/table';
import { buildModelFrame } from '../../engine/src/frame/modelframe';
import { fittedValues, predictNewData } from '../../engine/src/inference/predict';
import { MlmError } from '../../engine/src/diagnostics';
import { DATA, loadReference } from './inference-fixtures';

function setup(id: string, extra = '') {
  const ref = loadReference(id);
  const fam = ref.family === 'gaussian' ? '' : `  family: ${ref.family}\n`;
  const doc = parseMlm(`data: ${ref.data}\n${extra}model m:\n  formula: ${ref.formula}\n${fam}`);
  const table = applyDocument(doc, readCsv(readFileSync(join(DATA, ref.data), 'utf8'), ref.data));
  const frame = buildModelFrame(doc, doc.models[0], table, { prepared: true });
  const newTable = (csv: string) => applyDocument(doc, readCsv(csv, 'new.csv'));
  return { ref, doc, table, frame, newTable, model: doc.models[0] };
}

test('fitted values with and without random effects (sleepstudy: (β₀ + b₀) + (β₁ + b₁)·Days)', () => {
  const { ref, frame } = setup('sleepstudy_full');
  const f = fittedValues(frame, ref);
  const r = ref.ranef[0];
  const j = r.levels.indexOf('308');
  // row 4 of the CSV: subject 308, Days = 3
  const i = 3;
  assert.equal(frame.X[frame.n + i], 3);
  const expectCond = ref.fixef['(Intercept)'] + r.values[0][j] + (ref.fixef.Days + r.values[1][j]) * 3;
  assert.ok(Math.abs(f.conditional[i]! - expectCond) < 1e-9);
  assert.ok(Math.abs(f.population[i]! - (ref.fixef['(Intercept)'] + ref.fixef.Days * 3)) < 1e-9);
});

test('new data: known subject gets its own line, an unseen subject the population line, a missing predictor null', () => {
  const { ref, table, frame, newTable, model } = setup('sleepstudy_full');
  const nt = newTable('"Reaction","Days","Subject"\n,3,"308"\n,3,"999"\n,,"308"\n');
  const p = predictNewData({ model, trainTable: table, frame, result: ref, newTable: nt });
  const r = ref.ranef[0];
  const j = r.levels.indexOf('308');
  assert.ok(Math.abs(p.conditional[0]! - (ref.fixef['(Intercept)'] + r.values[0][j] + (ref.fixef.Days + r.values[1][j]) * 3)) < 1e-9);
  const pop = ref.fixef['(Intercept)'] + ref.fixef.Days * 3;
  assert.ok(Math.abs(p.conditional[1]! - pop) < 1e-9);
  assert.ok(Math.abs(p.population[0]! - pop) < 1e-9);
  assert.deepEqual(p.newLevels![1], ['Subject']);
  assert.equal(p.conditional[2], null);
});

test('new data with factor levels and interactions (mathach bryk, Public reference level)', () => {
  const { ref, table, frame, newTable, model } = setup('mathach_bryk', 'levels: sector = Public, Catholic\n');
  const header = '"school","minority","sex","ses","mathach","meanses","cses","size","sector","pracad","disclim","himinty"';
  const nt = newTable(`${header}\n"1224","No","Female",0,,0.5,1,842,"Catholic",0.35,1.597,"0"\n"1224","No","Female",0,,0.5,1,842,"Public",0.35,1.597,"0"\n`);
  const p = predictNewData({ model, trainTable: table, frame, result: ref, newTable: nt });
  const b = ref.fixef;
  const pub = b['(Intercept)'] + b.meanses * 0.5 + b.cses * 1 + b['meanses:cses'] * 0.5;
  const cat = pub + b.sectorCatholic + b['cses:sectorCatholic'];
  assert.ok(Math.abs(p.population[0]! - cat) < 1e-9, `${p.population[0]} vs ${cat}`);
  assert.ok(Math.abs(p.population[1]! - pub) < 1e-9);
  const r = ref.ranef[0];
  const j = r.levels.indexOf('1224');
  assert.ok(Math.abs(p.conditional[1]! - (pub + r.values[0][j] + r.values[1][j] * 1)) < 1e-9);
});

test('GLMM prediction on the response scale (cbpp: plogis(β₀ + β₂ + b_herd))', () => {
  const { ref, table, frame, newTable, model } = setup('cbpp_binomial');
  const nt = newTable('"herd","incidence","size","period"\n"1",,10,"2"\n"99",,10,"1"\n');
  const p = predictNewData({ model, trainTable: table, frame, result: ref, newTable: nt });
  const r = ref.ranef[0];
  const eta = ref.fixef['(Intercept)'] + ref.fixef['factor(period)2'] + r.values[0][r.levels.indexOf('1')];
  assert.ok(Math.abs(p.conditional[0]! - 1 / (1 + Math.exp(-eta))) < 1e-12);
  assert.ok(Math.abs(p.conditional[1]! - 1 / (1 + Math.exp(-ref.fixef['(Intercept)']))) < 1e-12);
  const link = predictNewData({ model, trainTable: table, frame, result: ref, newTable: nt, scale: 'link' });
  assert.ok(Math.abs(link.conditional[0]! - eta) < 1e-12);
  const bad = newTable('"herd","incidence","size","period"\n"1",,10,"7"\n');
  assert.throws(
    () => predictNewData({ model, trainTable: table, frame, result: ref, newTable: bad }),
    (e: unknown) => e instanceof MlmError && e.diagnostic.code === 'predict-new-level' && /'7'/.test(e.message),
  );
});

test('new data: scale() uses the training rows\' centre and scale, as R\'s predict() does', () => {
  const ref = loadReference('sleepstudy_full');
  const doc = parseMlm(`data: ${ref.data}\nmodel m:\n  formula: Reaction ~ scale(Days) + (1 | Subject)\n`);
  const table = applyDocument(doc, readCsv(readFileSync(join(DATA, ref.data), 'utf8'), ref.data));
  const frame = buildModelFrame(doc, doc.models[0], table, { prepared: true });
  // coefficients given (not fitted): the prediction is a function of them and of the scaling only
  const result = { ...ref, fixef: { '(Intercept)': 298.5, 'scale(Days)': 27.1 } };
  const nt = applyDocument(doc, readCsv('"Reaction","Days","Subject"\n,0,"308"\n,9,"308"\n,4.5,"308"\n', 'new.csv'));
  const p = predictNewData({ model: doc.models[0], trainTable: table, frame, result, newTable: nt });
  // training Days: 0..9 for each of 18 subjects; mean 4.5, variance 18·Σ(d − 4.5)²/179 = 18·82.5/179
  const sd = Math.sqrt((18 * 82.5) / 179);
  const at = (d: number) => 298.5 + 27.1 * ((d - 4.5) / sd);
  assert.ok(Math.abs(p.population[0]! - at(0)) < 1e-9, `${p.population[0]} vs ${at(0)}`);
  assert.ok(Math.abs(p.population[1]! - at(9)) < 1e-9);
  assert.ok(Math.abs(p.population[2]! - 298.5) < 1e-9);
});
