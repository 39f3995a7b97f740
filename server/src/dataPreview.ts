/** mlm/dataPreview: the linked CSV's columns (type, missing count, summary) and first rows. */
import type { DocumentAnalysis } from './analysis';
import { allColumnInfo } from './columnInfo';
import type { DataPreviewResponse } from '../../protocol/index';

export function dataPreview(a: DocumentAnalysis, maxRows = 50): DataPreviewResponse | null {
  const t = a.table;
  if (!t) return null;
  const n = Math.max(0, Math.min(t.nrow, Math.floor(maxRows ?? 50)));
  const head: string[][] = [];
  const cols = t.names.map((name) => t.columns.get(name)!);
  for (let i = 0; i < n; i++) head.push(cols.map((c) => c.raw[i] ?? ''));
  return {
    file: a.doc.data?.value ?? t.fileName,
    rows: t.nrow,
    columns: allColumnInfo(t).map((c) => ({ name: c.name, type: c.type, missing: c.missing, summary: c.summary })),
    head,
  };
}
