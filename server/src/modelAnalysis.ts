/** Structural analysis of one model against the data (engine analyzeModel), never throwing. */
import type { DataTable } from '../../engine/src/data/types';
import { MlmError, type MlmDiagnostic } from '../../engine/src/diagnostics';
import type { MlmDocument, ModelDecl } from '../../engine/src/mlmfile/types';

export function analyzeModelSafely(doc: MlmDocument, model: ModelDecl, table: DataTable): MlmDiagnostic[] {
  try {
    void doc;
    void model;
    void table;
    return []; // wired to engine analyzeModel when it lands
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
