/**
 * Located messages. Every error the engine reports about user input carries a range in the
 * `.mlm` file (0-based line and character, as LSP) or a row and column in the CSV.
 * The CLI prints ranges 1-based as `FILE:LINE:COL: message`.
 */

export interface Position {
  line: number; // 0-based
  character: number; // 0-based, UTF-16 code units (as LSP)
}

export interface SourceRange {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/**
 * Where a problem lies in a CSV file: `row` is the 1-based file line the editor shows (the header is usually
 * line 1; blank lines and quoted fields spanning lines count), and the column name.
 */
export interface CsvLocation {
  file: string;
  row: number;
  column: string;
}

export interface MlmDiagnostic {
  severity: Severity;
  message: string;
  /** Stable machine-readable code, e.g. 'unknown-column', 'syntax', 'constant-within-group'. */
  code: string;
  /** Range in the .mlm document, when the problem has one. */
  range?: SourceRange;
  csv?: CsvLocation;
  /** Optional structured data for quick fixes (e.g. { suggestion: 'ses' }). */
  data?: Record<string, unknown>;
}

/** Thrown by engine stages when input cannot be processed. Never thrown for programming errors. */
export class MlmError extends Error {
  readonly diagnostic: MlmDiagnostic;
  constructor(diagnostic: Omit<MlmDiagnostic, 'severity'> & { severity?: Severity }) {
    super(diagnostic.message);
    this.name = 'MlmError';
    this.diagnostic = { severity: 'error', ...diagnostic };
  }
}

/** Thrown when a fit is cancelled through FitHooks. */
export class CancelledError extends Error {
  constructor() {
    super('The fit was cancelled.');
    this.name = 'CancelledError';
  }
}

export function rangeOf(line: number, startChar: number, endChar: number): SourceRange {
  return { start: { line, character: startChar }, end: { line, character: endChar } };
}

/** `FILE:LINE:COL: message` with 1-based line and column (the CLI and test output format). */
export function formatDiagnostic(file: string, d: MlmDiagnostic): string {
  const sev = d.severity === 'error' ? '' : `${d.severity}: `;
  if (d.range) return `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${sev}${d.message}`;
  if (d.csv) return `${d.csv.file}:${d.csv.row}: column '${d.csv.column}': ${sev}${d.message}`;
  return `${file}: ${sev}${d.message}`;
}
