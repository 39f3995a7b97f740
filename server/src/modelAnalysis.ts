/** Structural analysis of one model against the data (engine analyzePreparedAsync), never throwing on user input. */
import {
  CancelledError,
  type DataTable,
  type FitHooks,
  MlmError,
  type MlmDiagnostic,
  analyzePreparedAsync,
  buildModelFrameAsync,
  fitSpecOf,
  type MlmDocument,
  type ModelDecl,
} from '../../engine/src/index';

/**
 * `table` has already gone through applyDocument (derive:, factors:, levels:). The work over the rows hands the
 * event loop back (hooks.yieldEveryMs), so other documents are answered meanwhile; it rejects with CancelledError
 * when `hooks.isCancelled()` (a newer version of the document).
 */
export async function analyzeModelSafely(doc: MlmDocument, model: ModelDecl, table: DataTable, hooks: FitHooks = {}): Promise<MlmDiagnostic[]> {
  try {
    const diags = await analyzePreparedAsync(doc, model, table, hooks);
    // correlation: / variance: checks need the model frame (only for models with those keys and no other error)
    if ((model.correlation?.spec || model.variance?.spec) && !diags.some((d) => d.severity === 'error')) {
      try {
        fitSpecOf(model, table, await buildModelFrameAsync(doc, model, table, { prepared: true }, hooks));
      } catch (e) {
        if (e instanceof MlmError) return [...diags, e.diagnostic];
        throw e;
      }
    }
    return diags;
  } catch (e) {
    if (e instanceof CancelledError) throw e;
    if (e instanceof MlmError) return [e.diagnostic];
    return [
      {
        severity: 'error',
        code: 'internal',
        message: `model '${model.name}' could not be checked: ${e instanceof Error ? e.message : String(e)}`,
        range: model.nameRange,
      },
    ];
  }
}
