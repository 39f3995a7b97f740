/**
 * Where the "Fit" and "Results" code lenses go: above each `model NAME:` line, or, in a file
 * without model blocks, above its top-level `formula:` line (the implicit model is named 'model').
 * Pure text scan (comments start with '#'), so it needs no server round-trip.
 */
import { MODEL_NAME_PATTERN, isClickHouseUrl } from '../../../engine/src/index';

export interface ModelLens {
  line: number;
  model: string;
}

const MODEL_LINE = new RegExp(`^model[ \\t]+(${MODEL_NAME_PATTERN})[ \\t]*:`);
const FORMULA_LINE = /^formula[ \t]*:/;

export function findModelLenses(text: string): ModelLens[] {
  const lines = text.split(/\r?\n/);
  const out: ModelLens[] = [];
  lines.forEach((raw, line) => {
    const m = MODEL_LINE.exec(raw);
    if (m) out.push({ line, model: m[1] });
  });
  if (out.length) return out;
  const f = lines.findIndex((l) => FORMULA_LINE.test(l));
  return f >= 0 ? [{ line: f, model: 'model' }] : [];
}

/** The model whose block holds `line` (the nearest `model NAME:` above it), or null. */
export function modelAtLine(text: string, line: number): string | null {
  const lenses = findModelLenses(text);
  let found: string | null = null;
  for (const l of lenses) if (l.line <= line) found = l.model;
  if (found === null && lenses.length === 1 && lenses[0].model === 'model') return 'model';
  return found;
}

/**
 * Lines of `data:` (a "Preview data" lens) and `compare:` (a "Compare" lens), top-level keys only. A ClickHouse
 * table gets no preview lens: its rows stay on the server (only the models' aggregates are read).
 */
export function findKeyLines(text: string): { data: number[]; compare: number[] } {
  const out = { data: [] as number[], compare: [] as number[] };
  text.split(/\r?\n/).forEach((l, i) => {
    const data = /^data[ \t]*:(.*)$/.exec(l);
    if (data) {
      if (!isClickHouseUrl(data[1])) out.data.push(i);
    } else if (/^compare[ \t]*:/.test(l)) out.compare.push(i);
  });
  return out;
}
