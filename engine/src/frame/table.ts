/**
 * The data table as the document says to read it: `derive:` columns added, `factors:` columns made
 * categorical (levels sorted numerically, labelled as R's as.character), `levels:` orders applied.
 */
import { MlmError } from '../diagnostics';
import { numericAsFactor, unknownColumnError, withColumn } from '../data/columns';
import type { DataTable, TextColumn } from '../data/types';
import { suggestName } from '../formula/suggest';
import type { MlmDocument } from '../mlmfile/types';
import { applyDerives } from './derive';


function asText(table: DataTable, name: string): TextColumn {
  const col = table.columns.get(name)!;
  if (col.kind === 'text') return col;
  const f = numericAsFactor(col.values);
  return { kind: 'text', name, codes: f.codes, levels: f.levels, raw: col.raw };
}

/** Applies the document's derive:, factors: and levels: lines. Throws MlmError with the line's range. */
export function applyDocument(doc: MlmDocument, table: DataTable): DataTable {
  let t = applyDerives(table, doc.derives);
  for (const f of doc.factors) {
    if (!t.columns.has(f.value)) throw unknownColumnError(t, f.value, f.range);
    t = withColumn(t, asText(t, f.value));
  }
  for (const decl of doc.levels) {
    const name = decl.factor.value;
    if (!t.columns.has(name)) throw unknownColumnError(t, name, decl.factor.range);
    const col = asText(t, name);
    const index = new Map(col.levels.map((l, i) => [l, i] as [string, number]));
    const order: number[] = [];
    for (const l of decl.levels) {
      const i = index.get(l.value);
      if (i === undefined) {
        const s = suggestName(l.value, col.levels);
        const shown = col.levels.slice(0, 8).join(', ') + (col.levels.length > 8 ? ', ...' : '');
        throw new MlmError({
          code: 'unknown-level',
          message: `'${name}' has no level '${l.value}'${s ? ` (did you mean '${s}'?)` : ''}; its levels are ${shown}`,
          range: l.range,
          data: s ? { suggestion: s } : undefined,
        });
      }
      order.push(i);
    }
    const listed = new Set(order);
    col.levels.forEach((_, i) => {
      if (!listed.has(i)) order.push(i);
    });
    const newIndex = new Int32Array(col.levels.length);
    order.forEach((old, pos) => (newIndex[old] = pos));
    const codes = new Int32Array(col.codes.length);
    for (let i = 0; i < codes.length; i++) {
      const c = col.codes[i];
      codes[i] = c < 0 ? -1 : newIndex[c];
    }
    t = withColumn(t, { ...col, codes, levels: order.map((i) => col.levels[i]), firstNonNumeric: undefined });
  }
  return t;
}
