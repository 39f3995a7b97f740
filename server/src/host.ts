/**
 * What differs between the node and the browser server: how files are read.
 * The logic modules only see this interface.
 */
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
  /** An environment variable of the server process (the desktop server; absent in the browser). */
  env?(name: string): string | undefined;
}
