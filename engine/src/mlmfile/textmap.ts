/** Mapping character offsets of a joined value text back to document positions. */
import type { Position, SourceRange } from '../diagnostics';
import type { Span } from '../formula/ast';
import type { TextSegment, ValueText } from './types';

/** Document position of character offset `offset` of the value's text. */
export function positionAt(v: { segments: TextSegment[] }, offset: number): Position {
  const segs = v.segments;
  if (segs.length === 0) return { line: 0, character: 0 };
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    if (offset < s.offset) {
      // in the joining space before segment i: the end of the previous segment
      const p = segs[Math.max(0, i - 1)];
      return { line: p.line, character: p.character + p.length };
    }
    if (offset <= s.offset + s.length) return { line: s.line, character: s.character + (offset - s.offset) };
  }
  const last = segs[segs.length - 1];
  return { line: last.line, character: last.character + last.length };
}

/** Document range of a span of the value's text (e.g. a formula AST node's span). */
export function rangeOfSpan(v: { segments: TextSegment[] }, span: Span): SourceRange {
  return { start: positionAt(v, span.start), end: positionAt(v, span.end) };
}

/** Offset in the value's text of a document position, or -1 when the position is outside it. */
export function offsetAt(v: ValueText, pos: Position): number {
  for (const s of v.segments) {
    if (s.line === pos.line && pos.character >= s.character && pos.character <= s.character + s.length) {
      return s.offset + (pos.character - s.character);
    }
  }
  return -1;
}

export function makeValueText(segments: { line: number; character: number; text: string }[]): ValueText {
  let text = '';
  const segs: TextSegment[] = [];
  // an empty first piece (`formula:` with the value on the next lines) carries no text
  if (segments.some((s) => s.text.length > 0)) segments = segments.filter((s) => s.text.length > 0);
  for (const s of segments) {
    if (text.length > 0 && s.text.length > 0) text += ' ';
    if (s.text.length === 0 && segs.length > 0) continue;
    segs.push({ offset: text.length, line: s.line, character: s.character, length: s.text.length });
    text += s.text;
  }
  const first = segs[0];
  const last = segs[segs.length - 1];
  const range: SourceRange = first
    ? { start: { line: first.line, character: first.character }, end: { line: last.line, character: last.character + last.length } }
    : { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  return { text, range, segments: segs };
}
