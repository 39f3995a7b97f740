import type { FoldingRange } from 'vscode-languageserver';
import type { DocumentAnalysis } from './analysis';

/** Model blocks fold; so do runs of comment lines. */
export function foldingRanges(a: DocumentAnalysis): FoldingRange[] {
  const out: FoldingRange[] = [];
  for (const m of a.doc.models) {
    if (m.range.end.line > m.range.start.line) out.push({ startLine: m.range.start.line, endLine: m.range.end.line, kind: 'region' });
  }
  let start = -1;
  for (let i = 0; i <= a.lines.length; i++) {
    const isComment = i < a.lines.length && /^\s*#/.test(a.lines[i]);
    if (isComment && start < 0) start = i;
    if (!isComment && start >= 0) {
      if (i - 1 > start) out.push({ startLine: start, endLine: i - 1, kind: 'comment' });
      start = -1;
    }
  }
  return out;
}
