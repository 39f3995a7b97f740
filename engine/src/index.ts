/**
 * Public API of the engine (pure TypeScript; runs in node and in a browser worker).
 *
 * Pipeline: parseMlm(text) -> readCsv(csvText, file) -> buildModelFrame(doc, model, table) -> fitModel(frame, spec).
 * Shortcut for the CLI and the language server:
 *   prepareModels(docText, readFile: (relPath) => string | undefined, options?) -> PreparedDocument
 *   (doc, tables, one { frame, spec, error, diagnostics } per model, all diagnostics), then
 *   fitModel(m.frame, m.spec, hooks) for each model with a frame.
 * Others add their exports below (additive).
 */
export * from './diagnostics';
export * from './hooks';
export type * from './result';
export * from './data/index';
export * from './mlmfile/index';
export * from './formula/index';
export * from './frame/index';
export { fitModel, type FitSpec } from './fit';
export * from './inference';
export { formatLmerSummary, formatGlmerSummary, formatSummary, type SummaryOptions } from './summary';
export { buildPlotData, withPlotData } from './plotdata';
export * from './plotfigures';
