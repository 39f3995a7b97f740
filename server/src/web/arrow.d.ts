/**
 * apache-arrow 13's typings do not resolve through its package "exports" under the bundler resolution; the web
 * server needs one function of it (duckdb-wasm's result stream → record batches).
 */
declare module 'apache-arrow' {
  export const RecordBatchReader: { from(source: Iterable<Uint8Array>): Iterable<unknown> };
}
