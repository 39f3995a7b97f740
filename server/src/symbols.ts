import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import { modelSettings } from '../../engine/src/index';
import type { DocumentAnalysis } from './analysis';

/** One symbol per model (with its formula as detail), plus the data line and compare lines. */
export function documentSymbols(a: DocumentAnalysis): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  if (a.doc.data) {
    out.push({
      name: `data: ${a.doc.data.value}`,
      kind: SymbolKind.File,
      range: a.doc.data.range,
      selectionRange: a.doc.data.range,
    });
  }
  for (const m of a.doc.models) {
    const s = modelSettings(m);
    const children: DocumentSymbol[] = [];
    if (m.formula) {
      children.push({
        name: 'formula',
        detail: m.formula.text,
        kind: SymbolKind.Property,
        range: m.formula.range,
        selectionRange: m.formula.range,
      });
    }
    out.push({
      name: m.name,
      detail: `${m.formula?.text ?? ''}${s.family === 'gaussian' ? (s.REML ? '  (REML)' : '  (ML)') : `  (${s.family}, ${s.link})`}`,
      kind: SymbolKind.Class,
      range: m.range,
      selectionRange: m.nameRange,
      children,
    });
  }
  for (const c of a.doc.compares) {
    out.push({
      name: `compare: ${c.models.map((x) => x.value).join(', ')}`,
      kind: SymbolKind.Event,
      range: c.range,
      selectionRange: c.range,
    });
  }
  return out;
}
