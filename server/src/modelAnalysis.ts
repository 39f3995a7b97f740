/** Structural analysis of one model against the data (engine analyzePrepared), never throwing. */
import {
  type DataTable,
  MlmError,
  type MlmDiagnostic,
  analyzePrepared,
  buildModelFrame,
  fitSpecOf,
  type MlmDocument,
  type ModelDecl,
} from '../../engine/src/index';

/** `table` has already gone through applyDocument (derive:, factors:, levels:). */
export function analyzeModelSafely(doc: MlmDocument, model: ModelDecl, table: DataTable): MlmDiagnostic[] {
  try {
    const diags = analyzePrepared(doc, model, table);
    // correlation: / variance: checks need the model frame (only for models with those keys and no other error)
    if ((model.correlation?.spec || model.variance?.spec) && !diags.some((d) => d.severity === 'error')) {
      try {
        fitSpecOf(model, table, buildModelFrame(doc, model, table, { prepared: true }));
      } catch (e) {
        if (e instanceof MlmError) return [...diags, e.diagnostic];
        throw e;
      }
    }
    return diags;
  } catch (e) {
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
