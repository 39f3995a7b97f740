/** Go to definition: a model name in a `compare:` line jumps to its `model NAME:` header. */
import type { Location, Position } from 'vscode-languageserver';
import type { DocumentAnalysis } from './analysis';

function within(pos: Position, r: { start: Position; end: Position }): boolean {
  if (pos.line < r.start.line || pos.line > r.end.line) return false;
  if (pos.line === r.start.line && pos.character < r.start.character) return false;
  if (pos.line === r.end.line && pos.character > r.end.character) return false;
  return true;
}

export function definition(a: DocumentAnalysis, pos: Position): Location | null {
  for (const c of a.doc.compares) {
    for (const name of c.models) {
      if (!within(pos, name.range)) continue;
      const m = a.doc.models.find((x) => x.name === name.value);
      return m ? { uri: a.uri, range: m.nameRange } : null;
    }
  }
  return null;
}
