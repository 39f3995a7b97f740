/** correlation: and variance: — parsing, located errors for bad input, and structure algebra checked by mathematics. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareModels } from '../../engine/src/frame/prepare';
import { parseStructure, type CorSpec } from '../../engine/src/nlme/spec';
import { armaAcf } from '../../engine/src/nlme/structures';
import type { MlmDiagnostic } from '../../engine/src/diagnostics';

const CSV = ['y,x,g,h,t,s', '1,1,a,p,1,u', '2,2,a,q,2,u', '3,1,b,p,3,v', '5,3,b,q,4,v', '4,2,c,p,5,v', '6,4,c,q,6,u', '2,1,d,p,7,v', '3,5,d,q,8,u'].join('\n') + '\n';

function errorsOf(modelLines: string[]): MlmDiagnostic[] {
  const text = ['data: d.csv', 'model m:', ...modelLines.map((l) => '  ' + l)].join('\n') + '\n';
  const prep = prepareModels(text, () => CSV);
  return prep.diagnostics.filter((d) => d.severity === 'error');
}

test('parseStructure: nlme constructors with form, p and q', () => {
  const c = parseStructure('corAR1(form = ~ 1 | Subject)', 'correlation') as CorSpec;
  assert.equal(c.type, 'corAR1');
  assert.equal(c.form?.covariate, null);
  assert.equal(c.form?.groups?.type, 'ident');
  assert.equal(c.form?.text, '~1 | Subject');
  const a = parseStructure('corARMA(p = 1, q = 2, form = ~ Days | Subject)', 'correlation') as CorSpec;
  assert.deepEqual([a.p, a.q], [1, 2]);
  const v = parseStructure('varPower(form = ~ Days + 1)', 'variance');
  assert.equal(v.form?.covariate?.type, 'binary');
  assert.equal(parseStructure('varFixed(~ x)', 'variance').form?.covariate?.type, 'ident');
});

test('unknown constructor and unknown argument: located errors with a suggestion', () => {
  let e = errorsOf(['formula: y ~ x + (1 | g)', 'correlation: corAR2(form = ~ 1 | g)']);
  assert.equal(e.length, 1);
  assert.match(e[0].message, /unknown correlation structure 'corAR2'.*corAR1/);
  assert.deepEqual([e[0].range!.start.line, e[0].range!.start.character, e[0].range!.end.character], [3, 15, 21]);
  e = errorsOf(['formula: y ~ x + (1 | g)', 'correlation: corAR1(fom = ~ 1 | g)']);
  assert.match(e[0].message, /no argument 'fom'.*did you mean 'form'/);
  assert.equal(e[0].range!.start.character, 22);
  e = errorsOf(['formula: y ~ x + (1 | g)', 'correlation: varIdent(form = ~ 1 | s)']);
  assert.match(e[0].message, /variance function: use variance:/);
});

test('a structure on crossed grouping factors names them', () => {
  const e = errorsOf(['formula: y ~ x + (1 | g) + (1 | h)', 'correlation: corCompSymm(form = ~ 1 | g)']);
  assert.equal(e.length, 1);
  assert.match(e[0].message, /'h' and 'g' are crossed|'g' and 'h' are crossed/);
  assert.equal(e[0].range!.start.line, 3);
});

test('corAR1 with a time covariate that is not an integer', () => {
  const e = errorsOf(['formula: y ~ x + (1 | g)', 'correlation: corAR1(form = ~ x / 2 | g)']);
  assert.match(e[0].message, /corAR1 needs an integer time covariate.*corCAR1/);
  assert.deepEqual([e[0].range!.start.line, e[0].range!.start.character], [3, 31]);
});

test('corSymm with more distinct times than a group has observations', () => {
  const e = errorsOf(['formula: y ~ x + (1 | g)', 'correlation: corSymm(form = ~ t | g)']);
  assert.match(e[0].message, /corSymm would estimate 28 correlations among 8 distinct times.*largest group has 2/);
});

test('varIdent with a stratum of one observation', () => {
  const csv1 = CSV.replace('3,5,d,q,8,u', '3,5,d,q,8,w');
  const prep = prepareModels('data: d.csv\nmodel m:\n  formula: y ~ x + (1 | g)\n  variance: varIdent(form = ~ 1 | s)\n', () => csv1);
  const e = prep.diagnostics.filter((d) => d.severity === 'error');
  assert.match(e[0].message, /varIdent stratum 'w' has 1 observation/);
  assert.equal(e[0].range!.start.line, 3);
});

test('df: satterthwaite with a residual structure is refused; the default is between-within', () => {
  const e = errorsOf(['formula: y ~ x + (1 | g)', 'correlation: corAR1()', 'df: satterthwaite']);
  assert.match(e[0].message, /not available for a model with correlation/);
  const prep = prepareModels('data: d.csv\nmodel m:\n  formula: y ~ x + (1 | g)\n  correlation: corAR1()\n', () => CSV);
  assert.ok(prep.models[0].spec.structures?.correlation);
  assert.equal(prep.models[0].spec.df, undefined);
});

test('ARMA autocorrelations: AR(1) gives φ^h, MA(1) gives θ/(1+θ²) at lag 1 and 0 beyond', () => {
  const ar = armaAcf([0.6], [], 3);
  ar.forEach((r, h) => assert.ok(Math.abs(r - 0.6 ** h) < 1e-12));
  const ma = armaAcf([], [0.5], 3);
  assert.ok(Math.abs(ma[1] - 0.5 / 1.25) < 1e-12);
  assert.ok(Math.abs(ma[2]) < 1e-15);
});
