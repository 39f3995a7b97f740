/**
 * After the fit: marginal means with Tukey pairs, the type III F tests, an estimate and 1000
 * predictions with se.fit (random effects included: their conditional covariance with β̂), on a fitted model (fitted once in setup, as the panel and the
 * CLI have it; the fit's coefficient tests already computed Satterthwaite's ingredients, which these
 * results reuse). Target: under a second beyond the fit, InstEval included.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareModels, type PreparedModel } from '../engine/src/frame/prepare';
import { fitMixedModel, type MixedModel } from '../engine/src/fit';
import { PostFit } from '../engine/src/inference/postfit';
import { predictNewData, predictionIntervals } from '../engine/src/inference/predict';
import { PredictionVariance } from '../engine/src/inference/condvar';
import type { DataTable } from '../engine/src/data/types';
import type { FitResult } from '../engine/src/result';
import type { BenchCase } from './run';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const dataDir = join(root, 'test/fixtures/reference/data');

interface PostFitCase {
  name: string;
  text: string;
  specs: string;
  estimate: string;
}

const CASES: PostFitCase[] = [
  {
    name: 'postfit mathach_bryk',
    text: 'data: mathach.csv\nlevels: sector = Public, Catholic\nmodel m:\n  formula: mathach ~ meanses * cses + sector * cses + (cses | school)\n',
    specs: 'sector',
    estimate: 'cses + cses:sectorCatholic',
  },
  {
    name: 'postfit insteval (73421 rows)',
    text: 'data: InstEval.csv\nfactors: service\nmodel m:\n  formula: y ~ service + (1 | s) + (1 | d) + (1 | dept:service)\n  method: ML\n',
    specs: 'service',
    estimate: '(Intercept) + service1',
  },
];

export const cases: BenchCase[] = CASES.map((c) => {
  let m: PreparedModel;
  let table: DataTable;
  let result: FitResult;
  let mixedModel: MixedModel;
  return {
    name: c.name,
    repeats: 3,
    async setup() {
      const prep = prepareModels(c.text, (rel) => readFileSync(join(dataDir, rel), 'utf8'));
      m = prep.models[0];
      table = prep.table as DataTable;
      ({ result, model: mixedModel } = await fitMixedModel(m.frame!, m.spec, {}));
    },
    async run() {
      const pf = new PostFit({ model: m.decl, table, frame: m.frame!, result, mixedModel });
      await pf.means({ specs: [c.specs] }, 'satterthwaite');
      await pf.anova(3);
      await pf.estimate(c.estimate);
      const rows = Array.from({ length: 1000 }, (_, i) => table.names.map((n) => {
        const col = table.columns.get(n)!;
        return col.raw[i % table.nrow] ?? '';
      }).join(','));
      const csv = `${table.names.join(',')}\n${rows.join('\n')}\n`;
      const { readCsv } = await import('../engine/src/data/csv');
      const pred = predictNewData({ model: m.decl, trainTable: table, frame: m.frame!, result, newTable: readCsv(csv, 'new.csv'), scale: 'link' });
      // se.fit with random effects: the conditional covariance of (β̂, b̂), factored once per fit
      predictionIntervals(pred, result, { interval: 'confidence', re: true, condVar: new PredictionVariance(m.frame!, result) });
    },
  };
});
