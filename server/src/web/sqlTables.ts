/**
 * Parquet files in the web server: their bytes come from the client (mlm/readFile with base64), are registered
 * with duckdb-wasm as an in-memory file, read into a DataTable (every column, so previews, hovers and fits work
 * as for a CSV) and dropped again.
 */
import { base64ToBytes, MlmError } from '../../../engine/src/index';
import { hashTextAsync } from '../hash';
import { isSqlDataFile, type SqlTableHost } from '../host';
import { sqlString, type DuckDbWasmRunner } from './duckdbRunner';

export function webSqlTables(readBase64: (uri: string) => Promise<string | null>, runner: () => Promise<DuckDbWasmRunner>): SqlTableHost {
  let serial = 0;
  return {
    handles: isSqlDataFile,
    async readTable(uri, fileName) {
      const b64 = await readBase64(uri);
      if (b64 === null) return null;
      const hash = await hashTextAsync(b64);
      const bytes = base64ToBytes(b64);
      if (!bytes) throw new MlmError({ code: 'sql-error', message: `${fileName}: the client sent bytes that are not base64` });
      let db: DuckDbWasmRunner;
      try {
        db = await runner();
      } catch (e) {
        throw new MlmError({ code: 'sql-unavailable', message: `${fileName}: DuckDB (duckdb-wasm) could not be loaded to read it: ${e instanceof Error ? e.message : String(e)}` });
      }
      const name = `mlm-${++serial}.parquet`;
      db.registerFile(name, bytes);
      try {
        return { table: await db.readTable(`read_parquet(${sqlString(name)})`, fileName), hash };
      } finally {
        db.dropFile(name);
      }
    },
  };
}
