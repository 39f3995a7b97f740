import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { MlmDiagnostic, Severity } from '../../engine/src/index';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

const ORIGIN = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** MlmDiagnostic -> LSP Diagnostic. Problems without a range in the .mlm go to its first line. */
export function toLspDiagnostic(d: MlmDiagnostic): Diagnostic {
  let message = d.message;
  if (!d.range && d.csv && !message.includes(d.csv.file)) {
    message = `${d.csv.file} line ${d.csv.row}${d.csv.column ? `, column '${d.csv.column}'` : ''}: ${message}`;
  }
  return {
    range: d.range ?? ORIGIN,
    severity: SEVERITY[d.severity] ?? DiagnosticSeverity.Error,
    code: d.code,
    source: 'mlm',
    message,
    data: d.data,
  };
}

export function toLspDiagnostics(ds: readonly MlmDiagnostic[]): Diagnostic[] {
  return ds.map(toLspDiagnostic);
}
