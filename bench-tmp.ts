import { parseMlm } from './engine/src/mlmfile/index';
import { fitFromSql } from './engine/src/sql/fit';
import { TestDuckDbRunner } from './test/conformance/duckdb-runner';
(async () => {
  const t0 = Date.now();
  const runner = await TestDuckDbRunner.open();
  const doc = parseMlm('data: crossed10m.parquet\nmodel m:\n  formula: y ~ x + (1 | g1) + (1 | g2)\n  method: ML\n');
  let tq = 0;
  const q = runner.query.bind(runner);
  (runner as any).query = async (sql: string) => { const t = Date.now(); const r = await q(sql); console.error('query', (Date.now() - t) / 1000, 's', r.rows.length, 'rows'); tq += Date.now() - t; return r; };
  const fit = await fitFromSql({ runner, relation: `read_parquet('${process.argv[2]}')`, label: 'crossed10m.parquet' }, doc, doc.models[0], { hooks: { yieldEveryMs: 0 } });
  const r = fit.result;
  console.log(JSON.stringify({ total_s: (Date.now() - t0) / 1000, queries_s: tq / 1000, nobs: r.nobs, deviance: r.deviance, fixef: r.fixef, se: r.se, theta: r.theta, sigma: r.sigma, evaluations: r.evaluations, q: r.scaledResidualQuantiles, rs: r.residualSummary, rssMB: process.memoryUsage().rss / 1e6 }));
  await runner.close();
})();
