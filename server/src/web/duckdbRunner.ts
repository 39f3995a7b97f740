/**
 * A SqlRunner on duckdb-wasm (DuckDB 0.9.1, the "blocking" build that runs in the calling thread), for the web
 * language server: Parquet files of the workspace are registered as in-memory buffers
 * (their bytes come from the client, mlm/readFile) and read with DuckDB. Extension auto-install and auto-load are off, so
 * nothing is ever fetched from the network; the Parquet reader is built into this wasm.
 *
 * Queries run as pending queries polled between macrotasks, so the server answers other requests and an
 * AbortSignal cancels a long query. This module loads nothing by itself: `duckdbLoader.ts` instantiates the
 * wasm (in the worker) and node tests pass the node build of the same bindings.
 */
import type { DuckDBBindings } from '@duckdb/duckdb-wasm/blocking';
import {
  CancelledError,
  DIALECTS,
  MlmError,
  readSqlTable,
  type DataTable,
  type SqlColumn,
  type SqlColumnData,
  type SqlColumnReader,
  type SqlQueryOptions,
  type SqlResult,
  type SqlValue,
  sqlColumnKind,
} from '../../../engine/src/index';

/** The part of an Arrow vector the runner reads. */
export interface ArrowVector {
  length: number;
  nullCount: number;
  get(i: number): unknown;
  isValid(i: number): boolean;
  toArray(): ArrayLike<unknown>;
}

/** The part of an Arrow record batch the runner reads. */
export interface ArrowBatch {
  numRows: number;
  schema: { fields: { name: string; type: unknown }[] };
  getChildAt(i: number): ArrowVector | null;
}

/** What the runner needs from a loaded duckdb-wasm: the bindings and a decoder of its Arrow result stream. */
export interface DuckDbWasm {
  db: DuckDBBindings;
  /** The record batches of a result whose first chunk is `header` (the rest are fetched from `conn`). */
  batches(conn: number, header: Uint8Array): Iterable<ArrowBatch>;
}

/** DuckDB's settings for a closed network: never download or auto-load an extension. */
export const OFFLINE_SETTINGS = ['SET autoinstall_known_extensions = false', 'SET autoload_known_extensions = false'];

/** DuckDB's quoting of identifiers and string literals. */
export const DUCKDB = DIALECTS.duckdb;

const nextMacrotask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** DuckDB's message without its boilerplate, as a located 'sql-error' (or a more precise code). */
export function sqlError(e: unknown, label: string): MlmError {
  const raw = e instanceof Error ? e.message : String(e);
  const message = raw.replace(/\s+/g, ' ').trim();
  const code = /Referenced column .* not found|column .* does not exist/i.test(message)
    ? 'sql-unknown-column'
    : /Table .* does not exist|No files found/i.test(message)
      ? 'sql-unknown-table'
      : 'sql-error';
  return new MlmError({ code, message: `${label}: ${message}` });
}

/** A result as Arrow vectors, one list of batch vectors per column; converted column by column. */
interface ColumnData {
  names: string[];
  types: string[];
  vectors: ArrowVector[][];
  nrow: number;
}

/** A column of doubles (NULL as NaN) from its batch vectors: Arrow's typed arrays, copied once. */
function doubles(vectors: ArrowVector[], nrow: number): Float64Array {
  const out = new Float64Array(nrow);
  let at = 0;
  for (const v of vectors) {
    const arr = v.toArray() as ArrayLike<number>;
    if (arr instanceof Float64Array) out.set(arr, at);
    else for (let i = 0; i < v.length; i++) out[at + i] = Number(arr[i]);
    if (v.nullCount > 0) for (let i = 0; i < v.length; i++) if (!v.isValid(i)) out[at + i] = NaN;
    at += v.length;
  }
  return out;
}

/** Any column as SqlValues, value by value. */
function values(vectors: ArrowVector[], nrow: number): SqlValue[] {
  const out = new Array<SqlValue>(nrow);
  let at = 0;
  for (const v of vectors) {
    for (let i = 0; i < v.length; i++) out[at + i] = valueOf(v.get(i));
    at += v.length;
  }
  return out;
}

function valueOf(v: unknown): SqlValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

export class DuckDbWasmRunner implements SqlColumnReader {
  readonly dialect = 'duckdb' as const;
  private readonly conn: number;
  private busy: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly wasm: DuckDbWasm) {
    const c = wasm.db.connect();
    this.conn = c.useUnsafe((_b: unknown, id: number) => id);
    for (const s of OFFLINE_SETTINGS) wasm.db.runQuery(this.conn, s);
  }

  /** Makes `bytes` readable by SQL as the file `name` (replacing an earlier file of that name). */
  registerFile(name: string, bytes: Uint8Array): void {
    try {
      this.wasm.db.dropFile(name);
    } catch {
      // not registered yet
    }
    this.wasm.db.registerFileBuffer(name, bytes);
  }

  dropFile(name: string): void {
    try {
      this.wasm.db.dropFile(name);
    } catch {
      // already gone
    }
  }

  /** One query at a time on the connection: later calls wait for earlier ones. */
  private serial<T>(run: () => Promise<T>): Promise<T> {
    const p = this.busy.then(run, run);
    this.busy = p.catch(() => undefined);
    return p;
  }

  private async run(sql: string, options: SqlQueryOptions | undefined, label: string): Promise<ColumnData> {
    if (this.closed) throw new MlmError({ code: 'sql-error', message: `${label}: the database is closed` });
    const { db } = this.wasm;
    const signal = options?.signal;
    if (signal?.aborted) throw new CancelledError();
    let header: Uint8Array | null;
    try {
      header = db.startPendingQuery(this.conn, sql);
      while (header === null) {
        await nextMacrotask();
        if (signal?.aborted) {
          db.cancelPendingQuery(this.conn);
          throw new CancelledError();
        }
        header = db.pollPendingQuery(this.conn);
      }
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      throw sqlError(e, label);
    }
    const names: string[] = [];
    const types: string[] = [];
    const vectors: ArrowVector[][] = [];
    let nrow = 0;
    for (const batch of this.wasm.batches(this.conn, header)) {
      if (names.length === 0) {
        for (const f of batch.schema.fields) {
          names.push(f.name);
          types.push(String(f.type));
          vectors.push([]);
        }
      }
      for (let k = 0; k < names.length; k++) {
        const vec = batch.getChildAt(k);
        if (vec) vectors[k].push(vec);
      }
      nrow += batch.numRows;
      options?.onProgress?.({ rowsRead: nrow });
      if (signal?.aborted) throw new CancelledError();
    }
    return { names, types, vectors, nrow };
  }

  query(sql: string, options?: SqlQueryOptions): Promise<SqlResult> {
    return this.serial(async () => {
      const r = await this.run(sql, options, 'DuckDB');
      const columns = r.vectors.map((v) => values(v, r.nrow));
      const rows: SqlValue[][] = [];
      for (let i = 0; i < r.nrow; i++) rows.push(columns.map((c) => c[i]));
      return { columns: r.names, rows };
    });
  }

  describe(relation: string, options?: SqlQueryOptions): Promise<SqlColumn[]> {
    return this.serial(async () => {
      const r = await this.run(`DESCRIBE SELECT * FROM ${relation}`, options, 'DuckDB');
      const names = values(r.vectors[r.names.indexOf('column_name')], r.nrow);
      const types = values(r.vectors[r.names.indexOf('column_type')], r.nrow);
      return names.map((n, i) => ({ name: String(n), type: String(types[i]) }));
    });
  }

  /** A query's columns read whole: numeric types as doubles (NULL as NaN), anything else as text (NULL as null). */
  readColumns(sql: string, options?: SqlQueryOptions): Promise<{ names: string[]; types: string[]; columns: SqlColumnData[]; nrow: number }> {
    return this.serial(async () => {
      const r = await this.run(sql, options, 'DuckDB');
      const columns = r.vectors.map((v, k): SqlColumnData =>
        sqlColumnKind(r.types[k]) === 'numeric' || /^(Float|Int|Uint|Decimal)/i.test(r.types[k])
          ? { kind: 'numeric', values: doubles(v, r.nrow) }
          : { kind: 'text', values: values(v, r.nrow).map((x) => (x === null ? null : String(x))) },
      );
      return { names: r.names, types: r.types, columns, nrow: r.nrow };
    });
  }

  /**
   * The columns of `relation` that `pick` chooses by their R names (make.names, as the CSV reader names them; all
   * when absent) as a DataTable (engine/src/sql/readtable.ts, the reader of the desktop's DuckDB too). `label`
   * names the source in messages.
   */
  async readTable(relation: string, label: string, options?: SqlQueryOptions & { pick?: (rNames: string[]) => string[] }): Promise<DataTable> {
    try {
      return await readSqlTable(this, relation, label, options?.pick ?? ((names) => names), options);
    } catch (e) {
      if (e instanceof MlmError) throw new MlmError({ ...e.diagnostic, message: e.message.replace(/^DuckDB: /, `${label}: `) });
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.wasm.db.disconnect(this.conn);
    } catch {
      // already gone
    }
  }
}
