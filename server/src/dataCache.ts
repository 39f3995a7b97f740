/**
 * Linked CSV files: read once, parsed once per content (hash), re-read when the file changes on disk
 * (the server calls `invalidate` on workspace/didChangeWatchedFiles).
 */
import { readCsvAsync, type DataTable, MlmError, type MlmDiagnostic } from '../../engine/src/index';
import { hashTextAsync } from './hash';
import { FileRefused, type ServerHost } from './host';
import { basenameUri, normalizeUri } from './uris';

export interface LinkedData {
  uri: string;
  /** Content hash of the file ('' when it could not be read). */
  hash: string;
  /** The parsed table, when the file exists and parses. */
  table?: DataTable;
  /** The file exists but is not valid CSV (with its row and column). */
  parseError?: MlmDiagnostic;
  /** The file does not exist or cannot be read. */
  missing?: boolean;
  /** The file exists but must not be read (not a regular file, too large): the reason. */
  refused?: string;
}

export class DataCache {
  private readonly entries = new Map<string, Promise<LinkedData>>();
  /** Parsed tables by content hash: a file that changes back and forth, or two links to equal files, parse once. */
  private readonly byHash = new Map<string, { table?: DataTable; parseError?: MlmDiagnostic }>();

  constructor(private readonly host: ServerHost) {}

  get(uri: string): Promise<LinkedData> {
    const key = normalizeUri(uri);
    let p = this.entries.get(key);
    if (!p) {
      p = this.load(uri);
      this.entries.set(key, p);
    }
    return p;
  }

  /** Forget a file (changed, created or deleted on disk). Returns true when it was cached. */
  invalidate(uri: string): boolean {
    return this.entries.delete(normalizeUri(uri));
  }

  /** Cached and already loaded (no I/O). */
  isCached(uri: string): boolean {
    return this.entries.has(normalizeUri(uri));
  }

  private async load(uri: string): Promise<LinkedData> {
    let text: string | null;
    try {
      text = await this.host.readFile(uri);
    } catch (e) {
      if (e instanceof FileRefused) return { uri, hash: '', refused: e.message };
      text = null;
    }
    if (text === null) return { uri, hash: '', missing: true };
    const hash = await hashTextAsync(text);
    let parsed = this.byHash.get(hash);
    if (!parsed) {
      parsed = await parseTable(text, basenameUri(uri));
      if (this.byHash.size > 16) this.byHash.clear();
      this.byHash.set(hash, parsed);
    }
    return { uri, hash, ...parsed };
  }
}

/** Parses in slices that yield to the event loop, so requests on other documents are answered meanwhile. */
async function parseTable(text: string, fileName: string): Promise<{ table?: DataTable; parseError?: MlmDiagnostic }> {
  try {
    return { table: await readCsvAsync(text, fileName) };
  } catch (e) {
    if (e instanceof MlmError) return { parseError: e.diagnostic };
    return {
      parseError: {
        severity: 'error',
        code: 'csv-parse',
        message: `${fileName} could not be read as CSV: ${e instanceof Error ? e.message : String(e)}`,
      },
    };
  }
}
