/**
 * What the cursor is on, from the text of its line (and the lines above for the enclosing block).
 * Used by completion, which must work on incomplete text the parser rejects.
 */
import { MODEL_NAME_PATTERN } from '../../engine/src/index';

export type CursorContext =
  | { kind: 'key'; inModel: boolean; start: number }
  | { kind: 'modelName'; start: number }
  | { kind: 'data'; start: number; end: number; typed: string }
  | { kind: 'formula'; part: 'lhs' | 'rhs' | 'grouping'; start: number; typed: string }
  | { kind: 'columns'; key: string; start: number; typed: string }
  | { kind: 'family'; start: number; typed: string; inParens: boolean; family: string }
  | { kind: 'link'; start: number; typed: string }
  | { kind: 'method'; start: number; typed: string }
  | { kind: 'engine'; start: number; typed: string }
  | { kind: 'df'; start: number; typed: string }
  | { kind: 'structure'; which: 'correlation' | 'variance'; start: number; typed: string; inParens: boolean; constructor: string }
  | { kind: 'compare'; start: number; typed: string; listed: string[] }
  | { kind: 'levelValues'; column: string; start: number; typed: string; listed: string[] }
  /** A contrast coding: after `FACTOR =` in `contrasts:`, or the second argument of C(f, …). */
  | { kind: 'contrasts'; start: number; typed: string }
  | { kind: 'none' };

const KEY_LINE = /^(\s*)([A-Za-z_][A-Za-z0-9_.]*)\s*:/;
const WORD_BEFORE = /[A-Za-z0-9_.]*$/;
/** `model NAME` being typed (the parser's model-name grammar, keys.ts). */
const MODEL_HEADER_BEFORE = new RegExp(`^\\s*model\\s+(${MODEL_NAME_PATTERN})?$`);

/** Is line `line` inside a model block: an indented line below a `model` header, with no top-level line between. */
export function inModelBlock(lines: readonly string[], line: number): boolean {
  for (let i = line - 1; i >= 0; i--) {
    const t = lines[i];
    if (/^\s*(#.*)?$/.test(t)) continue;
    if (/^\s*model\b/.test(t)) return true;
    if (!/^\s/.test(t)) return false;
  }
  return false;
}

/** Strip a trailing comment, respecting quotes. */
function codePart(s: string): string {
  let q: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === q) q = null;
    } else if (c === '"' || c === "'" || c === '`') q = c;
    else if (c === '#') return s.slice(0, i);
  }
  return s;
}

export function cursorContext(lines: readonly string[], line: number, character: number): CursorContext {
  const full = lines[line] ?? '';
  const before = full.slice(0, character);
  if (codePart(before).length < before.length) return { kind: 'none' }; // in a comment
  const typedWord = WORD_BEFORE.exec(before)![0];
  const wordStart = character - typedWord.length;

  // `model NAME: y ~ x + (1 | g)`: the formula written on the header line
  const header = /^model\s+[^:]*:/.exec(full);
  if (header && character >= header[0].length) return formulaContext(codePart(full.slice(header[0].length, character)), wordStart, typedWord);
  const km = KEY_LINE.exec(full);
  const colon = km ? km[0].length : -1;
  if (!km) {
    // A continuation line of a formula (indented deeper than its `formula:` key).
    const cont = formulaContinuation(lines, line);
    if (cont !== null) return formulaContext(cont + ' ' + codePart(before), wordStart, typedWord);
  }
  if (!km || character < colon) {
    // Typing a key or a model header.
    const mh = MODEL_HEADER_BEFORE.exec(before);
    if (mh) return { kind: 'modelName', start: character - (mh[1]?.length ?? 0) };
    if (/^\s*[A-Za-z0-9_.]*$/.test(before)) {
      return { kind: 'key', inModel: /^\s+/.test(before) && inModelBlock(lines, line), start: wordStart };
    }
    return { kind: 'none' };
  }
  const key = km[2];
  const valueBefore = full.slice(colon, character);
  switch (key) {
    case 'data': {
      const lead = /^\s*["']?/.exec(valueBefore)![0].length;
      const start = colon + lead;
      const rest = codePart(full.slice(start));
      const end = start + rest.replace(/["']?\s*$/, '').length;
      return { kind: 'data', start, end: Math.max(end, character), typed: full.slice(start, character) };
    }
    case 'formula':
      return formulaContext(valueBefore, wordStart, typedWord);
    case 'family': {
      const inParens = /\([^)]*$/.test(valueBefore);
      const fam = /([A-Za-z][A-Za-z_.]*)\s*\(/.exec(valueBefore)?.[1] ?? '';
      return { kind: 'family', start: wordStart, typed: typedWord, inParens, family: fam };
    }
    case 'link':
      return { kind: 'link', start: wordStart, typed: typedWord };
    case 'method':
      return { kind: 'method', start: wordStart, typed: typedWord };
    case 'engine':
      return { kind: 'engine', start: wordStart, typed: typedWord };
    case 'df': {
      // the value as a whole ('kenward-roger' has a hyphen)
      const start = colon + /^\s*/.exec(valueBefore)![0].length;
      return { kind: 'df', start, typed: full.slice(start, character) };
    }
    case 'correlation':
    case 'variance': {
      const tilde = valueBefore.lastIndexOf('~');
      if (tilde >= 0 && !/[,)]/.test(valueBefore.slice(tilde))) {
        // inside form = ~ covariate | group
        const part = /\|[^|]*$/.test(valueBefore.slice(tilde)) ? 'grouping' : 'rhs';
        return { kind: 'formula', part, start: wordStart, typed: typedWord };
      }
      const inParens = /\([^)]*$/.test(valueBefore);
      const ctor = /([A-Za-z][A-Za-z0-9]*)\s*\(/.exec(valueBefore)?.[1] ?? '';
      return { kind: 'structure', which: key, start: wordStart, typed: typedWord, inParens, constructor: ctor };
    }
    case 'compare': {
      const listed = valueBefore
        .split(/[\s,]+/)
        .map((s) => s.trim())
        .filter((s) => s.length > 0 && s !== typedWord);
      return { kind: 'compare', start: wordStart, typed: typedWord, listed };
    }
    case 'levels': {
      // Before '=' a column; after it, that column's levels.
      const eq = valueBefore.indexOf('=');
      if (eq >= 0) {
        const column = valueBefore.slice(0, eq).trim();
        const listed = valueBefore
          .slice(eq + 1)
          .split(',')
          .map((x) => x.trim())
          .filter((x) => x.length > 0 && x !== typedWord);
        return { kind: 'levelValues', column, start: wordStart, typed: typedWord, listed };
      }
      return { kind: 'columns', key, start: wordStart, typed: typedWord };
    }
    case 'derive':
      // After `by`: the grouping column(s).
      if (/\bby\s+[A-Za-z0-9_.:]*$/.test(valueBefore)) return { kind: 'formula', part: 'grouping', start: wordStart, typed: typedWord };
      return { kind: 'columns', key, start: wordStart, typed: typedWord };
    case 'contrasts': {
      const item = valueBefore.slice(valueBefore.lastIndexOf(',') + 1);
      if (item.includes('=')) return { kind: 'contrasts', start: wordStart, typed: typedWord };
      return { kind: 'columns', key, start: wordStart, typed: typedWord };
    }
    case 'factors':
    case 'weights':
      return { kind: 'columns', key, start: wordStart, typed: typedWord };
    default:
      return { kind: 'none' };
  }
}

/** The formula text before `line` when `line` continues a `formula:` value; otherwise null. */
function formulaContinuation(lines: readonly string[], line: number): string | null {
  const indent = (t: string) => /^\s*/.exec(t)![0].length;
  const own = indent(lines[line] ?? '');
  if (own === 0) return null;
  const pieces: string[] = [];
  for (let i = line - 1; i >= 0; i--) {
    const t = lines[i];
    if (/^\s*(#.*)?$/.test(t)) continue;
    const km = /^(\s*)(?:(model)\s+[^:]*|([A-Za-z_][A-Za-z0-9_.]*))\s*:(.*)$/.exec(t);
    if (km && indent(t) < own) {
      const isFormula = km[3] === 'formula' || (km[2] === 'model' && km[4].includes('~'));
      if (!isFormula) return null;
      pieces.unshift(codePart(km[4]));
      return pieces.join(' ');
    }
    if (indent(t) < own) return null;
    pieces.unshift(codePart(t));
  }
  return null;
}

/** Inside a formula: left of `~`, right of it, or the grouping side of a `|` inside parentheses. */
export function formulaContext(valueBefore: string, start: number, typed: string): CursorContext {
  const tilde = valueBefore.indexOf('~');
  if (tilde < 0) return { kind: 'formula', part: 'lhs', start, typed };
  const rhs = valueBefore.slice(tilde + 1);
  // Walk the open parentheses: is the innermost one that holds a `|` still open with the cursor after the bar?
  const stack: Array<{ bar: boolean; call: string; comma: boolean }> = [];
  for (let i = 0; i < rhs.length; i++) {
    const c = rhs[i];
    if (c === '(') stack.push({ bar: false, call: /([A-Za-z.][A-Za-z0-9._]*)\s*$/.exec(rhs.slice(0, i))?.[1] ?? '', comma: false });
    else if (c === ')') stack.pop();
    else if (c === '|' && stack.length > 0) stack[stack.length - 1].bar = true;
    else if (c === ',' && stack.length > 0) stack[stack.length - 1].comma = true;
  }
  const inner = stack[stack.length - 1];
  if (inner && inner.call === 'C' && inner.comma) return { kind: 'contrasts', start, typed };
  if (stack.some((s) => s.bar)) return { kind: 'formula', part: 'grouping', start, typed };
  return { kind: 'formula', part: 'rhs', start, typed };
}
