// Model frames of further formulas on the reference data, against R 4.2.2 / lme4 1.1-31's lFormula():
// nobs, colnames(X), the random-effects terms (group:columns:levels) and the first four levels of each
// grouping factor, recorded from R.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCsv } from '../../engine/src/data/csv';
import { parseMlm } from '../../engine/src/mlmfile/parse';
import { buildModelFrame } from '../../engine/src/frame/modelframe';

const dataDir = join(import.meta.dirname, '..', 'fixtures', 'reference', 'data');
type Case = [file: string, formula: string, nobs: number, coefnames: string[], reTerms: string, firstLevels: string];
const CASES: Case[] = [
  ["Orthodont.csv", "distance ~ age * Sex + (Sex | Subject)", 108, ["(Intercept)", "age", "SexMale", "age:SexMale"], "Subject:(Intercept)+SexMale:27", "F01/F02/F03/F04"],
  ["Orthodont.csv", "distance ~ 0 + Sex + age:Sex + (age || Subject)", 108, ["SexFemale", "SexMale", "SexFemale:age", "SexMale:age"], "Subject:(Intercept):27;Subject:age:27", "F01/F02/F03/F04"],
  ["Orthodont.csv", "distance ~ factor(age) + (1 | Subject) + (1 | age)", 108, ["(Intercept)", "factor(age)10", "factor(age)12", "factor(age)14"], "Subject:(Intercept):27;age:(Intercept):4", "F01/F02/F03/F04;8/10/12/14"],
  ["Orthodont.csv", "log(distance) ~ I(age - 11) + (I(age - 11) | Subject)", 108, ["(Intercept)", "I(age - 11)"], "Subject:(Intercept)+I(age - 11):27", "F01/F02/F03/F04"],
  ["Pastes.csv", "strength ~ 1 + (1 | batch) + (1 | sample)", 60, ["(Intercept)"], "sample:(Intercept):30;batch:(Intercept):10", "A:a/A:b/A:c/B:a;A/B/C/D"],
  ["Pastes.csv", "strength ~ cask + (1 | batch:cask)", 60, ["(Intercept)", "caskb", "caskc"], "batch:cask:(Intercept):30", "A:a/A:b/A:c/B:a"],
  ["Pastes.csv", "strength ~ 1 + (1 | cask/batch)", 60, ["(Intercept)"], "batch:cask:(Intercept):30;cask:(Intercept):3", "A:a/A:b/A:c/B:a;a/b/c"],
  ["VerbAgg.csv", "r2 ~ btype * mode + situ + (1 | id) + (mode || item)", 7584, ["(Intercept)", "btypescold", "btypeshout", "modewant", "situself", "btypescold:modewant", "btypeshout:modewant"], "id:(Intercept):316;item:(Intercept):24;item:modedo+modewant:24", "1/2/3/4;S1DoCurse/S1DoScold/S1DoShout/S1WantCurse"],
  ["VerbAgg.csv", "r2 ~ (btype + mode + situ)^2 + Gender + (1 | id)", 7584, ["(Intercept)", "btypescold", "btypeshout", "modewant", "situself", "GenderM", "btypescold:modewant", "btypeshout:modewant", "btypescold:situself", "btypeshout:situself", "modewant:situself"], "id:(Intercept):316", "1/2/3/4"],
  ["cbpp.csv", "cbind(incidence, size - incidence) ~ period + (1 | herd)", 56, ["(Intercept)", "period"], "herd:(Intercept):15", "1/2/3/4"],
  ["grouseticks.csv", "TICKS ~ YEAR + HEIGHT + (1 | LOCATION/BROOD)", 403, ["(Intercept)", "YEAR", "HEIGHT"], "BROOD:LOCATION:(Intercept):118;LOCATION:(Intercept):63", "501:32/502:36/503:37/504:44;1/2/3/4"],
  ["bdf.csv", "langPOST ~ sex * Minority + denomina + (1 | schoolNR) + (1 | classNR)", 2287, ["(Intercept)", "sex", "MinorityY", "denomina", "sex:MinorityY"], "classNR:(Intercept):133;schoolNR:(Intercept):131", "180/280/1082/1280;1/2/10/12"],
  ["bdf.csv", "langPOST ~ ses + (ses | schoolNR:classNR)", 2287, ["(Intercept)", "ses"], "schoolNR:classNR:(Intercept)+ses:133", "1:180/2:280/10:1082/12:1280"],
  ["mathach.csv", "mathach ~ sector:ses + minority*sex + (1 | school) + (0 + ses | school)", 7185, ["(Intercept)", "minorityYes", "sexMale", "sectorCatholic:ses", "sectorPublic:ses", "minorityYes:sexMale"], "school:(Intercept):160;school:ses:160", "1224/1288/1296/1308"],
];

for (const [file, formula, nobs, coefnames, reTerms, firstLevels] of CASES) {
  test(`lFormula(${formula}) on ${file}`, () => {
    const table = readCsv(readFileSync(join(dataDir, file), 'utf8'), file);
    const binomial = formula.startsWith('cbind') || formula.startsWith('r2');
    const doc = parseMlm(`data: ${file}\nformula: ${formula}\n${binomial ? 'family: binomial\n' : ''}`);
    assert.deepEqual(doc.diagnostics, []);
    const fr = buildModelFrame(doc, doc.models[0], table);
    assert.equal(fr.n, nobs);
    assert.deepEqual(fr.coefnames, coefnames);
    assert.equal(fr.reTerms.map((r) => `${r.group}:${r.termNames.join('+')}:${r.levels.length}`).join(';'), reTerms);
    const firstOfEachGroup = fr.reTerms.filter((r, i, a) => a.findIndex((x) => x.group === r.group) === i);
    assert.equal(firstOfEachGroup.map((r) => r.levels.slice(0, 4).join('/')).join(';'), firstLevels);
  });
}

// 150 + 118 random formulas (see test/fixtures/lme4-formulas/README.md)
const fdir = join(import.meta.dirname, '..', 'fixtures', 'lme4-formulas');
const synth = readCsv(readFileSync(join(fdir, 'data.csv'), 'utf8'), 'data.csv');
function frameOf(formula: string) {
  const doc = parseMlm(`data: data.csv\nformula: ${formula}\n`);
  assert.deepEqual(doc.diagnostics, [], formula);
  return buildModelFrame(doc, doc.models[0], synth);
}
test('coefficient names of 150 random fixed-effects formulas equal lme4 lFormula colnames(X)', () => {
  const lines = readFileSync(join(fdir, 'fixed.tsv'), 'utf8').trim().split('\n');
  assert.equal(lines.length, 150);
  for (const line of lines) {
    const [formula, names] = line.split('\t');
    assert.equal(frameOf(formula).coefnames.join(','), names.trim(), formula);
  }
});
test('fixed and random-effects terms (columns, groups, levels, order) of 118 random formulas equal lme4', () => {
  const lines = readFileSync(join(fdir, 'random.tsv'), 'utf8').trim().split('\n');
  assert.equal(lines.length, 118);
  for (const line of lines) {
    const [formula, names, re] = line.split('\t');
    const fr = frameOf(formula);
    assert.equal(fr.coefnames.join(','), names, formula);
    assert.equal(fr.reTerms.map((r) => `${r.group}=${r.termNames.join('+')}=${r.levels.join('/')}`).join(';'), re.trim(), formula);
  }
});
