/** Browser (web worker) entry of the language server. Files are read by the client (mlm/readFile); Parquet through duckdb-wasm. */
import { BrowserMessageReader, BrowserMessageWriter, createConnection } from 'vscode-languageserver/browser';
import { startServer } from '../main';
import { clientHost } from '../clientHost';
import { duckDbRunner, setDuckDbLocation } from './duckdbLoader';
import { webSqlData } from './sqlData';

declare const self: DedicatedWorkerGlobalScope;

const reader = new BrowserMessageReader(self);
const writer = new BrowserMessageWriter(self);
const connection = createConnection(reader, writer);
self.addEventListener('unhandledrejection', (e: PromiseRejectionEvent) => {
  e.preventDefault();
  connection.console.error(`mlm: unhandled rejection: ${String(e.reason)}`);
});
startServer(connection, (conn) => {
  const host = clientHost(conn);
  const sql = webSqlData(host.readBase64, duckDbRunner, host.fileSize);
  return { ...host, initialize: setDuckDbLocation, sqlData: sql.read, invalidate: sql.invalidate };
});
