/** Structural analysis of one model against the data (engine analyzePrepared), never throwing. */
import {
  type DataTable,
  MlmError,
  type MlmDiagnostic,
  analyzePrepared,
  type MlmDocument,
  type ModelDecl,
} from '../../engine/src/index';

/** `table` has already gone through applyDocument (derive:, factors:, levels:). */
export function analyzeModelSafely(doc: MlmDocument, model: ModelDecl, table: DataTable): MlmDiagnostic[] {
  try {
    return analyzePrepared(doc, model, table);
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
