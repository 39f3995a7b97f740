/**
 * The whole pipeline before fitting, shared by the CLI and the language server:
 * .mlm text -> MlmDocument -> CSV table (derive:, factors:, levels: applied) -> one ModelFrame per model,
 * with every problem as a located MlmDiagnostic. Nothing here throws on bad user input.
 *
 *   const prep = prepareModels(text, (rel) => readFileOrUndefined(resolve(dir, rel)));
 *   for (const m of prep.models) if (m.frame) await fitModel(m.frame, m.spec, hooks);
 */
import { MlmError, type MlmDiagnostic } from '../diagnostics';
import { readCsv } from '../data/csv';
import type { DataTable } from '../data/types';
import { parseMlm } from '../mlmfile/parse';
import { modelSettings, type ModelSettings } from '../mlmfile/spec';
import type { MlmDocument, ModelDecl } from '../mlmfile/types';
import { analyzePrepared } from './analyze';
import { buildModelFrame } from './modelframe';
import { applyDocument } from './table';
import type { ModelFrame } from './types';
import type { FitSpec } from '../fit';
import { buildStructureData } from '../nlme/data';

export interface PreparedModel {
  decl: ModelDecl;
  name: string;
  settings: ModelSettings;
  /** What fitModel needs besides the frame. */
  spec: FitSpec;
  /** null when the frame could not be built (see error). */
  frame: ModelFrame | null;
  error: MlmDiagnostic | null;
  /** Analysis diagnostics of this model (analyzeModel), errors and warnings. */
  diagnostics: MlmDiagnostic[];
}

export interface PreparedDocument {
  doc: MlmDocument;
  /** The CSV as read (null when it is missing or unreadable). */
  rawTable: DataTable | null;
  /** The table after derive:, factors:, levels: (null when unavailable). */
  table: DataTable | null;
  models: PreparedModel[];
  /** All diagnostics: parse, data loading, document-level and per-model, without duplicates. */
  diagnostics: MlmDiagnostic[];
}

export interface PrepareOptions {
  /** Build frames (default true). The language server may only want diagnostics. */
  frames?: boolean;
  /** Run analyzeModel on each model (default true). */
  analyze?: boolean;
  /**
   * The data already read by another reader (DuckDB: engine/src/node): used instead of reading the
   * `data:` CSV through readFile.
   */
  loaded?: { table: DataTable | null; diagnostics: MlmDiagnostic[] };
  /**
   * The data live in a SQL engine (`data: clickhouse://…`): nothing is read through readFile, and models get
   * no frame and no error for it (they are fitted from SQL: sql/fitFromSql).
   */
  sqlData?: boolean;
}

export function toDiagnostic(e: unknown): MlmDiagnostic {
  if (e instanceof MlmError) return e.diagnostic;
  throw e;
}

/**
 * Reads the `data:` CSV through readFile(relPath) (relative to the .mlm file). readFile returns undefined for
 * a file it cannot read, or throws MlmError with the reason a file must not be read (too large, not a file).
 */
export function loadData(doc: MlmDocument, readFile: (relPath: string) => string | undefined): { table: DataTable | null; diagnostics: MlmDiagnostic[] } {
  if (!doc.data) return { table: null, diagnostics: [] };
  const path = doc.data.value;
  let text: string | undefined;
  try {
    text = readFile(path);
  } catch (e) {
    if (e instanceof MlmError) return { table: null, diagnostics: [{ ...e.diagnostic, range: e.diagnostic.range ?? doc.data.range }] };
    text = undefined;
  }
  if (text === undefined) {
    return {
      table: null,
      diagnostics: [{ severity: 'error', code: 'data-not-found', message: `cannot read the data file '${path}' (relative to this .mlm file)`, range: doc.data.range }],
    };
  }
  try {
    return { table: readCsv(text, path), diagnostics: [] };
  } catch (e) {
    const d = toDiagnostic(e);
    return { table: null, diagnostics: [{ ...d, range: d.range ?? doc.data.range }] };
  }
}

function baseSpec(decl: ModelDecl): FitSpec {
  const s = modelSettings(decl);
  return { id: decl.name, REML: s.REML, nAGQ: s.nAGQ, ...(s.df ? { df: s.df } : {}), ...(decl.formula ? { range: decl.formula.range } : {}) };
}

/**
 * What fitModel needs besides the frame, from the model's keys: method, nAGQ, df:, and the data of
 * correlation:/variance: (throws their located MlmErrors). The CLI and the language server both use it.
 */
export function fitSpecOf(decl: ModelDecl, table: DataTable, frame: ModelFrame): FitSpec {
  const structures = buildStructureData(decl, table, frame);
  return { ...baseSpec(decl), ...(structures ? { structures } : {}) };
}

export function prepareModels(
  docText: string,
  readFile: (relPath: string) => string | undefined,
  options: PrepareOptions = {},
): PreparedDocument {
  const doc = parseMlm(docText);
  return prepareDocument(doc, readFile, options);
}

export function prepareDocument(
  doc: MlmDocument,
  readFile: (relPath: string) => string | undefined,
  options: PrepareOptions = {},
): PreparedDocument {
  const diagnostics: MlmDiagnostic[] = [...doc.diagnostics];
  const loaded = options.loaded ?? (options.sqlData ? { table: null, diagnostics: [] } : loadData(doc, readFile));
  diagnostics.push(...loaded.diagnostics);
  let table: DataTable | null = null;
  let dataError: MlmDiagnostic | null = loaded.diagnostics[0] ?? doc.diagnostics.find((d) => d.code === 'missing-data') ?? null;
  if (loaded.table) {
    try {
      table = applyDocument(doc, loaded.table);
    } catch (e) {
      const d = toDiagnostic(e);
      diagnostics.push(d);
      dataError = d;
    }
  }
  const models: PreparedModel[] = doc.models.map((decl) => {
    const settings = modelSettings(decl);
    const pm: PreparedModel = {
      decl,
      name: decl.name,
      settings,
      spec: baseSpec(decl),
      frame: null,
      error: null,
      diagnostics: [],
    };
    if (!decl.formula?.ast) {
      pm.error =
        diagnostics.find((d) => d.range && decl.formula && within(d.range.start, decl.formula.range)) ??
        diagnostics.find((d) => d.code === 'missing-formula' && d.range && within(d.range.start, decl.nameRange)) ??
        null;
      return pm;
    }
    const keyError = modelKeyError(diagnostics, decl);
    if (keyError) {
      pm.error = keyError;
      return pm;
    }
    if (!table && options.sqlData) return pm;
    if (!table) {
      // blocks computed elsewhere (the blocks: key) instead of data: the model is fitted from them (engine/src/sql), no frame
      if (doc.blocks && !doc.data) return pm;
      // no data: the reason is a document-level diagnostic (missing data: line, unreadable CSV, derive: error)
      pm.error = dataError ?? {
        severity: 'error',
        code: 'missing-data',
        message: "the data could not be read (see the 'data:' line)",
        range: decl.nameRange,
      };
      return pm;
    }
    if (options.analyze !== false) pm.diagnostics = analyzePrepared(doc, decl, table);
    if (options.frames !== false && !pm.diagnostics.some((d) => d.severity === 'error')) {
      try {
        const frame = buildModelFrame(doc, decl, table, { prepared: true });
        pm.spec = fitSpecOf(decl, table, frame);
        pm.frame = frame;
      } catch (e) {
        pm.error = toDiagnostic(e);
      }
    } else {
      pm.error = pm.diagnostics.find((d) => d.severity === 'error') ?? null;
    }
    return pm;
  });
  const seen = new Set(diagnostics.map(keyOf));
  for (const m of models) {
    for (const d of [...m.diagnostics, ...(m.error ? [m.error] : [])]) {
      const k = keyOf(d);
      if (!seen.has(k)) {
        seen.add(k);
        diagnostics.push(d);
      }
    }
  }
  return { doc, rawTable: loaded.table, table, models, diagnostics };
}

/**
 * An error in one of the model's keys other than formula: (an unknown family or link, a bad nAGQ):
 * that model's error, which keeps it from being fitted (it would otherwise be fitted with the
 * defaults); the other models of the file still fit.
 */
export function modelKeyError(diagnostics: readonly MlmDiagnostic[], decl: ModelDecl): MlmDiagnostic | null {
  return (
    diagnostics.find(
      (d) => d.severity === 'error' && d.range && decl.entries.some((e) => e.key !== 'formula' && (within(d.range!.start, e.value.range) || within(d.range!.start, e.keyRange))),
    ) ?? null
  );
}

function keyOf(d: MlmDiagnostic): string {
  return `${d.code}|${d.message}|${JSON.stringify(d.range ?? null)}`;
}

function within(p: { line: number; character: number }, r: { start: { line: number; character: number }; end: { line: number; character: number } }): boolean {
  const after = p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character);
  const before = p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character);
  return after && before;
}
