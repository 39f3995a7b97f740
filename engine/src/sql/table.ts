/**
 * The blocks query of a model whose data are also at hand as a table (the CLI's `mlm sql` prints it for a
 * warehouse): column types and the levels of categorical predictors come from the table instead of
 * DESCRIBE and DISTINCT queries.
 */
import { compareR, numberLabelR } from '../data/rsort';
import type { DataTable } from '../data/types';
import type { MlmDocument, ModelDecl } from '../mlmfile/types';
import { compilePlan, designOf, orderKeyLevels, type Design, type KeyLevels } from './compile';
import type { SqlColumn, SqlDialectName } from './runner';

/** Column types of a table as SQL types (numbers DOUBLE, text VARCHAR). */
export function tableColumns(table: DataTable): SqlColumn[] {
  return table.names.map((name) => ({ name, type: table.columns.get(name)!.kind === 'numeric' ? 'DOUBLE' : 'VARCHAR' }));
}

/**
 * The design of a model over `relation`, with the table's types and the levels found in `rows`
 * (the rows the model uses: its in-memory frame's rows).
 */
export function designFromTable(doc: MlmDocument, decl: ModelDecl, table: DataTable, rows: ArrayLike<number>, dialect: SqlDialectName, relation: string): Design {
  const plan = compilePlan(doc, decl, tableColumns(table), dialect, relation);
  const levels = new Map<number, KeyLevels>();
  for (const k of plan.factorKeys) {
    const kc = plan.keys[k];
    const col = table.columns.get(kc.column)!;
    const values: (string | number)[] = [];
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      if (col.kind === 'numeric') values.push(col.values[r]);
      else values.push(col.levels[col.codes[r]]);
    }
    levels.set(k, orderKeyLevels(values, kc.numeric, plan.levelOrders.get(kc.column), compareR, numberLabelR));
  }
  return designOf(plan, levels);
}
