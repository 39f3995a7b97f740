/**
 * A SqlRunner on duckdb-wasm (DuckDB 0.9.1, the "blocking" build that runs in the calling thread), for the web
 * language server: Parquet files and large CSVs of the workspace are registered as in-memory buffers (their bytes
 * come from the client, mlm/readFile) and read with DuckDB. Extension auto-install and auto-load are off, so
 * nothing is ever fetched from the network; the Parquet reader is built into this wasm.
 *
 * Queries run as pending queries polled between macrotasks, so the server answers other requests and an
 * AbortSignal cancels a long query. This module loads nothing by itself: `duckdbLoader.ts` instantiates the
 * wasm (in the worker) and node tests pass the node build of the same bindings.
 */
import type { DuckDBBindings } from '@duckdb/duckdb-wasm/blocking';
import {
  CancelledError,
  MlmError,
  tableFromSqlColumns,
  type DataTable,
  type SqlColumn,
  type SqlColumnValues,
  type SqlQueryOptions,
  type SqlResult,
  type SqlRunner,
  type SqlValue,
  sqlColumnKind,
} from '../../../engine/src/index';

/** The part of an Arrow record batch the runner reads. */
export interface ArrowBatch {
  numRows: number;
  schema: { fields: { name: string; type: unknown }[] };
  getChildAt(i: number): { get(i: number): unknown } | null;
}

/** What the runner needs from a loaded duckdb-wasm: the bindings and a decoder of its Arrow result stream. */
export interface DuckDbWasm {
  db: DuckDBBindings;
  /** The record batches of a result whose first chunk is `header` (the rest are fetched from `conn`). */
  batches(conn: number, header: Uint8Array): Iterable<ArrowBatch>;
}

/** DuckDB's settings for a closed network: never download or auto-load an extension. */
export const OFFLINE_SETTINGS = ['SET autoinstall_known_extensions = false', 'SET autoload_known_extensions = false'];

/** A string literal in DuckDB's SQL. */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** A quoted identifier in DuckDB's SQL. */
export function sqlIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

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

interface ColumnData {
  names: string[];
  types: string[];
  columns: SqlValue[][];
  nrow: number;
}

function valueOf(v: unknown): SqlValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

export class DuckDbWasmRunner implements SqlRunner {
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
    const columns: SqlValue[][] = [];
    let nrow = 0;
    for (const batch of this.wasm.batches(this.conn, header)) {
      if (names.length === 0) {
        for (const f of batch.schema.fields) {
          names.push(f.name);
          types.push(String(f.type));
          columns.push([]);
        }
      }
      for (let k = 0; k < names.length; k++) {
        const vec = batch.getChildAt(k);
        const out = columns[k];
        if (!vec) continue;
        for (let i = 0; i < batch.numRows; i++) out.push(valueOf(vec.get(i)));
      }
      nrow += batch.numRows;
      options?.onProgress?.({ rowsRead: nrow });
      if (signal?.aborted) throw new CancelledError();
    }
    return { names, types, columns, nrow };
  }

  query(sql: string, options?: SqlQueryOptions): Promise<SqlResult> {
    return this.serial(async () => {
      const r = await this.run(sql, options, 'DuckDB');
      const rows: SqlValue[][] = [];
      for (let i = 0; i < r.nrow; i++) rows.push(r.columns.map((c) => c[i]));
      return { columns: r.names, rows };
    });
  }

  describe(relation: string, options?: SqlQueryOptions): Promise<SqlColumn[]> {
    return this.serial(async () => {
      const r = await this.run(`DESCRIBE SELECT * FROM ${relation}`, options, 'DuckDB');
      const name = r.names.indexOf('column_name');
      const type = r.names.indexOf('column_type');
      return r.columns[name].map((n, i) => ({ name: String(n), type: String(r.columns[type][i]) }));
    });
  }

  /**
   * The columns of `relation` (all of them, or those named) as a DataTable: numeric types read as DOUBLE,
   * BOOLEAN as is, every other type as text (VARCHAR). `label` names the source in messages.
   */
  async readTable(relation: string, label: string, options?: SqlQueryOptions & { columns?: string[] }): Promise<DataTable> {
    let cols: SqlColumn[];
    try {
      cols = await this.describe(relation, options);
    } catch (e) {
      if (e instanceof MlmError) throw new MlmError({ ...e.diagnostic, message: e.message.replace(/^DuckDB: /, `${label}: `) });
      throw e;
    }
    if (options?.columns) {
      const want = new Set(options.columns);
      cols = cols.filter((c) => want.has(c.name));
    }
    const select = cols.map((c) => {
      const kind = sqlColumnKind(c.type);
      const id = sqlIdent(c.name);
      return kind === 'numeric' ? `CAST(${id} AS DOUBLE) AS ${id}` : kind === 'logical' ? id : `CAST(${id} AS VARCHAR) AS ${id}`;
    });
    const data = await this.serial(() => this.run(`SELECT ${select.join(', ') || '*'} FROM ${relation}`, options, label));
    const values: SqlColumnValues[] = cols.map((c, k) => ({ name: c.name, type: c.type, values: data.columns[k] }));
    return tableFromSqlColumns(label, values, data.nrow);
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
