/** The engine calls behind mlm/fit: model frame, fit (with the panel's plot data); likelihood-ratio comparisons. */
import {
  type SourceRange,
  MlmError,
  buildModelFrameAsync,
  modelKeyError,
  type ModelFrame,
  type FitHooks,
  compareModels,
  formatAnova,
  fitMixedModel,
  type FittedMixedModel,
  fitSpecOf,
  type ModelDecl,
  type FitResult,
  type SqlSource,
  type SqlProgress,
  type SqlQueryOptions,
  fitFromSql,
  locateSqlDiagnostic,
  type AnovaEntry,
} from '../../engine/src/index';
import type { DocumentAnalysis } from './analysis';
import type { SqlFitter } from './host';

/**
 * Rows of the per-observation arrays a fit sends to the editor (the residual and per-group plots); a larger fit sends an
 * evenly spaced sample of them (FitResult.observationSample; its figures come from all rows), so that the result is small
 * to freeze, keep and send.
 */
export const OBSERVATIONS_SENT = 10000;

/** `dataSource`: how the data reached the fit (FitResult.dataSource; default: how they were read). */
export async function runModelFit(a: DocumentAnalysis, m: ModelDecl, hooks: FitHooks, dataSource = a.dataSource): Promise<FittedMixedModel> {
  if (!a.table) throw new MlmError({ code: 'missing-data', message: 'the data file is not loaded', range: a.doc.data?.range ?? m.nameRange });
  // a bad family:, link: or nAGQ: line: the model is not fitted with the defaults instead
  const keyError = modelKeyError(a.doc.diagnostics, m);
  if (keyError) throw new MlmError(keyError);
  const frame = await buildModelFrameAsync(a.doc, m, a.table, { prepared: true }, hooks);
  // df:, method, nAGQ and the correlation:/variance: data, as the CLI (frame/prepare.ts fitSpecOf)
  return fitMixedModel(
    frame,
    { ...fitSpecOf(m, a.table, frame), plotData: true, observationLimit: OBSERVATIONS_SENT, postfit: { model: m, table: a.table }, ...(dataSource ? { dataSource } : {}) },
    hooks,
  );
}

/**
 * A model of a document whose data: is a SQL table (ClickHouse): fitted from one aggregation query, so the
 * fit has no rows in memory (no plot data from rows, no post-fit grid). Runner errors are located in the .mlm.
 */
export async function runSqlModelFit(
  a: DocumentAnalysis,
  m: ModelDecl,
  source: SqlSource,
  hooks: FitHooks,
  query: { signal: AbortSignal; onProgress?: (p: SqlProgress) => void },
): Promise<FittedMixedModel> {
  const keyError = modelKeyError(a.doc.diagnostics, m);
  if (keyError) throw new MlmError(keyError);
  try {
    return await fitFromSql(source, a.doc, m, { hooks, query });
  } catch (e) {
    if (e instanceof MlmError) throw new MlmError(locateSqlDiagnostic(e.diagnostic, a.doc, m));
    throw e;
  }
}

/**
 * A model of data read through the desktop's DuckDB: fitted in SQL over every row (cross-product blocks, or rows
 * collapsed to covariate patterns), as `mlm fit` does. A model SQL does not fit is fitted to the loaded rows when
 * the editor holds them all; else its reason is a located error. `sql`: fitted in SQL (no rows in memory).
 */
export async function runDuckDbModelFit(
  a: DocumentAnalysis,
  m: ModelDecl,
  fitter: SqlFitter,
  hooks: FitHooks,
  query: SqlQueryOptions,
): Promise<{ fitted: FittedMixedModel; sql: boolean }> {
  const keyError = modelKeyError(a.doc.diagnostics, m);
  if (keyError) throw new MlmError(keyError);
  let why: string;
  try {
    const got = await fitter.fit(a.doc, m, hooks, query);
    if (!('reason' in got)) return { fitted: got.fitted, sql: true };
    why = got.reason;
  } catch (e) {
    if (!(e instanceof MlmError)) throw e;
    // the rows' own path locates data errors (an unknown column, a wrong type) as the in-memory fit does
    if (!a.tableComplete) throw new MlmError(locateSqlDiagnostic(e.diagnostic, a.doc, m));
    why = e.message;
  }
  if (!a.tableComplete) {
    throw new MlmError({
      code: 'data-too-large',
      message: `model '${m.name}' needs its rows (${why}), and the editor holds only the first ${(a.table?.nrow ?? 0).toLocaleString('en-US')} rows of '${a.doc.data?.value ?? 'data'}': fit it with the command line (\`mlm fit\`)`,
      range: m.nameRange,
    });
  }
  // the path taken, as `mlm fit` says it
  return { fitted: await runModelFit(a, m, hooks, `${a.dataSource ?? a.doc.data?.value ?? 'data'}; fitted to the loaded rows (${why})`), sql: false };
}

export interface Comparison {
  models: string[];
  range: SourceRange;
  /** lme4's anova() table as text. */
  text: string;
  [k: string]: unknown;
}

export async function runComparison(
  a: DocumentAnalysis,
  entries: AnovaEntry[],
  hooks: FitHooks,
  range: SourceRange,
): Promise<Comparison> {
  const table = await compareModels(entries, hooks, { dataName: a.doc.data?.value ?? 'data' });
  return { ...table, models: entries.map((e) => e.name), range, text: formatAnova(table) };
}
