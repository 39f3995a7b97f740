/**
 * R's print layouts used by lme4's summary: a character matrix (print.default, quote = FALSE),
 * a named vector, `cat(..., fill = TRUE)` and `strwrap`. Lines are returned without newlines.
 */
import { R_WIDTH } from './rformat';

export interface MatrixPrintOptions {
  /** Right-justify cells and column headers (printCoefmat); default left (formatVC, correlations). */
  right?: boolean;
  /** Line width at which columns wrap into a new block, as R does (default 80). */
  width?: number;
}

/** print.default of a character matrix with row names (row names are always left-justified). */
export function printCharMatrix(
  rowNames: string[],
  colNames: string[],
  cells: string[][],
  opts: MatrixPrintOptions = {},
): string[] {
  const width = opts.width ?? R_WIDTH;
  const rw = Math.max(0, ...rowNames.map((s) => s.length));
  const widths = colNames.map((c, j) => Math.max(c.length, ...cells.map((r) => (r[j] ?? '').length)));
  const pad = (s: string, w: number) => (opts.right ? s.padStart(w) : s.padEnd(w));
  const lines: string[] = [];
  let start = 0;
  while (start < colNames.length || (start === 0 && colNames.length === 0)) {
    // as many columns as fit in the line width (at least one)
    let end = start;
    let used = rw;
    while (end < colNames.length && (end === start || used + 1 + widths[end] <= width)) {
      used += 1 + widths[end];
      end++;
    }
    const cols = Array.from({ length: end - start }, (_, k) => start + k);
    lines.push(''.padEnd(rw) + cols.map((j) => ' ' + pad(colNames[j], widths[j])).join(''));
    rowNames.forEach((rn, i) => {
      lines.push(rn.padEnd(rw) + cols.map((j) => ' ' + pad(cells[i][j] ?? '', widths[j])).join(''));
    });
    if (colNames.length === 0) break;
    start = end;
  }
  return lines;
}

/** print of a named vector whose values are already formatted: names over values, right-justified, common width. */
export function printNamedVector(names: string[], values: string[], width = R_WIDTH): string[] {
  const w = Math.max(...names.map((s) => s.length), ...values.map((s) => s.length));
  const perLine = Math.max(1, Math.floor(width / (w + 1)));
  const lines: string[] = [];
  for (let s = 0; s < names.length; s += perLine) {
    const idx = names.slice(s, s + perLine).map((_, k) => s + k);
    lines.push(idx.map((i) => names[i].padStart(w) + ' ').join(''));
    lines.push(idx.map((i) => values[i].padStart(w) + ' ').join(''));
  }
  return lines;
}

/** cat(items, sep = sep, fill = TRUE): a new line starts before an item that would pass the width. */
export function catFill(items: string[], sep = ' ', width = R_WIDTH): string[] {
  const lines: string[] = [];
  let cur = '';
  let started = false;
  for (const item of items) {
    if (!started) {
      cur = item;
      started = true;
    } else if (cur.length + sep.length + item.length > width) {
      lines.push(cur);
      cur = item;
    } else {
      cur += sep + item;
    }
  }
  lines.push(cur);
  return lines;
}

/** strwrap(text, width, exdent): greedy word wrap; every line shorter than `width`. */
export function strwrap(text: string, width: number, exdent = 0): string[] {
  const words = text.split(/\s+/).filter((w) => w.length > 0);
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    const indent = lines.length === 0 ? '' : ' '.repeat(exdent);
    if (cur === '') cur = indent + w;
    else if (cur.length + 1 + w.length < width) cur += ' ' + w;
    else {
      lines.push(cur);
      cur = ' '.repeat(exdent) + w;
    }
  }
  if (cur !== '' || lines.length === 0) lines.push(cur);
  return lines;
}
