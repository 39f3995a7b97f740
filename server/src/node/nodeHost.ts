import { promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DirectoryEntry, ServerHost } from '../host';

function toPath(uri: string): string | null {
  if (!uri.startsWith('file:')) return null;
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}

/** Files through node's fs (only file: URIs). */
export const nodeHost: ServerHost = {
  async readFile(uri: string): Promise<string | null> {
    const p = toPath(uri);
    if (!p) return null;
    try {
      return await fs.readFile(p, 'utf8');
    } catch {
      return null;
    }
  },
  async readDirectory(uri: string): Promise<DirectoryEntry[] | null> {
    const p = toPath(uri);
    if (!p) return null;
    try {
      const entries = await fs.readdir(p, { withFileTypes: true });
      return entries.map((e) => ({ name: e.name, type: e.isDirectory() ? 'directory' : 'file' }));
    } catch {
      return null;
    }
  },
};
