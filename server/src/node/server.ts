/** Node entry of the language server: IPC or --stdio (chosen by the command line, as vscode-languageserver does). */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from '../main';
import { clientHost } from '../clientHost';
import { nodeHost } from './nodeHost';

const connection = createConnection(ProposedFeatures.all);
startServer(connection, (conn) => {
  // file: URIs through fs; anything else (a virtual file system) through the client, as in the browser.
  const viaClient = clientHost(conn);
  return {
    readFile: (uri) => (uri.startsWith('file:') ? nodeHost.readFile(uri) : viaClient.readFile(uri)),
    readDirectory: (uri) => (uri.startsWith('file:') ? nodeHost.readDirectory(uri) : viaClient.readDirectory(uri)),
  };
});
