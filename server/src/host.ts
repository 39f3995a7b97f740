/**
 * What differs between the node and the browser server: how files are read.
 * The logic modules only see this interface.
 */
import type { DataTable } from '../../engine/src/index';

export interface DirectoryEntry {
  name: string;
  type: 'file' | 'directory';
}

/** Thrown by ServerHost.readFile for a file that must not be read (not a regular file, too large); the message is for the user. */
export class FileRefused extends Error {}

export interface ServerHost {
  /** The text of a file, or null when it does not exist or cannot be read. Throws FileRefused with the reason when it must not be read. */
  readFile(uri: string): Promise<string | null>;
  /** The URI with symbolic links resolved (null when the file does not exist); absent where there are no links. */
  realUri?(uri: string): Promise<string | null>;
  /** One level of a folder, or null when it cannot be listed. */
  readDirectory(uri: string): Promise<DirectoryEntry[] | null>;
  /** Receives the client's initializationOptions (the web server learns where its duckdb-wasm file is). */
  initialize?(options: unknown): void;
  /** Data files read through SQL (Parquet) instead of the CSV reader; absent where no SQL engine is available. */
  sqlTables?: SqlTableHost;
}

/** Reads data files with a SQL engine (duckdb-wasm in the web worker). */
export interface SqlTableHost {
  /** True when the file is read through SQL rather than as CSV text. */
  handles(uri: string): boolean;
  /**
   * The file's table and a hash of its content; null when it does not exist or cannot be read. Throws FileRefused
   * (must not be read) or MlmError (the engine's message, e.g. a corrupt file).
   */
  readTable(uri: string, fileName: string): Promise<{ table: DataTable; hash: string } | null>;
}

/** Files whose format is binary and needs a SQL engine: Parquet. */
export function isSqlDataFile(uri: string): boolean {
  return /\.parquet$/i.test(uri.replace(/[?#].*$/, ''));
}
