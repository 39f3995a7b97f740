/**
 * Loads duckdb-wasm in the web server's worker on first use (the first Parquet file), never at start: the wasm
 * (about 18 MB, 5 MB compressed) is fetched from the extension's own dist/web/duckdb/ folder, whose address the
 * client sends in initializationOptions.duckdbWasm (VS Code starts this worker from a blob: URL), so nothing
 * comes from the network. Only the build with WebAssembly exceptions ("eh") ships; every browser that runs
 * VS Code for the web has them.
 */
import { BROWSER_RUNTIME, createDuckDB, ResultStreamIterator, VoidLogger } from '@duckdb/duckdb-wasm/blocking';
import { RecordBatchReader } from 'apache-arrow';
import { DuckDbWasmRunner, type ArrowBatch } from './duckdbRunner';

declare const self: DedicatedWorkerGlobalScope;

let wasmUrl: string | null = null;
let loading: Promise<DuckDbWasmRunner> | null = null;

/** Where the wasm file is, from the client's initializationOptions ({ duckdbWasm: url }). */
export function setDuckDbLocation(options: unknown): void {
  const url = options && typeof options === 'object' ? (options as { duckdbWasm?: unknown }).duckdbWasm : undefined;
  if (typeof url === 'string' && /^(https?|vscode-file|file):/i.test(url)) wasmUrl = url;
}

/** The worker's one DuckDB, instantiated on the first call. A failed load is retried on the next call. */
export function duckDbRunner(): Promise<DuckDbWasmRunner> {
  if (!loading) {
    loading = load();
    loading.catch(() => (loading = null));
  }
  return loading;
}

async function load(): Promise<DuckDbWasmRunner> {
  const eh = wasmUrl ?? new URL('duckdb/duckdb-eh.wasm', self.location.href).toString();
  const db = await createDuckDB({ mvp: { mainModule: eh, mainWorker: '' }, eh: { mainModule: eh, mainWorker: '' } }, new VoidLogger(), BROWSER_RUNTIME);
  await db.instantiate(() => {});
  db.open({});
  return new DuckDbWasmRunner({
    db,
    batches: (conn, header) => RecordBatchReader.from(new ResultStreamIterator(db, conn, header)) as unknown as Iterable<ArrowBatch>,
  });
}
