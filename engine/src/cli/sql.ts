/**
 * `mlm sql FILE.mlm --model NAME [--dialect D] [--table RELATION]`: prints the one aggregation query
 * that computes the model's cross-product blocks (engine/src/sql), to run in a warehouse; the result
 * is read back with the `blocks:` key. Column types and the levels of categorical predictors come
 * from the data the .mlm names (for `data: clickhouse://…`, from the server: the query in its dialect).
 * The ClickHouse query carries the centres as numbers (a first query on the server, or the means of the rows
 * read here), since ClickHouse 18.16 has no table CTEs to compute them once in the same statement.
 */
import { basename, dirname, extname, resolve } from 'node:path';
import { MlmError } from '../diagnostics';
import { blocksQuery, designMeta } from '../sql/compile';
import { designFromTable, frameCentres, tableColumns } from '../sql/table';
import { dialectOf } from '../sql/dialect';
import { compileBlocksQuery } from '../sql/fit';
import { locateSqlDiagnostic } from '../sql/locate';
import type { SqlDialectName } from '../sql/runner';
import type { CliArgs } from './args';
import { Session, type CliStreams } from './session';
import { sqlRelation } from '../node/index';

/** The relation the query reads: the data file itself for DuckDB, else a table named after it (or --table). */
export function defaultRelation(dialect: SqlDialectName, mlmFile: string, dataPath: string): string {
  if (dialect === 'duckdb') {
    const abs = resolve(dirname(mlmFile), dataPath);
    return sqlRelation(/\.parquet$/i.test(dataPath) ? 'parquet' : 'csv', [abs]);
  }
  return basename(dataPath, extname(dataPath));
}

export async function runSql(args: CliArgs, io: CliStreams): Promise<number> {
  const s = new Session(args, io);
  await s.load();
  const models = s.select(args.model);
  if (!models) return 1;
  if (s.sql) {
    // data: clickhouse://…: column types and levels from the server (DESCRIBE, SELECT DISTINCT), its dialect
    const out: string[] = [];
    for (const m of models) {
      if (m.error) {
        s.report(m.error);
        continue;
      }
      try {
        out.push(`-- model ${m.name}: ${m.decl.formula?.text ?? ''} (${s.sql.runner.dialect})\n${await compileBlocksQuery(s.sql, s.doc, m.decl)};\n`);
      } catch (e) {
        if (e instanceof MlmError) s.report(locateSqlDiagnostic(e.diagnostic, s.doc, m.decl));
        else throw e;
      }
    }
    io.stdout(out.join('\n'));
    return s.errors > 0 ? 1 : 0;
  }
  const dialect = args.dialect ?? 'duckdb';
  const table = s.prep.rawTable;
  const data = s.doc.data?.value;
  if (!table || !data) return s.fail("the .mlm file has no readable 'data:'", 'no-data');
  const relation = args.table ?? defaultRelation(dialect, s.file, data);
  const out: string[] = [];
  for (const m of models) {
    if (!m.frame) {
      await s.fit(m); // reports why the model has no frame
      continue;
    }
    try {
      const design = designFromTable(s.doc, m.decl, table, m.frame.rows, dialect, relation);
      // without table CTEs (ClickHouse) the query carries the centres of these rows as numbers
      const known = dialectOf(dialect).cte ? undefined : frameCentres(design, m.frame, table.nrow);
      // the design rides along (column mlm_design), so that `blocks:` can read the result back without the data
      out.push(`-- model ${m.name}: ${m.decl.formula?.text ?? ''} (${dialect})\n${blocksQuery(design, known, designMeta(design, tableColumns(table)))};\n`);
    } catch (e) {
      if (e instanceof MlmError) s.report(e.diagnostic);
      else throw e;
    }
  }
  io.stdout(out.join('\n'));
  return s.errors > 0 ? 1 : 0;
}
