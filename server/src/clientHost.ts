import type { Connection } from 'vscode-languageserver';
import { FileRefused, type DirectoryEntry, type ServerHost } from './host';
import {
  ReadDirectoryRequestMethod,
  ReadFileRequestMethod,
  type ReadDirectoryParams,
  type ReadDirectoryResponse,
  type ReadFileParams,
  type ReadFileResponse,
} from '../../protocol/index';

/** Files read by the client (vscode.workspace.fs) through the custom requests of protocol.ts. */
export function clientHost(connection: Connection): ServerHost & { readBase64(uri: string): Promise<string | null>; fileSize(uri: string): Promise<number | null> } {
  return {
    /** A file's size in bytes (null when it is not a regular file or cannot be read). */
    async fileSize(uri: string): Promise<number | null> {
      try {
        const r = await connection.sendRequest<ReadFileResponse | null>(ReadFileRequestMethod, { uri, sizeOnly: true } satisfies ReadFileParams);
        return r && typeof r.size === 'number' && Number.isFinite(r.size) ? r.size : null;
      } catch {
        return null;
      }
    },
    /** A binary file's bytes as base64 (null when missing); throws FileRefused. */
    async readBase64(uri: string): Promise<string | null> {
      let r: ReadFileResponse | null;
      try {
        r = await connection.sendRequest<ReadFileResponse | null>(ReadFileRequestMethod, { uri, encoding: 'base64' } satisfies ReadFileParams);
      } catch {
        return null;
      }
      if (r && typeof r.refused === 'string') throw new FileRefused(r.refused);
      return r && typeof r.base64 === 'string' ? r.base64 : null;
    },
    async readFile(uri: string): Promise<string | null> {
      let r: ReadFileResponse | null;
      try {
        r = await connection.sendRequest<ReadFileResponse | null>(ReadFileRequestMethod, { uri } satisfies ReadFileParams);
      } catch {
        return null;
      }
      if (r && typeof r.refused === 'string') throw new FileRefused(r.refused);
      return r && typeof r.text === 'string' ? r.text : null;
    },
    async readDirectory(uri: string): Promise<DirectoryEntry[] | null> {
      try {
        const r = await connection.sendRequest<ReadDirectoryResponse | null>(ReadDirectoryRequestMethod, {
          uri,
        } satisfies ReadDirectoryParams);
        return Array.isArray(r) ? r : null;
      } catch {
        return null;
      }
    },
  };
}
