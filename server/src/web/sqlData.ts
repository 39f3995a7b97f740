/**
 * `data:` through duckdb-wasm in the web server (ServerHost.sqlData, the same route as the desktop's embedded
 * DuckDB: engine/src/data/route.ts): Parquet files, and CSV files from the size threshold on (mlm.data.sqlThresholdMB;
 * the client tells the size) or under `engine: duckdb`. The file's bytes come from the client (mlm/readFile as base64,
 * read once per version of the file), are registered with DuckDB as an in-memory file, and only the columns the
 * document names are read into a DataTable. A CSV file is read by engine/src/sql/csvread.ts, which gives the built-in
 * reader's table; where it declines (blank lines or line breaks inside quoted fields, a file DuckDB cannot parse,
 * UTF-16, an empty file) this returns null and the built-in reader reads the file, with its located errors. Globs
 * need a file system, so they stay a desktop feature.
 */
import { base64ToBytes, csvLineCount, dataRoute, decodeText, documentColumns, MlmError, readCsvSql, type DataTable, type MlmDiagnostic } from '../../../engine/src/index';
import { hashTextAsync } from '../hash';
import { ALL_COLUMNS_ROWS, FileRefused, type SqlDataRequest, type SqlLinkedData } from '../host';
import { basenameUri, normalizeUri } from '../uris';
import { DUCKDB, type DuckDbWasmRunner } from './duckdbRunner';

/** Bytes of a CSV file decoded to find its header line (a longer first line: the built-in reader reads the file). */
const HEAD_BYTES = 1 << 16;

interface FileBytes {
  hash: string;
  bytes: Uint8Array;
  /** csvLineCount of the bytes, counted once (a CSV file). */
  lines?: number;
}

export interface WebSqlData {
  read(request: SqlDataRequest): Promise<SqlLinkedData | null>;
  /** Forget a file that changed on disk. */
  invalidate(uri: string): void;
}

/** Bytes the built-in reader reads differently from DuckDB's UTF-8 (a UTF-16 byte-order mark, NUL characters near the start). */
function notUtf8Csv(bytes: Uint8Array): boolean {
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) return true;
  const nul = bytes.indexOf(0);
  return nul >= 0 && nul < 16384;
}

export function webSqlData(
  readBase64: (uri: string) => Promise<string | null>,
  runner: () => Promise<DuckDbWasmRunner>,
  fileSize: (uri: string) => Promise<number | null> = async () => null,
): WebSqlData {
  const files = new Map<string, Promise<FileBytes | null>>();
  /** A CSV file declined by the DuckDB reader yields null: the built-in reader reads it. */
  const tables = new Map<string, Promise<DataTable | null>>();
  const sizes = new Map<string, Promise<number | null>>();
  /** CSV files (by URI) the DuckDB reader declined: read by the built-in reader until they change. */
  const declined = new Set<string>();
  const names = new Map<string, string[]>();
  let serial = 0;

  const bytesOf = (uri: string): Promise<FileBytes | null> => {
    const key = normalizeUri(uri);
    let p = files.get(key);
    if (!p) {
      p = (async () => {
        const b64 = await readBase64(uri);
        if (b64 === null) return null;
        const bytes = base64ToBytes(b64);
        if (!bytes) throw new MlmError({ code: 'sql-error', message: `${basenameUri(uri)}: the editor sent bytes that are not base64` });
        return { hash: await hashTextAsync(b64), bytes };
      })();
      p.catch(() => files.delete(key));
      if (files.size > 8) files.clear();
      files.set(key, p);
    }
    return p;
  };

  const read = async (request: SqlDataRequest): Promise<SqlLinkedData | null> => {
    const { doc, dataUri } = request;
    if (!doc.data || !dataUri) return null;
    const label = doc.data.value;
    const range = doc.data.range;
    const engine = doc.engine?.value ?? null;
    // a CSV file's size decides its reader (unless engine: says); asked of the client once per version of the file
    let sizeBytes: number | undefined;
    if (!engine && dataRoute(label, {}).kind === 'memory') {
      const key = normalizeUri(dataUri);
      let size = sizes.get(key);
      if (!size) {
        size = fileSize(dataUri).catch(() => null);
        if (sizes.size > 64) sizes.clear();
        sizes.set(key, size);
      }
      sizeBytes = (await size) ?? undefined;
    }
    const route = dataRoute(label, { engine, sizeBytes, thresholdMB: request.thresholdMB });
    if (route.kind === 'memory') return null;
    const fail = (code: string, message: string, at = range): SqlLinkedData => ({
      table: null,
      diagnostics: [{ severity: 'error', code, message, range: at }],
      hash: '',
      note: '',
    });
    if (route.kind === 'refused') return fail('data-engine', route.message, doc.engine?.range ?? range);
    if (route.glob) return fail('sql-unsupported', `'${label}' is a glob; VS Code for the web reads one file (globs are read by the desktop extension)`);
    if (route.format === 'csv' && declined.has(normalizeUri(dataUri))) return null;
    let file: FileBytes | null;
    try {
      file = await bytesOf(dataUri);
    } catch (e) {
      // a CSV file too large for base64 may still fit the built-in reader's text (which refuses it otherwise)
      if (e instanceof FileRefused) return route.format === 'csv' ? null : fail('data-refused', e.message);
      if (e instanceof MlmError) return fail(e.diagnostic.code, e.message);
      throw e;
    }
    if (!file) return fail('data-not-found', `cannot read the data file '${label}' (relative to this .mlm file)`);
    if (route.format === 'csv' && notUtf8Csv(file.bytes)) {
      declined.add(normalizeUri(dataUri));
      files.delete(normalizeUri(dataUri));
      return null;
    }
    const uriKey = normalizeUri(dataUri);
    const known = names.get(uriKey + file.hash);
    // a CSV file of at most ALL_COLUMNS_ROWS rows (its lines tell): every column, as the built-in reader and the
    // desktop give them (the data preview shows them all); otherwise the document's
    const lines = route.format === 'csv' ? (file.lines ??= csvLineCount(file.bytes)) : 0;
    const columnsOf = (all: string[]) => (route.format === 'csv' && lines - 1 <= ALL_COLUMNS_ROWS ? all : documentColumns(doc, all));
    const columns = known ? columnsOf(known) : null;
    const keyOf = (cols: string[] | null) => `${uriKey}\u0000${file.hash}\u0000${route.format}\u0000${cols ? cols.join('\u0000') : '*'}`;
    const key = keyOf(columns);
    let table = tables.get(key);
    if (!table) {
      table = (async () => {
        let db: DuckDbWasmRunner;
        try {
          db = await runner();
        } catch (e) {
          throw new MlmError({ code: 'sql-unavailable', message: `DuckDB (duckdb-wasm) could not be loaded to read '${label}': ${e instanceof Error ? e.message : String(e)}` });
        }
        const name = `mlm-${++serial}.${route.format}`;
        db.registerFile(name, file.bytes);
        const pick = (all: string[]) => {
          names.set(uriKey + file.hash, all);
          return columnsOf(all);
        };
        try {
          if (route.format === 'parquet') return await db.readTable(`read_parquet(${DUCKDB.str(name)})`, label, { pick });
          const source = { file: name, head: decodeText(file.bytes.subarray(0, HEAD_BYTES)), lines };
          const read = await readCsvSql(db, source, label, pick).catch(() => ({ declined: 'an error' }));
          return 'table' in read ? read.table : null;
        } finally {
          db.dropFile(name);
        }
      })();
      table.catch(() => tables.delete(key));
      if (tables.size > 16) tables.clear();
      tables.set(key, table);
    }
    try {
      const t = await table;
      if (!t) {
        // the built-in reader reads this file (and keeps its text): its bytes are not kept twice
        declined.add(uriKey);
        files.delete(uriKey);
        return null;
      }
      const all = names.get(uriKey + file.hash);
      if (!known && all) tables.set(keyOf(columnsOf(all)), table); // the key the next request computes
      const note = `read through DuckDB in the browser (${route.reason}): ${t.names.length} column${t.names.length === 1 ? '' : 's'}, ${t.nrow.toLocaleString('en-US')} rows`;
      return { table: t, diagnostics: [], hash: `sql:${key}`, note };
    } catch (e) {
      if (!(e instanceof MlmError)) throw e;
      const d: MlmDiagnostic = e.diagnostic;
      return { table: null, diagnostics: [{ ...d, range: d.range ?? range }], hash: '', note: '' };
    }
  };

  return {
    read,
    invalidate(uri) {
      const key = normalizeUri(uri);
      files.delete(key);
      sizes.delete(key);
      declined.delete(key);
      for (const k of [...tables.keys()]) if (k.startsWith(key + '\u0000')) tables.delete(k);
    },
  };
}
