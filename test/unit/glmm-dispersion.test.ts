// The exact Laplace and adaptive Gauss-Hermite deviances of glmm/dispersion.ts at fixed parameters,
// against the marginal log-likelihood R computes by numerical integration over each group's random
// intercept (test/fixtures/glmmtmb/make.R: integrate() of Π f(y | b) φ(b; 0, sd)).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareModels } from '../../engine/src/frame/prepare';
import { DispersionObjective } from '../../engine/src/glmm/dispersion';
import { makeFamily } from '../../engine/src/glmm/family';
import { ghRule } from '../../engine/src/glmm/ghq';

const FIX = join(__dirname, '..', 'fixtures');
const extra = JSON.parse(readFileSync(join(FIX, 'glmmtmb', 'extra.json'), 'utf8')) as {
  exact: { id: string; data: string; formula: string; family: string; par: { beta: number[]; sd: number; theta?: number; sigma?: number }; logLik: number }[];
};

for (const c of extra.exact) {
  test(`${c.id}: AGQ (25 points) equals the integrated log-likelihood`, () => {
    const prep = prepareModels(`data: ${c.data}\nformula: ${c.formula}\nfamily: ${c.family}\n`, (rel) => readFileSync(join(FIX, 'reference', 'data', rel), 'utf8'));
    const frame = prep.models[0].frame;
    assert.ok(frame, prep.models[0].error?.message);
    const s = c.par.theta ?? c.par.sigma!;
    const x = [c.par.sd, ...c.par.beta, Math.log(s)];
    const fam = makeFamily(frame.family, frame.link, s);
    const agq = -new DispersionObjective(frame, fam, ghRule(25)).deviance(x) / 2;
    assert.ok(Math.abs(agq - c.logLik) < 1e-6, `AGQ ${agq} vs integrate() ${c.logLik}`);
  });
}
