/**
 * The blocks query of a model whose data are also at hand as a table (the CLI's `mlm sql` prints it for a
 * warehouse): column types and the levels of categorical predictors come from the table instead of
 * DESCRIBE and DISTINCT queries.
 */
import { compareR, numberLabelR } from '../data/rsort';
import type { DataTable } from '../data/types';
import type { ModelFrame } from '../frame/types';
import type { MlmDocument, ModelDecl } from '../mlmfile/types';
import { compilePlan, designOf, orderKeyLevels, type Design, type KeyLevels, type KnownCentres } from './compile';
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

/**
 * The centres of a design's basis from the model's in-memory frame (the same rows): each basis entry is a model
 * column the frame holds under the same name (the response, a fixed-effects column, a random-effects column), so
 * its mean is that column's. An entry the frame lacks (a fixed-effects column dropped for rank) is centred at 0.
 * `nAll`: the table's rows before na.omit.
 */
export function frameCentres(design: Design, frame: ModelFrame, nAll: number): KnownCentres {
  const n = frame.n;
  const columns = new Map<string, ArrayLike<number>>();
  frame.coefnames.forEach((name, j) => columns.set(name, frame.X.subarray(j * n, (j + 1) * n)));
  for (const t of frame.reTerms) t.termNames.forEach((name, c) => columns.set(name, t.Z.subarray(c * n, (c + 1) * n)));
  const named = new Map<number, ArrayLike<number>>([[design.y, frame.y]]);
  for (const c of [...design.x, ...design.random.flatMap((r) => r.columns)]) {
    const values = columns.get(c.name);
    if (values && !named.has(c.basis)) named.set(c.basis, values);
  }
  const centres = new Float64Array(design.basis.length);
  for (const [b, values] of named) {
    if (b === 0 || n === 0) continue;
    let s = 0;
    for (let i = 0; i < n; i++) s += values[i];
    centres[b] = s / n;
  }
  return { centres, nAll };
}
