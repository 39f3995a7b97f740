/** duckdb-wasm's blocking node build, loaded as the web server's loader loads the browser build (tests and benches). */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DuckDbWasm } from '../../server/src/web/duckdbRunner';

const require = createRequire(join(__dirname, '..', '..', 'package.json'));

export async function nodeDuckDb(): Promise<DuckDbWasm> {
  const duckdb = require('@duckdb/duckdb-wasm/dist/duckdb-node-blocking.cjs');
  const arrow = require('apache-arrow');
  const dist = dirname(require.resolve('@duckdb/duckdb-wasm/dist/duckdb-node-blocking.cjs'));
  const db = await duckdb.createDuckDB(
    { mvp: { mainModule: join(dist, 'duckdb-mvp.wasm'), mainWorker: '' }, eh: { mainModule: join(dist, 'duckdb-eh.wasm'), mainWorker: '' } },
    new duckdb.VoidLogger(),
    duckdb.NODE_RUNTIME,
  );
  await db.instantiate(() => {});
  db.open({});
  return { db, batches: (conn, header) => arrow.RecordBatchReader.from(new duckdb.ResultStreamIterator(db, conn, header)) };
}
