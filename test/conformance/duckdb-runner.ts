/**
 * A minimal SqlRunner over embedded DuckDB for tests of the query compiler and the fit from blocks
 * (the product's runner is engine/src/node/; this one only runs queries and describes relations).
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { MlmError } from '../../engine/src/diagnostics';
import type { SqlColumn, SqlResult, SqlRunner, SqlSource, SqlValue } from '../../engine/src/sql/runner';

export class TestDuckDbRunner implements SqlRunner {
  readonly dialect = 'duckdb' as const;
  /** Every query run, in order. */
  readonly log: string[] = [];
  private constructor(private readonly con: DuckDBConnection, private readonly instance: DuckDBInstance) {}

  static async open(): Promise<TestDuckDbRunner> {
    const instance = await DuckDBInstance.create(':memory:');
    return new TestDuckDbRunner(await instance.connect(), instance);
  }

  async query(sql: string): Promise<SqlResult> {
    this.log.push(sql);
    try {
      const r = await this.con.runAndReadAll(sql);
      return { columns: r.columnNames(), rows: r.getRowsJS() as SqlValue[][] };
    } catch (e) {
      throw new MlmError({ code: 'sql-error', message: (e as Error).message });
    }
  }

  async describe(relation: string): Promise<SqlColumn[]> {
    const r = await this.query(`DESCRIBE SELECT * FROM ${relation}`);
    return r.rows.map((row) => ({ name: String(row[0]), type: String(row[1]) }));
  }

  async close(): Promise<void> {
    this.con.closeSync();
    this.instance.closeSync();
  }
}

/** A CSV file as a DuckDB relation (empty fields and NA are missing, as the in-memory reader reads them). */
export function csvSource(runner: SqlRunner, path: string): SqlSource {
  return { runner, relation: `read_csv('${path.replace(/'/g, "''")}', header = true, nullstr = ['NA', ''])`, label: path };
}
