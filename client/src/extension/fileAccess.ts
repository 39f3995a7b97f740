/**
 * Answers the server's file requests (mlm/readFile, mlm/readDirectory) with vscode.workspace.fs.
 * The web server has no file system of its own; the node server never sends them, but answering
 * is harmless there too.
 */
import * as vscode from 'vscode';
import type { BaseLanguageClient } from 'vscode-languageclient';
import {
  ReadDirectoryRequestMethod,
  ReadFileRequestMethod,
  type ReadDirectoryParams,
  type ReadDirectoryResponse,
  type ReadFileParams,
  type ReadFileResponse,
} from '../../../protocol/index';
import { bytesToBase64, decodeText, refuseDataFile } from '../../../engine/src/index';

function parseUri(x: unknown): vscode.Uri | null {
  if (typeof x !== 'string' || x.length === 0 || x.length > 4096) return null;
  try {
    return vscode.Uri.parse(x, true);
  } catch {
    return null;
  }
}

export function registerFileAccess(client: BaseLanguageClient): vscode.Disposable[] {
  return [
    client.onRequest(ReadFileRequestMethod, async (params: ReadFileParams): Promise<ReadFileResponse | null> => {
      const uri = parseUri(params?.uri);
      if (!uri) return null;
      try {
        const st = await vscode.workspace.fs.stat(uri);
        if (params.sizeOnly === true) return (st.type & vscode.FileType.File) !== 0 ? { text: '', size: st.size } : null;
        const name = uri.path.split('/').pop() ?? uri.path;
        const binary = params.encoding === 'base64';
        const refused = refuseDataFile(name, { isFile: (st.type & vscode.FileType.File) !== 0, size: st.size }, binary);
        if (refused) return { text: '', refused };
        const bytes = await vscode.workspace.fs.readFile(uri);
        return binary ? { text: '', base64: bytesToBase64(bytes) } : { text: decodeText(bytes) };
      } catch {
        return null;
      }
    }),
    client.onRequest(ReadDirectoryRequestMethod, async (params: ReadDirectoryParams): Promise<ReadDirectoryResponse | null> => {
      const uri = parseUri(params?.uri);
      if (!uri) return null;
      try {
        const entries = await vscode.workspace.fs.readDirectory(uri);
        return entries.map(([name, type]) => ({ name, type: type & vscode.FileType.Directory ? 'directory' : 'file' }));
      } catch {
        return null;
      }
    }),
  ];
}
