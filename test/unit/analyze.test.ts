import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readCsv } from '../../engine/src/data/csv';
import type { DataTable } from '../../engine/src/data/types';
import { parseMlm } from '../../engine/src/mlmfile/parse';
import { analyzeModel } from '../../engine/src/frame/analyze';
import { prepareModels } from '../../engine/src/frame/prepare';
import type { MlmDiagnostic, SourceRange } from '../../engine/src/diagnostics';

const dataDir = join(import.meta.dirname, '..', 'fixtures', 'reference', 'data');
const cache = new Map<string, DataTable>();
function data(file: string): DataTable {
  if (!cache.has(file)) cache.set(file, readCsv(readFileSync(join(dataDir, file), 'utf8'), file));
  return cache.get(file)!;
}
function analyze(file: string, body: string, table?: DataTable): { diags: MlmDiagnostic[]; lines: string[] } {
  const src = `data: ${file}\n${body}`;
  const doc = parseMlm(src);
  assert.deepEqual(doc.diagnostics.filter((d) => d.severity === 'error'), []);
  return { diags: analyzeModel(doc, doc.models[0], table ?? data(file)), lines: src.split('\n') };
}
function at(lines: string[], r: SourceRange): string {
  assert.equal(r.start.line, r.end.line);
  return lines[r.start.line].slice(r.start.character, r.end.character);
}
const codes = (ds: MlmDiagnostic[]) => ds.map((d) => d.code);

test('unknown column: did-you-mean and exact range', () => {
  const { diags, lines } = analyze('mathach.csv', 'formula: mathach ~ sess + (1 | schol)\n');
  assert.deepEqual(codes(diags), ['unknown-column', 'unknown-column']);
  assert.equal(at(lines, diags[0].range!), 'sess');
  assert.equal(diags[0].data!.suggestion, 'ses');
  assert.match(diags[0].message, /^unknown column 'sess' \(did you mean 'ses'\?\)$/);
  assert.equal(at(lines, diags[1].range!), 'schol');
  assert.equal(diags[1].data!.suggestion, 'school');
});

test("'.' for all columns is refused with a clear message", () => {
  const { diags, lines } = analyze('sleepstudy.csv', 'formula: Reaction ~ . + (1 | Subject)\n');
  assert.deepEqual(codes(diags), ['unknown-column']);
  assert.equal(at(lines, diags[0].range!), '.');
  assert.match(diags[0].message, /not supported/);
});

test('random slope of a variable constant within every group', () => {
  const { diags, lines } = analyze('mathach.csv', 'formula: mathach ~ pracad + (pracad | school)\n');
  const d = diags.find((x) => x.code === 'constant-within-group')!;
  assert.ok(d, JSON.stringify(diags));
  assert.match(d.message, /^each school has one value of pracad; a slope for pracad by school cannot be estimated/);
  assert.equal(at(lines, d.range!), 'pracad');
  assert.equal(d.range!.start.character, 'formula: mathach ~ pracad + ('.length);
  // an interaction with a variable that varies within schools is not constant
  const inter = analyze('mathach.csv', 'formula: mathach ~ ses * pracad + (ses:pracad | school)\n');
  assert.deepEqual(codes(inter.diags).filter((c) => c === 'constant-within-group'), []);
  const both = analyze('mathach.csv', 'formula: mathach ~ sector * pracad + (sector:pracad | school)\n');
  const b = both.diags.find((x) => x.code === 'constant-within-group')!;
  assert.match(b.message, /^each school has one value of sector:pracad/);
  assert.equal(at(both.lines, b.range!), 'sector:pracad');
  // ses varies within schools: no warning
  const ok = analyze('mathach.csv', 'formula: mathach ~ ses + (ses | school)\n');
  assert.deepEqual(codes(ok.diags), []);
});

test('a grouping factor with a single level', () => {
  const t = readCsv('y,x,g\n1,1,a\n2,2,a\n3,3,a\n', 'one.csv');
  const { diags, lines } = analyze('one.csv', 'formula: y ~ x + (1 | g)\n', t);
  assert.deepEqual(codes(diags), ['single-group']);
  assert.equal(at(lines, diags[0].range!), '(1 | g)');
});

test('as many random effects as observations (gaussian)', () => {
  const { diags, lines } = analyze('rats.csv', 'formula: m ~ 1 + (1 | batch)\n');
  assert.deepEqual(codes(diags), ['too-many-random-effects']);
  assert.match(diags[0].message, /'batch' has 71 levels for 71 observations/);
  assert.equal(at(lines, diags[0].range!), '(1 | batch)');
  // per term, as lme4: (Days | Subject) has 2 x 18 = 36 random effects, fine for 180 rows; with 30 rows it is not
  const few = readCsv(readFileSync(join(dataDir, 'sleepstudy.csv'), 'utf8').split('\n').filter((_, i) => i === 0 || i % 6 === 1).join('\n'), 'few.csv');
  assert.equal(few.nrow, 30);
  const many = analyze('few.csv', 'formula: Reaction ~ Days + (Days | Subject)\n', few);
  assert.deepEqual(codes(many.diags), ['too-many-random-effects']);
  assert.match(many.diags[0].message, /36 random effects \(2 × 18 groups\) for 30 observations/);
  // glmer does not check it (the reference fit rats_laplace has one batch per observation)
  assert.deepEqual(codes(analyze('rats.csv', 'formula: cbind(m, n - m) ~ 1 + (1 | batch)\nfamily: binomial\n').diags), []);
});

test('ids repeating across parent groups: suggests parent/child', () => {
  const { diags, lines } = analyze('Pastes.csv', 'formula: strength ~ 1 + (1 | batch) + (1 | cask)\n');
  assert.deepEqual(codes(diags), ['repeated-group-ids', 'few-groups']);
  assert.equal(diags[1].severity, 'information');
  assert.equal(at(lines, diags[1].range!), '(1 | cask)');
  assert.equal(diags[0].data!.suggestion, '(1 | batch/cask)');
  assert.match(diags[0].message, /the same cask ids occur in several batch groups/);
  assert.equal(at(lines, diags[0].range!), '(1 | cask)');
  assert.deepEqual(codes(analyze('Pastes.csv', 'formula: strength ~ 1 + (1 | batch/cask)\n').diags), []);
  // crossed designs are not flagged
  assert.deepEqual(codes(analyze('Penicillin.csv', 'formula: diameter ~ 1 + (1 | plate) + (1 | sample)\n').diags), []);
});

test('non-numeric response, 0/1 response with gaussian family', () => {
  let r = analyze('VerbAgg.csv', 'formula: r2 ~ Anger + (1 | id)\n');
  assert.deepEqual(codes(r.diags), ['non-numeric-response']);
  assert.equal(at(r.lines, r.diags[0].range!), 'r2');
  assert.match(r.diags[0].message, /family: binomial/);
  r = analyze('mathach.csv', 'formula: himinty ~ ses + (1 | school)\n');
  assert.deepEqual(codes(r.diags), ['binary-response']);
  assert.equal(at(r.lines, r.diags[0].range!), 'himinty');
  assert.equal(r.diags[0].severity, 'warning');
  assert.deepEqual(r.diags[0].data, { family: 'binomial' });
});

test('no rows left after removing missing values; dropped rows are reported', () => {
  const t = readCsv('y,x,g\n1,,a\n2,,b\n3,,a\n4,,b\n', 'na.csv');
  const r = analyze('na.csv', 'formula: y ~ x + (1 | g)\n', t);
  assert.deepEqual(codes(r.diags), ['no-rows']);
  const t2 = readCsv('y,x,g\n1,1,a\n2,,b\n3,3,a\n4,4,b\n5,5,a\n6,6,b\n', 'na2.csv');
  const r2 = analyze('na2.csv', 'formula: y ~ x + (1 | g)\n', t2);
  assert.deepEqual(codes(r2.diags), ['rows-dropped', 'few-groups']);
  assert.equal(r2.diags[0].severity, 'information');
  assert.equal(r2.diags[0].data!.rowsDropped, 1);
});

test('a bar without parentheses, nAGQ > 1 with a vector random effect', () => {
  let r = analyze('sleepstudy.csv', 'formula: Reaction ~ Days + 1 | Subject\n');
  assert.ok(codes(r.diags).includes('bar-without-parens'));
  const bar = r.diags.find((d) => d.code === 'bar-without-parens')!;
  assert.equal(bar.data!.replacement, 'Days + (1 | Subject)');
  assert.equal(at(r.lines, bar.data!.replaceRange as SourceRange), 'Days + 1 | Subject');
  assert.equal(at(r.lines, bar.range!), '|');
  r = analyze('cbpp.csv', 'formula: cbind(incidence, size - incidence) ~ period + (period | herd)\nfamily: binomial\nnAGQ: 5\n');
  assert.ok(codes(r.diags).includes('nagq-vector'));
});

test('hints: a grouping factor that is also a fixed effect, a random slope without its fixed effect', () => {
  let r = analyze('Orthodont.csv', 'formula: distance ~ age + Subject + (1 | Subject)\n');
  assert.ok(codes(r.diags).includes('group-also-fixed'), JSON.stringify(r.diags));
  const d = r.diags.find((x) => x.code === 'group-also-fixed')!;
  assert.equal(at(r.lines, d.range!), 'Subject');
  assert.equal(d.range!.start.character, 'formula: distance ~ age + '.length);
  r = analyze('sleepstudy.csv', 'formula: Reaction ~ 1 + (Days | Subject)\n');
  assert.deepEqual(codes(r.diags), ['slope-without-fixed']);
  assert.equal(at(r.lines, r.diags[0].range!), 'Days');
  assert.equal(r.diags[0].severity, 'information');
});

test('a formula without random-effects terms', () => {
  const r = analyze('sleepstudy.csv', 'formula: Reaction ~ Days\n');
  assert.deepEqual(codes(r.diags), ['no-random-effects']);
  assert.equal(at(r.lines, r.diags[0].range!), 'Reaction ~ Days');
});

test('the reference cases raise no error or warning', () => {
  const fitsDir = join(import.meta.dirname, '..', 'fixtures', 'reference', 'fits');
  for (const f of readdirSync(fitsDir).filter((x) => x.endsWith('.json'))) {
    const fit = JSON.parse(readFileSync(join(fitsDir, f), 'utf8'));
    if (fit.id === 'insteval_ml') continue; // large; covered by the frame tests
    const family = fit.family === 'gaussian' ? '' : `family: ${fit.family}(${fit.link})\nnAGQ: ${fit.nAGQ}\n`;
    const levels = fit.id === 'mathach_bryk' ? 'levels: sector = Public, Catholic\n' : '';
    const { diags } = analyze(fit.data, `${levels}formula: ${fit.formula}\n${family}`);
    assert.deepEqual(diags.filter((d) => d.severity === 'error' || d.severity === 'warning'), [], fit.id);
  }
});

test('prepareModels: the shared pipeline with a file reader', () => {
  const files: Record<string, string> = { 'sleep.csv': readFileSync(join(dataDir, 'sleepstudy.csv'), 'utf8') };
  const text = 'data: sleep.csv\nmodel full:\n  formula: Reaction ~ Days + (Days | Subject)\nmodel bad:\n  formula: Reaction ~ Dayz + (1 | Subject)\n';
  const prep = prepareModels(text, (p) => files[p]);
  assert.equal(prep.models.length, 2);
  assert.equal(prep.models[0].frame!.n, 180);
  assert.deepEqual(prep.models[0].spec, {
    id: 'full',
    REML: true,
    nAGQ: 1,
    range: { start: { line: 2, character: 11 }, end: { line: 2, character: 45 } },
  });
  assert.equal(prep.models[1].frame, null);
  assert.equal(prep.models[1].error!.code, 'unknown-column');
  assert.deepEqual(codes(prep.diagnostics), ['unknown-column']);
  const missing = prepareModels('data: nope.csv\nformula: y ~ 1 + (1 | g)\n', () => undefined);
  assert.deepEqual(codes(missing.diagnostics), ['data-not-found']);
  assert.equal(missing.models[0].error!.code, 'data-not-found');
  const badDerive = prepareModels('data: sleep.csv\nderive: z = mean(nope)\nformula: Reaction ~ z + (1 | Subject)\n', (p) => files[p]);
  assert.deepEqual(codes(badDerive.diagnostics), ['unknown-column']);
  assert.equal(badDerive.models[0].error!.code, 'unknown-column');
  const noFormula = prepareModels('data: sleep.csv\nmodel a:\n  method: ML\n', (p) => files[p]);
  assert.equal(noFormula.models[0].error!.code, 'missing-formula');
  assert.deepEqual(missing.diagnostics[0].range, { start: { line: 0, character: 6 }, end: { line: 0, character: 14 } });
  const badCsv = prepareModels('data: b.csv\nformula: y ~ 1 + (1 | g)\n', () => 'y,g\n1,a\n2\n');
  assert.deepEqual(codes(badCsv.diagnostics), ['csv-fields']);
  assert.deepEqual(badCsv.diagnostics[0].csv, { file: 'b.csv', row: 3, column: 'g' });
});

test('prepareModels never throws while a document is being typed (300 random edits)', () => {
  const csv = readFileSync(join(dataDir, 'sleepstudy.csv'), 'utf8');
  const base =
    'data: sleep.csv\nlevels: Subject = 309\nfactors: Days\nderive: md = mean(Reaction) by Subject\n\nmodel a:\n  formula: Reaction ~ Days + md +\n     (Days | Subject)\n  method: ML\nmodel b:\n  formula: cbind(Days, 9 - Days) ~ 1 + (1 | Subject)\n  family: binomial(probit)\n  nAGQ: 3\ncompare: a, b\n';
  const junk = ['(', ')', '|', '||', ':', '~', '+', ' ', '\n', '#', '"', 'x', '0', '/', '*', '^', ',', '=', ' by ', '  ', 'model z:\n', 'I(', 'factor('];
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let it = 0; it < 300; it++) {
    let s = base;
    for (let k = 0; k < 1 + rnd(3); k++) {
      const pos = rnd(s.length);
      s = rnd(2) ? s.slice(0, pos) + s.slice(pos + 1 + rnd(4)) : s.slice(0, pos) + junk[rnd(junk.length)] + s.slice(pos);
    }
    const prep = prepareModels(s, (p) => (p === 'sleep.csv' ? csv : undefined));
    for (const d of prep.diagnostics) assert.ok(typeof d.message === 'string' && d.message.length > 0);
  }
});
