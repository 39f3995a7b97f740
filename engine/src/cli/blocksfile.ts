/**
 * The `blocks:` key in the CLI: a file of cross-product blocks (the saved result of `mlm sql`'s query)
 * read through the embedded DuckDB and fitted without the data (engine/src/sql fitFromBlocksFile).
 */
import { dirname, resolve } from 'node:path';
import type { FitHooks } from '../hooks';
import type { MlmDocument, ModelDecl } from '../mlmfile/types';
import { DuckDbRunner } from '../node/index';
import { fitFromBlocksFile, type SqlFit } from '../sql/fit';

export async function fitBlocksFile(mlmFile: string, doc: MlmDocument, decl: ModelDecl, hooks?: FitHooks): Promise<SqlFit> {
  const path = resolve(dirname(mlmFile), doc.blocks!.value).replace(/'/g, "''");
  // a CSV's NULL is an empty field or \N (ClickHouse's CSV output, PostgreSQL's COPY)
  const relation = /\.csv$/i.test(path) ? `read_csv('${path}', header = true, nullstr = ['\\N', ''])` : `read_parquet('${path}')`;
  const runner = await DuckDbRunner.open();
  try {
    return await fitFromBlocksFile(runner, relation, doc, decl, { hooks });
  } finally {
    await runner.close();
  }
}
