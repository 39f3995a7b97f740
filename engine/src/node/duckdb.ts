/**
 * The embedded DuckDB runner (`@duckdb/node-api`) for the CLI and the desktop language server: the SqlRunner
 * of engine/src/sql/runner.ts, plus a columnar read for the paths that load a model's columns into memory.
 * One in-memory database per runner, with a memory limit, a private spill folder (removed by close(), also
 * after a cancelled query) and one thread per core. Queries run off the JavaScript thread; progress is polled
 * from DuckDB's query progress and an AbortSignal interrupts the connection.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance, DuckDBResult } from '@duckdb/node-api';
import { CancelledError, MlmError } from '../diagnostics';
import type { SqlColumn, SqlColumnData, SqlColumnReader, SqlQueryOptions, SqlResult, SqlValue } from '../sql/runner';
import { sqlColumnKind } from '../sql/columns';

export interface DuckDbOptions {
  /** DuckDB's memory_limit, e.g. '1GB' (default: 1GB, so a fit stays well under the machine's memory). */
  memoryLimit?: string;
  /** Threads (default: the machine's cores). */
  threads?: number;
  /** Parent of the spill folder (default: the system's temp folder). */
  tempParent?: string;
}

/** A column read whole: numbers (NaN = missing) or strings (null = missing). */
export type DuckDbColumnData = SqlColumnData;

/** A string as a SQL literal ('it''s'). */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** A name as a SQL identifier ("my col"). */
export function sqlIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/** Spill folders of open runners: removed at process exit too (Ctrl+C in the CLI, a server shut down mid-query). */
const openTemps = new Set<string>();
let exitHook = false;

function trackTemp(dir: string): void {
  openTemps.add(dir);
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const d of openTemps) rmSync(d, { recursive: true, force: true });
  });
}

let loaded: typeof import('@duckdb/node-api') | null | undefined;
let loadError = '';

/**
 * The native module, or null when it cannot load on this platform (then `duckDbUnavailable()` says why).
 * Required lazily, so a host without it still starts and falls back to the in-memory path. The environment
 * variable MLM_DUCKDB=off switches it off (the in-memory path for everything).
 */
export function loadDuckDb(): typeof import('@duckdb/node-api') | null {
  if (loaded !== undefined) return loaded;
  if (process.env.MLM_DUCKDB === 'off') {
    loaded = null;
    loadError = 'switched off by MLM_DUCKDB=off';
    return loaded;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('@duckdb/node-api') as typeof import('@duckdb/node-api');
  } catch (e) {
    loaded = null;
    loadError = e instanceof Error ? e.message.split('\n')[0] : String(e);
  }
  return loaded;
}

/** Why DuckDB is unavailable ('' when it loaded). */
export function duckDbUnavailable(): string {
  loadDuckDb();
  return loaded ? '' : `the embedded DuckDB could not be loaded on this platform (${process.platform}-${process.arch}): ${loadError}`;
}

export class DuckDbRunner implements SqlColumnReader {
  readonly dialect = 'duckdb' as const;
  private closed = false;
  /** One query at a time on the connection (interrupt() cancels whatever runs on it). */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    /** The spill folder (removed by close()). */
    readonly tempDirectory: string,
  ) {}

  /** Opens an in-memory database. Throws MlmError 'sql-unavailable' when the native module cannot load. */
  static async open(options: DuckDbOptions = {}): Promise<DuckDbRunner> {
    const duck = loadDuckDb();
    if (!duck) throw new MlmError({ code: 'sql-unavailable', message: duckDbUnavailable() });
    const temp = mkdtempSync(join(options.tempParent ?? tmpdir(), 'mlm-duckdb-'));
    trackTemp(temp);
    try {
      const instance = await duck.DuckDBInstance.create(':memory:', {
        memory_limit: options.memoryLimit ?? '1GB',
        threads: String(options.threads ?? Math.max(1, availableParallelism())),
        temp_directory: join(temp, 'spill'),
        // no network, no extension downloads: the product reads local files only
        autoinstall_known_extensions: 'false',
        autoload_known_extensions: 'true',
      });
      const conn = await instance.connect();
      await conn.run('SET enable_progress_bar = true; SET enable_progress_bar_print = false');
      return new DuckDbRunner(instance, conn, temp);
    } catch (e) {
      rmSync(temp, { recursive: true, force: true });
      openTemps.delete(temp);
      throw toMlmError(e);
    }
  }

  query(sql: string, options: SqlQueryOptions = {}): Promise<SqlResult> {
    return this.run(sql, options, async (result) => {
      const columns = result.columnNames();
      const rows: SqlValue[][] = [];
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        for (const row of chunk.getRows()) rows.push(row.map(plainValue));
      }
      return { columns, rows };
    });
  }

  async describe(relation: string, options: SqlQueryOptions = {}): Promise<SqlColumn[]> {
    const r = await this.query(`DESCRIBE SELECT * FROM ${relation}`, options);
    const name = r.columns.indexOf('column_name');
    const type = r.columns.indexOf('column_type');
    return r.rows.map((row) => ({ name: String(row[name]), type: String(row[type]) }));
  }

  /**
   * Runs a query and reads every column whole, numbers into a Float64Array (NULL and non-finite as NaN) and
   * anything else as strings: the compact columns of the in-memory paths.
   */
  readColumns(sql: string, options: SqlQueryOptions = {}): Promise<{ names: string[]; types: string[]; columns: DuckDbColumnData[]; nrow: number }> {
    return this.run(sql, options, async (result) => {
      const names = result.columnNames();
      const types = result.columnTypes().map((t) => t.toString());
      const numeric = types.map((t) => sqlColumnKind(t) === 'numeric');
      let cap = 1 << 16;
      let nrow = 0;
      let nums = numeric.map((n) => (n ? new Float64Array(cap) : null));
      const texts = numeric.map((n) => (n ? null : ([] as (string | null)[])));
      for (;;) {
        if (options.signal?.aborted) throw new CancelledError();
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        const n = chunk.rowCount;
        if (nrow + n > cap) {
          while (nrow + n > cap) cap *= 2;
          nums = nums.map((a) => {
            if (!a) return null;
            const b = new Float64Array(cap);
            b.set(a.subarray(0, nrow));
            return b;
          });
        }
        for (let c = 0; c < names.length; c++) {
          const vec = chunk.getColumnVector(c);
          const out = nums[c];
          if (out) {
            for (let i = 0; i < n; i++) {
              const v = vec.getItem(i);
              out[nrow + i] = v === null ? NaN : typeof v === 'number' ? v : Number(v);
            }
          } else {
            const t = texts[c]!;
            for (let i = 0; i < n; i++) {
              const v = vec.getItem(i);
              t.push(v === null ? null : String(v));
            }
          }
        }
        nrow += n;
      }
      const columns: DuckDbColumnData[] = numeric.map((isNum, c) =>
        isNum ? { kind: 'numeric', values: nums[c]!.slice(0, nrow) } : { kind: 'text', values: texts[c]! },
      );
      return { names, types, columns, nrow };
    });
  }

  /** Closes the database and removes its spill folder. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.queue.catch(() => undefined);
      this.conn.closeSync();
      this.instance.closeSync();
    } finally {
      rmSync(this.tempDirectory, { recursive: true, force: true });
      openTemps.delete(this.tempDirectory);
    }
  }

  private run<T>(sql: string, options: SqlQueryOptions, read: (r: DuckDBResult) => Promise<T>): Promise<T> {
    const next = this.queue.catch(() => undefined).then(() => this.runNow(sql, options, read));
    this.queue = next;
    return next;
  }

  private async runNow<T>(sql: string, options: SqlQueryOptions, read: (r: DuckDBResult) => Promise<T>): Promise<T> {
    if (this.closed) throw new MlmError({ code: 'sql-error', message: 'the DuckDB database is closed' });
    const { signal, onProgress } = options;
    if (signal?.aborted) throw new CancelledError();
    const interrupt = () => this.conn.interrupt();
    signal?.addEventListener('abort', interrupt);
    const timer = onProgress
      ? setInterval(() => {
          const p = this.conn.progress;
          if (p && p.percentage >= 0) onProgress({ fraction: Math.min(1, p.percentage / 100), rowsRead: Number(p.rows_processed) });
        }, 100)
      : undefined;
    try {
      const pending = await this.conn.start(sql);
      // an abort while the query was being prepared found nothing to interrupt
      if (signal?.aborted) throw new CancelledError();
      const result = await pending.getResult();
      return await read(result);
    } catch (e) {
      if (signal?.aborted) throw new CancelledError();
      throw toMlmError(e);
    } finally {
      if (timer) clearInterval(timer);
      signal?.removeEventListener('abort', interrupt);
    }
  }
}

function plainValue(v: unknown): SqlValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string' || typeof v === 'boolean') return v;
  return String(v);
}

/**
 * A DuckDB error as an MlmError of runner.ts's codes, its message made readable: the error class prefix
 * ("Binder Error: ") and the echoed query (from "LINE 1:" on) dropped.
 */
export function toMlmError(e: unknown): MlmError | CancelledError {
  if (e instanceof MlmError || e instanceof CancelledError) return e;
  const raw = e instanceof Error ? e.message : String(e);
  if (/INTERRUPT|Interrupted/.test(raw)) return new CancelledError();
  const kind = /^(\w[\w ]*?) Error: /.exec(raw)?.[1] ?? '';
  let message = raw.replace(/^(\w[\w ]*?) Error: /, '').replace(/\n+LINE \d+:[\s\S]*$/, '').trim();
  message = message.replace(/\n\s*\n/g, '\n').split('\n').filter((l) => l.trim() !== '').slice(0, 6).join('\n');
  let code = 'sql-error';
  const col = /Referenced column "([^"]+)" not found/.exec(raw);
  if (col) code = 'sql-unknown-column';
  else if (/Table with name .* does not exist|Catalog Error: Table/.test(raw)) code = 'sql-unknown-table';
  else if (/No files found that match the pattern|No such file or directory|Cannot open file/.test(raw)) code = 'sql-no-files';
  else if (kind === 'Conversion' || /Could not convert|Conversion Error/.test(raw)) code = 'sql-conversion';
  else if (kind === 'Out of Memory') code = 'sql-out-of-memory';
  return new MlmError({ code, message, data: col ? { column: col[1] } : undefined });
}
