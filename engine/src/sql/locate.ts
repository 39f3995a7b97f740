/**
 * Where a SQL engine's failure belongs in the .mlm file. A runner's MlmError has no range (it knows the
 * query, not the document): a table, server or login problem is about the `data:` line; an unknown column
 * is about the place the model uses it (its formula, or the file's levels:/factors: lines).
 */
import type { MlmDiagnostic } from '../diagnostics';
import { frameVariables } from '../frame/variables';
import type { MlmDocument, ModelDecl } from '../mlmfile/types';

/** The diagnostic with a range in the document (unchanged when it has one). */
export function locateSqlDiagnostic(d: MlmDiagnostic, doc: MlmDocument, decl: ModelDecl | null): MlmDiagnostic {
  if (d.range) return d;
  if (d.code === 'sql-unknown-column' && decl) {
    const column = typeof d.data?.column === 'string' ? d.data.column : null;
    const use = column ? frameVariables(decl).find((u) => u.name === column) : undefined;
    const range = use?.range ?? decl.formula?.range ?? decl.nameRange;
    return { ...d, range };
  }
  if (d.code.startsWith('sql-') && doc.data) return { ...d, range: doc.data.range };
  return decl ? { ...d, range: decl.formula?.range ?? decl.headerRange } : d;
}
