/**
 * Per-document analysis: the parsed .mlm (engine parseMlm), its linked CSV, and every diagnostic
 * (parser, data link, per-model structural analysis). Cached by document version; per-model analysis
 * is cached by content (model text + file-level keys + data hash) so a keystroke in one model does
 * not re-analyse the others.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CancelledError,
  type DataTable,
  MlmError,
  type MlmDiagnostic,
  type SourceRange,
  applyDocument,
  parseMlm,
  type MlmDocument,
  type ModelDecl,
  isClickHouseUrl,
} from '../../engine/src/index';
import type { DataCache, LinkedData } from './dataCache';
import { hashText } from './hash';
import type { ServerHost, SqlFitter } from './host';
import { analyzeModelSafely } from './modelAnalysis';
import { basenameUri, dirnameUri, hasLoneSurrogate, isInside, normalizeUri, resolveRelative } from './uris';

export interface DocumentAnalysis {
  uri: string;
  version: number;
  text: string;
  lines: string[];
  textDocument: TextDocument;
  doc: MlmDocument;
  /** Resolved URI of the `data:` file (null without a data line, or when refused). */
  dataUri: string | null;
  data: LinkedData | null;
  /** The CSV as read. */
  rawTable: DataTable | null;
  /** The CSV after the document's derive:, factors: and levels: lines (falls back to rawTable when they fail). */
  table: DataTable | null;
  /** How the data were read when not by the built-in CSV reader (DuckDB), for FitResult.dataSource and the preview. */
  dataSource?: string;
  /** Fits the models in SQL where the data are (data read through the desktop's DuckDB), as `mlm fit` does. */
  sqlFitter?: SqlFitter;
  /** False when `table` holds only the first rows of the data (too many for the editor). */
  tableComplete: boolean;
  /** Parser and data-link problems (cheap; available at once). */
  baseDiagnostics: MlmDiagnostic[];
  /**
   * Every diagnostic: the base ones plus each model's structural analysis against the data
   * (computed on first use and kept; completion and hover never wait for it). The work over the rows yields to
   * the event loop; with `isStale` (e.g. a newer version of the document exists) it stops early and rejects
   * with CancelledError.
   */
  diagnostics(isStale?: () => boolean): Promise<MlmDiagnostic[]>;
}

const ANALYSIS_CACHE_LIMIT = 2000;
/** Longest stretch (ms) of checking a model against its data before requests on other documents are read. */
const ANALYSIS_YIELD_MS = 20;

export class Analyzer {
  private readonly byUri = new Map<string, { version: number; promise: Promise<DocumentAnalysis> }>();
  /** The data URI each analysed document links (null: none or refused). */
  private readonly linked = new Map<string, string | null>();
  /** Per-model diagnostics by content key. */
  /** Recent tables produced by applyDocument (keyed by file-level lines and data hash). */
  private readonly applied = new Map<string, { raw: DataTable; value: { table: DataTable; error?: MlmDiagnostic } }>();
  private readonly modelCache = new Map<string, Promise<Array<{ d: MlmDiagnostic; relative: boolean }>>>();

  constructor(
    private readonly data: DataCache,
    private readonly host: ServerHost,
    private readonly workspaceFolders: () => readonly string[],
    /** Settings from the client (initializationOptions): the CSV size from which DuckDB reads it. */
    private readonly settings: () => { sqlThresholdMB?: number } = () => ({}),
  ) {}

  get(textDocument: TextDocument): Promise<DocumentAnalysis> {
    const key = normalizeUri(textDocument.uri);
    const hit = this.byUri.get(key);
    if (hit && hit.version === textDocument.version) return hit.promise;
    const promise = this.compute(textDocument);
    this.byUri.set(key, { version: textDocument.version, promise });
    // A failed analysis must not stick.
    promise.catch(() => this.byUri.delete(key));
    return promise;
  }

  forget(uri: string): void {
    this.byUri.delete(normalizeUri(uri));
  }

  /** A closed document: forget it entirely. */
  close(uri: string): void {
    this.byUri.delete(normalizeUri(uri));
    this.linked.delete(normalizeUri(uri));
  }

  clear(): void {
    this.byUri.clear();
  }

  /** Does the document link one of these (normalized) URIs? Documents not analysed yet count as dependent. */
  dependsOn(uri: string, changed: ReadonlySet<string>): boolean {
    const key = normalizeUri(uri);
    if (!this.linked.has(key)) return true;
    const linked = this.linked.get(key);
    return linked === null || linked === undefined || changed.has(normalizeUri(linked));
  }

  /** Resolve a path written in the document; null when empty or outside the workspace. */
  resolveDataPath(docUri: string, path: string): { uri: string | null; outside: boolean } {
    const uri = resolveRelative(docUri, path);
    if (!uri) return { uri: null, outside: false };
    return this.allowed(docUri, uri) ? { uri, outside: false } : { uri: null, outside: true };
  }

  private allowed(docUri: string, uri: string): boolean {
    const folders = this.workspaceFolders();
    return folders.length > 0 ? folders.some((f) => isInside(f, uri)) : isInside(dirnameUri(docUri), uri);
  }

  /**
   * The containment check on real paths: a symbolic link inside the workspace that points outside it is
   * refused. Hosts without links (the browser) have no realUri and pass.
   */
  private async allowedReally(docUri: string, uri: string): Promise<boolean> {
    if (!this.host.realUri) return true;
    const real = await this.host.realUri(uri);
    if (real === null) return true; // missing: reported as not found
    const folders = this.workspaceFolders().length > 0 ? [...this.workspaceFolders()] : [dirnameUri(docUri)];
    for (const f of folders) {
      const realFolder = (await this.host.realUri(f)) ?? f;
      if (isInside(realFolder, real)) return true;
    }
    return false;
  }

  private async compute(td: TextDocument): Promise<DocumentAnalysis> {
    const text = td.getText();
    const doc = parseMlm(text);
    const diagnostics: MlmDiagnostic[] = [...doc.diagnostics];
    let dataUri: string | null = null;
    let data: LinkedData | null = null;
    let table: DataTable | null = null;
    let rawTable: DataTable | null = null;
    let dataSource: string | undefined;
    let sqlFitter: SqlFitter | undefined;
    let tableComplete = true;
    if (doc.data) {
      const range = doc.data.range;
      const resolved = isClickHouseUrl(doc.data.value) ? { uri: null, outside: false } : this.resolveDataPath(td.uri, doc.data.value);
      if (isClickHouseUrl(doc.data.value)) {
        // a ClickHouse table: read through SQL when a model is fitted (fitService, clickhouseSource.ts)
      } else if (td.uri.startsWith('untitled:')) {
        diagnostics.push({
          severity: 'error',
          code: 'data-not-found',
          message: `save this file first: '${doc.data.value}' is read relative to the folder of the .mlm file`,
          range,
        });
      } else if (hasLoneSurrogate(doc.data.value)) {
        diagnostics.push({
          severity: 'error',
          code: 'data-path',
          message: 'the data path contains an invalid character (half of a surrogate pair); retype the file name',
          range,
        });
      } else if (resolved.outside) {
        diagnostics.push({
          severity: 'error',
          code: 'data-outside-workspace',
          message: `'${doc.data.value}' lies outside the workspace folder; data files must be inside it`,
          range,
        });
      } else if (resolved.uri && !(await this.allowedReally(td.uri, resolved.uri))) {
        diagnostics.push({
          severity: 'error',
          code: 'data-outside-workspace',
          message: `'${doc.data.value}' is a symbolic link to a file outside the workspace folder; data files must be inside it`,
          range,
        });
      } else if (!resolved.uri) {
        if (doc.data.value.trim() !== '') {
          diagnostics.push({
            severity: 'error',
            code: 'data-path',
            message: `'${doc.data.value}' climbs above the root folder (too many '..'); data files must be inside the workspace folder`,
            range,
          });
        }
      } else {
        dataUri = resolved.uri;
        // Parquet, globs, large CSV files, engine: duckdb: read by the host's SQL engine (the models' columns only)
        let sql = this.host.sqlData
          ? await this.host.sqlData({ docUri: td.uri, dataUri, doc, workspaceFolders: this.workspaceFolders(), thresholdMB: this.settings().sqlThresholdMB })
          : null;
        if (sql && !sql.table && !sql.diagnostics.some((d) => d.severity === 'error')) {
          // the SQL reader declined with warnings only (e.g. a CSV the browser's DuckDB should not read): the built-in reader
          diagnostics.push(...sql.diagnostics);
          sql = null;
        }
        if (sql) {
          data = { uri: dataUri, hash: sql.hash, ...(sql.table ? { table: sql.table } : {}) };
          diagnostics.push(...sql.diagnostics);
          if (sql.table) dataSource = sql.note;
          sqlFitter = sql.fitter;
          tableComplete = sql.complete !== false;
        } else {
          data = await this.data.get(dataUri);
        }
        if (sql) {
          if (sql.table) {
            rawTable = sql.table;
            const applied = this.applyDocumentCached(doc, sql.table, fileLevelKey(doc, text) + '|' + sql.hash);
            table = applied.table;
            if (applied.error) diagnostics.push(applied.error);
          }
        } else if (data.refused) {
          diagnostics.push({ severity: 'error', code: 'data-refused', message: data.refused, range });
        } else if (data.missing) {
          diagnostics.push(await this.missingDataDiagnostic(td.uri, doc.data.value, range));
        } else if (data.parseError) {
          const pe = data.parseError;
          const where = pe.csv ? ` (line ${pe.csv.row}${pe.csv.column ? `, column '${pe.csv.column}'` : ''})` : '';
          diagnostics.push({
            severity: 'error',
            code: pe.code || 'csv-parse',
            message: `${pe.message}${pe.message.includes(`line ${pe.csv?.row}`) ? '' : where}`,
            range,
            csv: pe.csv,
          });
        } else if (data.table) {
          rawTable = data.table;
          const applied = this.applyDocumentCached(doc, data.table, fileLevelKey(doc, text) + '|' + data.hash);
          table = applied.table;
          if (applied.error) diagnostics.push(applied.error);
        }
      }
    }
    this.linked.set(normalizeUri(td.uri), dataUri);
    let full: MlmDiagnostic[] | null = null;
    const diagnosticsOf = async (isStale?: () => boolean): Promise<MlmDiagnostic[]> => {
      if (full) return full;
      const all = [...diagnostics];
      if (table) {
        const fileKey = fileLevelKey(doc, text) + '|' + (data?.hash ?? '');
        for (const model of doc.models) all.push(...(await this.analyzeModelCached(doc, model, table, fileKey, text, isStale)));
      }
      full = dedupe(all);
      return full;
    };
    return {
      uri: td.uri,
      version: td.version,
      text,
      lines: text.split(/\r?\n/),
      textDocument: td,
      doc,
      dataUri,
      data,
      rawTable,
      table,
      ...(dataSource ? { dataSource } : {}),
      ...(sqlFitter ? { sqlFitter } : {}),
      tableComplete,
      baseDiagnostics: diagnostics,
      diagnostics: diagnosticsOf,
    };
  }

  private applyDocumentCached(doc: MlmDocument, raw: DataTable, key: string): { table: DataTable; error?: MlmDiagnostic } {
    const hit = this.applied.get(key);
    if (hit && hit.raw === raw) return hit.value;
    let value: { table: DataTable; error?: MlmDiagnostic };
    try {
      value = { table: applyDocument(doc, raw) };
    } catch (e) {
      if (!(e instanceof MlmError)) throw e;
      value = { table: raw, error: e.diagnostic };
    }
    if (this.applied.size >= 8) this.applied.delete(this.applied.keys().next().value!);
    this.applied.set(key, { raw, value });
    return value;
  }

  private async analyzeModelCached(
    doc: MlmDocument,
    model: ModelDecl,
    table: DataTable,
    fileKey: string,
    text: string,
    isStale?: () => boolean,
  ): Promise<MlmDiagnostic[]> {
    // Keyed by the model's text, not its position: ranges inside the block are stored relative to its
    // first line, so typing above a model (or a newline) does not re-analyse it.
    const first = model.range.start.line;
    const last = model.range.end.line;
    // Trailing blanks do not move any range: typing a space at the end of a line reuses the analysis.
    const key = `${fileKey}|${hashText(blockText(text, model.range).replace(/[ \t]+(?=\r?\n|$)/g, ''))}`;
    let cached: Array<{ d: MlmDiagnostic; relative: boolean }>;
    for (;;) {
      let pending = this.modelCache.get(key);
      if (!pending) {
        // One analysis per content at a time; a cancelled or failed one is not kept.
        const started = analyzeModelSafely(doc, model, table, { yieldEveryMs: ANALYSIS_YIELD_MS, isCancelled: isStale }).then((diags) =>
          diags.map((d) => {
            const r = d.range;
            if (r && r.start.line >= first && r.end.line <= last) {
              return { d: { ...d, range: shift(r, -first) }, relative: true };
            }
            return { d, relative: false };
          }),
        );
        if (this.modelCache.size > ANALYSIS_CACHE_LIMIT) this.modelCache.clear();
        this.modelCache.set(key, started);
        started.catch(() => {
          if (this.modelCache.get(key) === started) this.modelCache.delete(key);
        });
        pending = started;
      }
      try {
        cached = await pending;
        break;
      } catch (e) {
        // another caller's analysis was cancelled (its document changed); this caller still wants one
        if (e instanceof CancelledError && !isStale?.()) continue;
        throw e;
      }
    }
    return cached.map((c) => (c.relative && c.d.range ? { ...c.d, range: shift(c.d.range, first) } : c.d));
  }

  /** Folder listings for 'data-not-found' suggestions, kept for a few seconds (one per keystroke is too many). */
  private readonly listings = new Map<string, { at: number; files: Promise<string[]> }>();

  private async csvFilesNear(docUri: string): Promise<string[]> {
    const folder = dirnameUri(docUri);
    const hit = this.listings.get(folder);
    if (hit && Date.now() - hit.at < 3000) return hit.files;
    const files = listCsvFiles(this.host, folder).catch(() => []);
    this.listings.set(folder, { at: Date.now(), files });
    return files;
  }

  private async missingDataDiagnostic(docUri: string, path: string, range: SourceRange): Promise<MlmDiagnostic> {
    const nearby = await this.csvFilesNear(docUri);
    return {
      severity: 'error',
      code: 'data-not-found',
      message: `cannot read the data file '${path}' (looked for ${basenameUri(resolveRelative(docUri, path) ?? path)} next to this file)${
        nearby.length ? `; CSV files here: ${nearby.slice(0, 5).join(', ')}` : ''
      }`,
      range,
      data: { candidates: nearby },
    };
  }
}

/** CSV files in a folder (names), sorted. */
export async function listCsvFiles(host: ServerHost, folderUri: string): Promise<string[]> {
  const entries = (await host.readDirectory(folderUri)) ?? [];
  return entries
    .filter((e) => e.type === 'file' && /\.(csv|tsv|parquet)$/i.test(e.name))
    .map((e) => e.name)
    .sort();
}

/** Text of the lines a range covers. */
export function blockText(text: string, range: SourceRange): string {
  let start = 0;
  for (let l = 0; l < range.start.line; l++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return '';
    start = nl + 1;
  }
  let end = start;
  for (let l = range.start.line; l <= range.end.line; l++) {
    const nl = text.indexOf('\n', end);
    if (nl < 0) {
      end = text.length;
      break;
    }
    end = nl + 1;
  }
  return text.slice(start, end);
}

/** Everything outside model blocks that can change a model's analysis (data, levels, factors, derive). */
function fileLevelKey(doc: MlmDocument, text: string): string {
  const parts: string[] = [doc.data?.value ?? ''];
  for (const l of doc.levels) parts.push(blockText(text, l.range));
  for (const f of doc.factors) parts.push(f.value);
  for (const d of doc.derives) parts.push(blockText(text, d.range));
  return hashText(parts.join('\u0000'));
}

function shift(r: SourceRange, lines: number): SourceRange {
  return { start: { line: r.start.line + lines, character: r.start.character }, end: { line: r.end.line + lines, character: r.end.character } };
}

function dedupe(ds: MlmDiagnostic[]): MlmDiagnostic[] {
  const seen = new Set<string>();
  const out: MlmDiagnostic[] = [];
  for (const d of ds) {
    const k = `${d.code}|${d.message}|${d.range ? `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}` : ''}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(d);
  }
  return out;
}
