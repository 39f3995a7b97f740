/** Node entry of the language server: IPC or --stdio (chosen by the command line, as vscode-languageserver does). */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from '../main';
import { clientHost } from '../clientHost';
import { nodeHost } from './nodeHost';
import { createSqlData } from './sqlData';

const connection = createConnection(ProposedFeatures.all);
// Last line of defence: a stray rejection is logged, never fatal (node would exit on it).
process.on('unhandledRejection', (e) => connection.console.error(`mlm: unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
process.on('uncaughtException', (e) => connection.console.error(`mlm: uncaught exception: ${e.stack ?? e.message}`));
startServer(connection, (conn) => {
  // file: URIs through fs; anything else (a virtual file system) through the client, as in the browser.
  const viaClient = clientHost(conn);
  return {
    readFile: (uri) => (uri.startsWith('file:') ? nodeHost.readFile(uri) : viaClient.readFile(uri)),
    readDirectory: (uri) => (uri.startsWith('file:') ? nodeHost.readDirectory(uri) : viaClient.readDirectory(uri)),
    realUri: async (uri) => (uri.startsWith('file:') ? nodeHost.realUri!(uri) : uri),
    // MLM_CLICKHOUSE_USER / MLM_CLICKHOUSE_PASSWORD for data: clickhouse://… (server/src/clickhouseSource.ts)
    env: (name) => process.env[name],
    // Parquet, globs and large CSV files through the embedded DuckDB (file: URIs only)
    sqlData: createSqlData(),
  };
});
