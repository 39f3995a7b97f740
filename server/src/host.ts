/**
 * What differs between the node and the browser server: how files are read.
 * The logic modules only see this interface.
 */
export interface DirectoryEntry {
  name: string;
  type: 'file' | 'directory';
}

export interface ServerHost {
  /** The text of a file, or null when it does not exist or cannot be read. */
  readFile(uri: string): Promise<string | null>;
  /** One level of a folder, or null when it cannot be listed. */
  readDirectory(uri: string): Promise<DirectoryEntry[] | null>;
}
