/**
 * `data:` through duckdb-wasm in the web server (ServerHost.sqlData, the same route as the desktop's embedded
 * DuckDB: engine/src/data/route.ts): Parquet files. CSV files stay with the built-in reader (with a warning under
 * `engine: duckdb`): DuckDB 0.9's CSV reader takes one missing-value string, not both NA and the empty field. The file's bytes come
 * from the client (mlm/readFile as base64, read once per version of the file), are registered with DuckDB as
 * an in-memory file, and only the columns the document names are read into a DataTable. Globs need a file
 * system, so they stay a desktop feature.
 */
import { base64ToBytes, dataRoute, documentColumns, MlmError, type DataTable, type MlmDiagnostic } from '../../../engine/src/index';
import { hashTextAsync } from '../hash';
import { FileRefused, type SqlDataRequest, type SqlLinkedData } from '../host';
import { basenameUri, normalizeUri } from '../uris';
import { DUCKDB, type DuckDbWasmRunner } from './duckdbRunner';

interface FileBytes {
  hash: string;
  bytes: Uint8Array;
}

export interface WebSqlData {
  read(request: SqlDataRequest): Promise<SqlLinkedData | null>;
  /** Forget a file that changed on disk. */
  invalidate(uri: string): void;
}

export function webSqlData(readBase64: (uri: string) => Promise<string | null>, runner: () => Promise<DuckDbWasmRunner>): WebSqlData {
  const files = new Map<string, Promise<FileBytes | null>>();
  const tables = new Map<string, Promise<DataTable>>();
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
    const route = dataRoute(label, { engine: doc.engine?.value ?? null });
    if (route.kind === 'memory') return null;
    const fail = (code: string, message: string, at = range): SqlLinkedData => ({
      table: null,
      diagnostics: [{ severity: 'error', code, message, range: at }],
      hash: '',
      note: '',
    });
    if (route.kind === 'refused') return fail('data-engine', route.message, doc.engine?.range ?? range);
    if (route.glob) return fail('sql-unsupported', `'${label}' is a glob; VS Code for the web reads one file (globs are read by the desktop extension)`);
    if (route.format === 'csv') {
      // DuckDB 0.9 (duckdb-wasm 1.28) takes one missing-value string: NA and empty fields cannot both be missing as
      // R's read.csv reads them, so in the browser CSV files stay with the built-in reader.
      return {
        table: null,
        diagnostics: [{ severity: 'warning', code: 'sql-unavailable', message: `in VS Code for the web a CSV file is read by the built-in reader, not DuckDB; '${label}' is read in memory`, range: doc.engine?.range ?? range }],
        hash: '',
        note: '',
      };
    }
    let file: FileBytes | null;
    try {
      file = await bytesOf(dataUri);
    } catch (e) {
      if (e instanceof FileRefused) return fail('data-refused', e.message);
      if (e instanceof MlmError) return fail(e.diagnostic.code, e.message);
      throw e;
    }
    if (!file) return fail('data-not-found', `cannot read the data file '${label}' (relative to this .mlm file)`);
    const uriKey = normalizeUri(dataUri);
    const known = names.get(uriKey + file.hash);
    const columns = known ? documentColumns(doc, known) : null;
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
        const name = `mlm-${++serial}.parquet`;
        db.registerFile(name, file.bytes);
        const relation = `read_parquet(${DUCKDB.str(name)})`;
        try {
          return await db.readTable(relation, label, {
            pick: (all) => {
              names.set(uriKey + file.hash, all);
              return documentColumns(doc, all);
            },
          });
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
      const all = names.get(uriKey + file.hash);
      if (!known && all) tables.set(keyOf(documentColumns(doc, all)), table); // the key the next request computes
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
      for (const k of [...tables.keys()]) if (k.startsWith(key + '\u0000')) tables.delete(k);
    },
  };
}
