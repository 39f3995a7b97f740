/** Renaming a model: its `model NAME:` header and every `compare:` mention. */
import type { Position, Range, WorkspaceEdit } from 'vscode-languageserver';
import { isModelName, MODEL_NAME_RULE } from '../../engine/src/index';
import type { DocumentAnalysis } from './analysis';

function within(pos: Position, r: Range): boolean {
  if (pos.line < r.start.line || pos.line > r.end.line) return false;
  if (pos.line === r.start.line && pos.character < r.start.character) return false;
  if (pos.line === r.end.line && pos.character > r.end.character) return false;
  return true;
}

/** The model name under the cursor (header or compare: line) and its range, or null. */
export function modelNameAt(a: DocumentAnalysis, pos: Position): { name: string; range: Range } | null {
  for (const m of a.doc.models) if (!m.implicit && within(pos, m.nameRange)) return { name: m.name, range: m.nameRange };
  for (const c of a.doc.compares) for (const n of c.models) if (within(pos, n.range)) return { name: n.value, range: n.range };
  return null;
}

export function prepareRename(a: DocumentAnalysis, pos: Position): { range: Range; placeholder: string } | null {
  const hit = modelNameAt(a, pos);
  if (!hit || !a.doc.models.some((m) => m.name === hit.name && !m.implicit)) return null;
  return { range: hit.range, placeholder: hit.name };
}

export function rename(a: DocumentAnalysis, pos: Position, newName: string): WorkspaceEdit | null {
  const hit = modelNameAt(a, pos);
  if (!hit) return null;
  if (!isModelName(newName)) throw new Error(`'${newName}' is not a valid model name (${MODEL_NAME_RULE})`);
  const edits = [
    ...a.doc.models.filter((m) => m.name === hit.name && !m.implicit).map((m) => ({ range: m.nameRange, newText: newName })),
    ...a.doc.compares.flatMap((c) => c.models.filter((n) => n.value === hit.name).map((n) => ({ range: n.range, newText: newName }))),
  ];
  return edits.length ? { changes: { [a.uri]: edits } } : null;
}
