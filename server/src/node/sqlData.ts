/**
 * The desktop server's SQL reader: `data:` through the embedded DuckDB (engine/src/node) for Parquet files,
 * globs, CSV files above the size threshold and `engine: duckdb`. Only the columns the document names are
 * loaded (up to MAX_EDITOR_ROWS rows; above, the first SAMPLE_ROWS rows for checks and the data preview); a
 * result is kept per (files, their size and time, columns), so typing in a formula does not reread the data
 * unless it names another column. Files outside the workspace (real paths) are refused. Data held in full
 * up to IN_MEMORY_FIT_ROWS rows are fitted in memory; larger data (or `engine: duckdb`) go through the fitter:
 * in DuckDB over every row, as `mlm fit` does (engine/src/node fitDuckDbModel).
 */
import { realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { documentColumns, isGlobPath } from '../../../engine/src/index';
import { fitDuckDbModel, loadSqlData, routeOf, type SqlData } from '../../../engine/src/node/index';
import { ALL_COLUMNS_ROWS, type SqlDataRequest, type SqlLinkedData } from '../host';
import { isInside } from '../uris';

/** Rows the editor loads at most (3 model columns of 10M rows: 240 MB of numbers); above, a sample of the first rows. */
export const MAX_EDITOR_ROWS = 10_000_000;
/** Rows of that sample (checks, hovers and the data preview; fits read every row in DuckDB). */
export const SAMPLE_ROWS = 1_000_000;

/**
 * Up to this many rows, data the editor holds in full are fitted in memory (every per-row plot, Check Model,
 * Kenward-Roger and bootstrap); above, or with `engine: duckdb`, they are fitted in SQL over every row.
 */
export const IN_MEMORY_FIT_ROWS = 1_000_000;

/** Glob results are trusted this long (a single file is keyed by its size and time instead). */
const GLOB_TTL_MS = 5000;

export function createSqlData(): (request: SqlDataRequest) => Promise<SqlLinkedData | null> {
  /** The columns of each source seen, for the cache key of the next request. */
  const names = new Map<string, string[]>();
  const results = new Map<string, { at: number; value: Promise<SqlLinkedData> }>();
  return async (request) => {
    const { doc, docUri } = request;
    if (!doc.data || !docUri.startsWith('file:')) return null;
    let baseDir: string;
    try {
      baseDir = dirname(fileURLToPath(docUri));
    } catch {
      return null;
    }
    const route = routeOf(doc, baseDir, request.thresholdMB);
    if (route.kind === 'memory') return null;
    const path = doc.data.value;
    let stamp = '';
    if (!isGlobPath(path)) {
      try {
        const st = statSync(resolve(baseDir, path));
        stamp = `${st.size}:${st.mtimeMs}`;
      } catch {
        stamp = 'missing';
      }
    }
    const source = `${baseDir}\u0000${path}\u0000${doc.engine?.value ?? ''}\u0000${stamp}`;
    const known = names.get(source);
    const key = `${source}\u0000${known ? documentColumns(doc, known).join('\u0000') : '?'}`;
    const hit = results.get(key);
    if (hit && (stamp !== '' || Date.now() - hit.at < GLOB_TTL_MS)) return relocated(await hit.value, doc);
    const folders = request.workspaceFolders.length ? [...request.workspaceFolders] : [pathToFileURL(baseDir).href];
    const allowed = (abs: string) => {
      let real: string;
      try {
        real = realpathSync(abs);
      } catch {
        return true; // missing: reported as not found
      }
      const uri = pathToFileURL(real).href;
      return folders.some((f) => isInside(realFolder(f), uri));
    };
    const value = loadSqlData(doc, { baseDir, thresholdMB: request.thresholdMB, allowed, maxRows: MAX_EDITOR_ROWS, sampleRows: SAMPLE_ROWS, allColumnsUpTo: ALL_COLUMNS_ROWS }).then((r: SqlData) => {
      const linked: SqlLinkedData = { table: r.table, diagnostics: r.diagnostics, note: r.note, hash: `sql:${key}\u0000${r.files.join('\u0000')}`, complete: !r.sample };
      const inMemory = !r.sample && r.table !== null && r.table.nrow <= IN_MEMORY_FIT_ROWS && doc.engine?.value !== 'duckdb';
      if (r.relation && r.route.kind === 'sql' && r.table && !inMemory) {
        const source = { relation: r.relation, label: path, reason: r.route.reason };
        linked.fitter = { fit: (d, decl, hooks, query) => fitDuckDbModel(d, decl, source, { hooks, query }) };
      }
      if (r.allNames.length && !known) {
        // the same read under the key the next request computes (now that the columns are known)
        names.set(source, r.allNames);
        const next = `${source}\u0000${documentColumns(doc, r.allNames).join('\u0000')}`;
        results.set(next, { at: Date.now(), value: Promise.resolve(linked) });
      }
      return linked;
    });
    if (results.size > 16) results.clear();
    results.set(key, { at: Date.now(), value });
    value.catch(() => results.delete(key));
    return relocated(await value, doc);
  };
}

/** A kept result's diagnostics on the document's current `data:` (or `engine:`) line: lines above may have moved. */
function relocated(linked: SqlLinkedData, doc: SqlDataRequest['doc']): SqlLinkedData {
  const data = doc.data!.range;
  const diagnostics = linked.diagnostics.map((d) => (d.range ? { ...d, range: d.code === 'data-engine' ? (doc.engine?.range ?? data) : data } : d));
  return { ...linked, diagnostics };
}

function realFolder(folderUri: string): string {
  try {
    return pathToFileURL(realpathSync(fileURLToPath(folderUri))).href;
  } catch {
    return folderUri;
  }
}
