import { promises as fs } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decodeText, refuseDataFile } from '../../../engine/src/index';
import { FileRefused, type DirectoryEntry, type ServerHost } from '../host';

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
    let refused: string | null;
    try {
      // real path: a symbolic link is judged (and refused) by what it points to
      const st = await fs.stat(p);
      refused = refuseDataFile(p.split(/[\\/]/).pop() ?? p, { isFile: st.isFile(), size: st.size });
      if (!refused) return decodeText(await fs.readFile(p));
    } catch {
      return null;
    }
    throw new FileRefused(refused);
  },
  async realUri(uri: string): Promise<string | null> {
    const p = toPath(uri);
    if (!p) return null;
    try {
      return pathToFileURL(await fs.realpath(p)).href;
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
