/**
 * The engine's public entry (pure TypeScript; runs in node and in a browser worker).
 * server/ and client/ import the engine ONLY from here (test/unit/boundaries.test.ts enforces it);
 * tests and engine/src/cli may import internals.
 *
 * Pipeline: parseMlm(text) -> readCsv(csvText, file) -> buildModelFrame(doc, model, table) -> fitModel(frame, spec).
 * Shortcut for the CLI and the language server:
 *   prepareModels(docText, readFile: (relPath) => string | undefined, options?) -> PreparedDocument
 *   (doc, tables, one { frame, spec, error, diagnostics } per model, all diagnostics), then
 *   fitModel(m.frame, m.spec, hooks) for each model with a frame.
 *
 * Adding an export: put it in the section of its folder (one line per module), keep it additive.
 */

// Located messages, progress and cancellation.
export * from './diagnostics';
export * from './hooks';

// The fitted model as it leaves the engine.
export type * from './result';
export { fitModel, fitMixedModel, type FitSpec, type FittedMixedModel, type MixedModel } from './fit';
export { buildPlotData, withPlotData } from './plotdata';
export * from './plotfigures';
export type { EffectFigure, EffectSeries } from './effects';

// Data in SQL engines: the runner contract and ClickHouse over HTTP (fetch); fits from cross-product blocks.
export type * from './sql/runner';
export * from './sql/clickhouse';
export { locateSqlDiagnostic } from './sql/locate';

// Text -> data -> model frame.
export * from './data/index';
// Data read through SQL (DuckDB, duckdb-wasm, ClickHouse): columns -> DataTable.
export * from './sql/columns';
export * from './mlmfile/index';
export * from './formula/index';
export { unparen, additiveNodes, additivePieces } from './formula/deparse';
export * from './frame/index';

// The .mlm vocabulary, one table per kind of word (parser, completion and hover read these):
// keys, families, links, methods and the model-name grammar in mlmfile/keys.ts (exported with mlmfile/index above);
// the functions of formulas, weights: and derive: in formula/functions.ts.
export { FUNCTION_SPECS, SPEC_BY_NAME, type FunctionSpec, type FunctionParam } from './formula/functions';

// After the fit: tests, intervals, comparisons, sentences.
export * from './inference/index';

// R's printed output (summary(), printCoefmat, VarCorr) and the cells the results panel shows.
export { formatLmerSummary, formatGlmerSummary, formatNlmeSummary, formatSummary, lmerCoefTable, glmerCoefTable, type SummaryOptions } from './summary/index';
export { formatR, formatPval, roundR, catNumber, printCoefmat, abbreviate } from './summary/index';
export { formatPvalue } from './summary/rformat';
export { formatCoefmat, type CoefTable, type CoefmatOptions, type CoefmatCells } from './summary/coefmat';
export { aicTable, remlCriterionText, correlationLines, residualLines, scaledResidualQuantiles } from './summary/sections';
export { varCorrCells, type VarCorrCells } from './summary/varcorr';
export { formatModelCheck, formatResiduals } from './summary/check';

// Data beyond memory: the SqlRunner contract, the query compiler, the fit from cross-product blocks (engine/src/sql).
export * from './sql/index';
