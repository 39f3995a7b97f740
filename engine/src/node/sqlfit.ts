/**
 * A model of data read through the embedded DuckDB, fitted where the data are, as `mlm fit` and the desktop
 * language server both do: a linear mixed model from the cross-product blocks of one aggregation query
 * (sql/fit.ts fitFromSql), a binomial or Poisson model from its rows collapsed to covariate patterns
 * (collapse.ts). No row is loaded into memory.
 */
import type { FitHooks } from '../hooks';
import { deepFreeze } from '../freeze';
import { modelSettings } from '../mlmfile/spec';
import type { MlmDocument, ModelDecl } from '../mlmfile/types';
import { fitFromSql } from '../sql/fit';
import type { SqlQueryOptions } from '../sql/runner';
import { fitCollapsedGlmm, type CollapsedFit } from './collapse';
import { DuckDbRunner, type DuckDbOptions } from './duckdb';

export interface DuckDbSource {
  /** What follows FROM (read_parquet([...]) / read_csv([...], ...)). */
  relation: string;
  /** The `data:` value, for messages. */
  label: string;
  /** Why the data go through DuckDB (data/route.ts: "a Parquet file"), for the note. */
  reason: string;
}

/**
 * Fits one model of DuckDB data in SQL. `{ reason }` when the model needs its rows loaded instead (a family other
 * than gaussian, binomial and Poisson, or rows that do not collapse); an MlmError of the blocks path (a term SQL
 * does not compute, an unknown column) is thrown for the caller to fall back or report; CancelledError when
 * `query.signal` aborts or `hooks.isCancelled` says so.
 */
export async function fitDuckDbModel(
  doc: MlmDocument,
  decl: ModelDecl,
  source: DuckDbSource,
  options: { hooks?: FitHooks; query?: SqlQueryOptions; duckdb?: DuckDbOptions } = {},
): Promise<CollapsedFit | { reason: string }> {
  const family = modelSettings(decl).family;
  if (family !== 'gaussian' && family !== 'binomial' && family !== 'poisson') return { reason: `a ${family} model is fitted to its rows` };
  const runner = await DuckDbRunner.open(options.duckdb);
  let columns: string[];
  try {
    if (family === 'gaussian') {
      const fit = await fitFromSql({ runner, relation: source.relation, label: source.label }, doc, decl, { hooks: options.hooks, query: options.query });
      const note = `DuckDB (${source.reason}): cross-product blocks of ${fit.nAll.toLocaleString('en-US')} rows from one aggregation query`;
      return { fitted: { ...fit, result: deepFreeze({ ...fit.result, dataSource: note }) }, note };
    }
    columns = (await runner.describe(source.relation, options.query)).map((c) => c.name);
  } finally {
    await runner.close();
  }
  // binomial and Poisson: rows collapsed to covariate patterns (in a runner of their own)
  return fitCollapsedGlmm(doc, decl, { ...source, columns }, { ...options.duckdb, ...options.query }, options.hooks);
}
