/** One invocation of the `mlm` command: reads the .mlm file and its data, fits models once, reports located problems. */
import { readFileSync, statSync } from 'node:fs';
import { decodeText, refuseDataFile } from '../data/decode';
import { dirname, isAbsolute, resolve } from 'node:path';
import { formatDiagnostic, MlmError, type MlmDiagnostic } from '../diagnostics';
import type { MlmDocument } from '../mlmfile';
import { prepareDocument, type PrepareOptions, type PreparedDocument, type PreparedModel } from '../frame/prepare';
import { parseMlm } from '../mlmfile/parse';
import { fitCollapsedGlmm, fitDuckDbModel, loadSqlData } from '../node/index';
import { fitBlocksFile } from './blocksfile';
import { fitFromSql } from '../sql/fit';
import { clickHouseSourceForCli } from './clickhouse';
import { isClickHouseUrl } from '../sql/clickhouse';
import { locateSqlDiagnostic } from '../sql/locate';
import type { SqlSource } from '../sql/runner';
import { fitMixedModel, type FittedMixedModel } from '../fit';
import type { CliArgs } from './args';
import { Progress } from './progress';

/** A fitted model: frame, result and the model object (confint evaluates it; nothing is refitted). */
export type FittedModel = FittedMixedModel;

export interface CliStreams {
  stdout(s: string): void;
  stderr(s: string): void;
  stderrIsTTY: boolean;
  version: string;
}

export class Failed extends Error {}

export function nodeErrorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err && err.code === 'ENOENT') return 'no such file';
  if (err && err.code === 'EISDIR') return 'is a directory';
  if (err && err.code === 'EACCES') return 'permission denied';
  return err && err.message ? err.message : String(e);
}

/**
 * A data file's text (UTF-8, or UTF-16 with a byte-order mark). Throws MlmError before reading a file that
 * must not be read (a device such as /dev/zero, a folder, more than a string holds), node's error otherwise.
 */
export function readDataFile(path: string, shownName: string): string {
  const st = statSync(path);
  const refused = refuseDataFile(shownName, { isFile: st.isFile(), size: st.size });
  if (refused) throw new MlmError({ code: 'data-refused', message: refused });
  return decodeText(readFileSync(path));
}

/** True when a relative path has more '..' than the absolute folder `dir` has levels (node's resolve would stop at the root). */
export function climbsAboveRoot(dir: string, rel: string): boolean {
  if (isAbsolute(rel)) return false;
  let depth = dir.split(/[\\/]/).filter((s) => s.length > 0 && !/^[A-Za-z]:$/.test(s)).length;
  for (const part of rel.split(/[\\/]/)) {
    if (part === '..') depth--;
    else if (part !== '' && part !== '.') depth++;
    if (depth < 0) return true;
  }
  return false;
}

/** Shared state of one invocation: the file, the prepared document (frame/prepare.ts prepareModels), the fits. */
export class Session {
  readonly file: string;
  prep!: PreparedDocument;
  private fits = new Map<string, FittedModel>();
  readonly progress: Progress;
  errors = 0;
  private modelKeys = new Set<string>();
  /** How the data were read, when not by the built-in CSV reader (FitResult.dataSource). */
  dataSource: string | undefined;
  /** The data as DuckDB reads them again (binomial and Poisson models collapse their rows there). */
  private sqlSource: { relation: string; label: string; columns: string[] } | undefined;
  /** The SQL engine the models are fitted in (`data: clickhouse://…`), null for a CSV file. */
  sql: SqlSource | null = null;

  constructor(
    private readonly args: CliArgs,
    private readonly io: CliStreams,
  ) {
    this.file = args.file as string;
    this.progress = new Progress(io.stderr, io.stderrIsTTY);
  }

  get doc(): MlmDocument {
    return this.prep.doc;
  }

  report(d: MlmDiagnostic): void {
    this.progress.clear();
    if (d.severity === 'error') this.errors++;
    this.io.stderr(formatDiagnostic(this.file, d) + '\n');
  }

  fail(message: string, code = 'cli', range?: MlmDiagnostic['range']): never {
    this.report({ severity: 'error', message, code, range });
    throw new Failed(message);
  }

  /**
   * Reads the .mlm file and its CSV and builds the model frames. Reports the document-level
   * diagnostics (parse, data); stops on errors among them. Per-model ones are reported by fit().
   */
  /**
   * Reads the .mlm file and its data. With `blocksFirst` (mlm fit), linear mixed models of data read through
   * DuckDB are fitted from cross-product blocks computed by one aggregation query (sql/fitFromSql), without
   * loading rows; only when a model needs the rows (a GLMM, an unsupported term, an error to locate) are its
   * columns loaded.
   */
  async load(options: { blocksFirst?: boolean } = {}): Promise<void> {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      this.fail(`cannot read the model file: ${nodeErrorText(e)}`, 'file-missing');
    }
    const dir = dirname(this.file);
    const doc = parseMlm(text);
    if (doc.blocks && !doc.data) {
      // blocks computed elsewhere (mlm sql): no data to read; fit() reads the blocks
      this.prep = prepareDocument(doc, () => undefined, { loaded: { table: null, diagnostics: [] } });
      for (const d of doc.diagnostics) this.report(d);
      if (doc.diagnostics.some((d) => d.severity === 'error')) throw new Failed('errors in the .mlm file');
      return;
    }
    // data: clickhouse://…: the models are fitted in ClickHouse (fitSql), nothing is read here
    this.sql = clickHouseSourceForCli(doc);
    const clickhouse = !!doc.data && isClickHouseUrl(doc.data.value);
    if (!clickhouse && options.blocksFirst && doc.diagnostics.every((d) => d.severity !== 'error') && (await this.fitFromBlocks(doc, resolve(dir)))) {
      this.prep = prepareDocument(doc, () => undefined, { loaded: { table: null, diagnostics: [] }, frames: false, analyze: false });
      return;
    }
    let loaded: PrepareOptions['loaded'];
    if (!clickhouse) {
      // Parquet, globs, large CSV files (or engine: duckdb): only the models' columns, through DuckDB
      this.progress.start('reading data');
      const sql = await loadSqlData(doc, {
        baseDir: resolve(dir),
        thresholdMB: this.args.sqlThresholdMB,
        engine: this.args.engine,
        onProgress: (p) =>
          this.progress.update(
            `reading data${p.fraction !== undefined ? ` ${Math.round(p.fraction * 100)}%` : ''}${p.rowsRead ? `, ${p.rowsRead.toLocaleString('en-US')} rows scanned` : ''}`,
          ),
      });
      this.progress.clear();
      if (sql.route.kind === 'memory') for (const d of sql.diagnostics) this.report(d);
      else if (sql.table) {
        if (sql.relation && doc.data) this.sqlSource = { relation: sql.relation, label: doc.data.value, columns: sql.allNames };
        this.dataSource = sql.note.replace(/^read through DuckDB /, 'DuckDB ');
        this.report({ severity: 'information', code: 'data-source', message: `${doc.data?.value} ${sql.note}`, range: doc.data?.range });
      }
      if (sql.route.kind !== 'memory') loaded = { table: sql.table, diagnostics: sql.diagnostics };
    }
    this.prep = prepareDocument(doc, (rel) => {
      if (climbsAboveRoot(resolve(dir), rel)) {
        throw new MlmError({ code: 'data-path', message: `'${rel}' climbs above the root folder (too many '..')` });
      }
      try {
        return readDataFile(resolve(dir, rel), rel);
      } catch (e) {
        if (e instanceof MlmError) throw e;
        return undefined;
      }
    }, loaded ? { loaded } : { sqlData: clickhouse });
    if (this.dataSource) for (const m of this.prep.models) m.spec = { ...m.spec, dataSource: this.dataSource };
    for (const m of this.prep.models) for (const d of [...m.diagnostics, ...(m.error ? [m.error] : [])]) this.modelKeys.add(keyOf(d));
    const docLevel = this.prep.diagnostics.filter((d) => !this.modelKeys.has(keyOf(d)));
    for (const d of docLevel) this.report(d);
    if (docLevel.some((d) => d.severity === 'error')) throw new Failed('errors in the .mlm file or its data');
    if (this.prep.models.length === 0) this.fail('the file declares no model', 'no-model');
  }

  /**
   * Every model fitted from SQL cross-product blocks (true), or false when the data are not read through
   * DuckDB, a model is not a linear mixed model, or a fit from blocks fails (then everything takes the
   * columns path, which also locates errors in the data).
   */
  private async fitFromBlocks(doc: MlmDocument, baseDir: string): Promise<boolean> {
    const decls = this.args.model === undefined ? doc.models : doc.models.filter((m) => m.name === this.args.model);
    const family = (m: (typeof decls)[number]) => m.family?.value ?? 'gaussian';
    if (decls.length === 0 || decls.some((m) => !['gaussian', 'binomial', 'poisson'].includes(family(m)))) return false;
    const where = await loadSqlData(doc, { baseDir, thresholdMB: this.args.sqlThresholdMB, engine: this.args.engine, columns: false });
    if (where.route.kind !== 'sql' || !where.relation || where.diagnostics.length || !doc.data) return false;
    const source = { relation: where.relation, label: doc.data.value, reason: where.route.reason };
    const fits: Array<[string, FittedModel]> = [];
    for (const decl of decls) {
      const label = `fitting ${decl.name} ${family(decl) === 'gaussian' ? 'from SQL blocks' : 'from rows collapsed in SQL'}`;
      this.progress.start(label);
      try {
        const got = await fitDuckDbModel(doc, decl, source, {
          hooks: this.progress.hooks(label),
          query: { onProgress: (p) => this.progress.update(`${label}${p.fraction !== undefined ? ` ${Math.round(p.fraction * 100)}%` : ''}${p.rowsRead ? `, ${p.rowsRead.toLocaleString('en-US')} rows scanned` : ''}`) },
        });
        if ('reason' in got) {
          // the columns path for everything
          this.progress.clear();
          this.report({ severity: 'information', code: 'fit-path', message: `model ${decl.name}: the model's columns are loaded (${got.reason})`, range: decl.nameRange });
          return false;
        }
        fits.push([decl.name, got.fitted]);
        if (family(decl) !== 'gaussian') this.report({ severity: 'information', code: 'fit-path', message: `model ${decl.name}: ${got.note}`, range: decl.nameRange });
      } catch (e) {
        if (e instanceof MlmError) {
          this.progress.clear();
          this.report({ severity: 'information', code: 'fit-path', message: `model ${decl.name}: the model's columns are loaded instead of SQL blocks (${e.message})`, range: decl.nameRange });
          return false;
        }
        throw e;
      } finally {
        this.progress.clear();
      }
    }
    this.report({ severity: 'information', code: 'fit-path', message: `${doc.data.value} read through DuckDB (${where.route.reason}): fitted in SQL, no rows loaded`, range: doc.data.range });
    for (const [name, fit] of fits) {
      this.fits.set(name, fit);
      const decl = decls.find((d) => d.name === name)!;
      for (const w of fit.result.warnings ?? []) this.report({ severity: 'warning', message: `model ${name}: ${w}`, code: 'fit-warning', range: decl.nameRange });
    }
    return true;
  }

  /** The models named by --model (all when undefined); null after reporting an unknown name. */
  select(name: string | undefined): PreparedModel[] | null {
    const models = this.prep.models;
    if (name === undefined) return models;
    const m = models.find((x) => x.name === name);
    if (!m) {
      this.report({ severity: 'error', code: 'unknown-model', message: `no model named '${name}' (the file has: ${models.map((x) => x.name).join(', ')})` });
      return null;
    }
    return [m];
  }

  /**
   * A binomial or Poisson model of data read through DuckDB: fitted from its rows collapsed to covariate
   * patterns when that shrinks them (null otherwise: the loaded columns are fitted). Says which path it took.
   */
  private async fitCollapsed(m: PreparedModel, label: string): Promise<FittedModel | null> {
    if (!this.sqlSource || (m.settings.family !== 'binomial' && m.settings.family !== 'poisson')) return null;
    const got = await fitCollapsedGlmm(this.doc, m.decl, this.sqlSource, {}, this.progress.hooks(label));
    const message = 'reason' in got ? `model ${m.name}: fitted to the loaded columns (${got.reason})` : `model ${m.name}: ${got.note}`;
    this.report({ severity: 'information', code: 'fit-path', message, range: m.decl.nameRange });
    return 'reason' in got ? null : got.fitted;
  }

  /** A model fitted from the file of the `blocks:` key (engine/src/cli/blocksfile.ts). */
  private async fitFromBlocksKey(m: PreparedModel): Promise<FittedModel | null> {
    const label = `fitting ${m.name} from ${this.doc.blocks!.value}`;
    this.progress.start(label);
    try {
      const fitted = await fitBlocksFile(this.file, this.doc, m.decl, this.progress.hooks(label));
      this.progress.clear();
      this.fits.set(m.name, fitted);
      for (const w of fitted.result.warnings) this.report({ severity: 'warning', message: `model ${m.name}: ${w}`, code: 'fit-warning', range: m.decl.nameRange });
      return fitted;
    } catch (e) {
      this.progress.clear();
      if (e instanceof MlmError) {
        const d = e.diagnostic;
        this.report(d.range ? d : { ...d, range: this.doc.blocks!.range });
        return null;
      }
      throw e;
    }
  }

  /** Fits a model once (cached); null after reporting its errors. */
  async fit(m: PreparedModel): Promise<FittedModel | null> {
    const cached = this.fits.get(m.name);
    if (cached) return cached;
    if (this.doc.blocks && !this.doc.data) return this.fitFromBlocksKey(m);
    for (const d of m.diagnostics) this.report(d);
    if (this.sql && !m.error) return this.fitSql(m, this.sql);
    if (!m.frame) {
      if (m.error && !m.diagnostics.includes(m.error)) this.report(m.error);
      else if (!m.error && !m.diagnostics.some((d) => d.severity === 'error')) {
        this.report({ severity: 'error', code: 'no-frame', message: `model ${m.name} cannot be fitted`, range: m.decl.headerRange });
      }
      return null;
    }
    const frame = m.frame;
    const label = `fitting ${m.name}`;
    this.progress.start(label);
    try {
      const fitted = (await this.fitCollapsed(m, label)) ?? (await fitMixedModel(frame, m.spec, this.progress.hooks(label)));
      const result = fitted.result;
      this.progress.clear();
      this.fits.set(m.name, fitted);
      // (rows dropped for missing values are reported by the model's analysis diagnostics above)
      for (const w of result.warnings ?? []) {
        this.report({ severity: 'warning', message: `model ${m.name}: ${w}`, code: 'fit-warning', range: m.decl.nameRange });
      }
      return fitted;
    } catch (e) {
      this.progress.clear();
      if (e instanceof MlmError) {
        const d = e.diagnostic;
        this.report(d.range || d.csv ? d : { ...d, range: m.decl.formula?.range ?? m.decl.headerRange });
        return null;
      }
      throw e;
    }
  }

  /** A model fitted in the SQL engine (one aggregation query; only the cross-product blocks come back). */
  private async fitSql(m: PreparedModel, source: SqlSource): Promise<FittedModel | null> {
    const label = `fitting ${m.name} in ${source.runner.dialect === 'clickhouse' ? 'ClickHouse' : 'SQL'}`;
    this.progress.start(label);
    try {
      const fitted = await fitFromSql(source, this.doc, m.decl, {
        hooks: this.progress.hooks(label),
        query: { onProgress: (p) => this.progress.update(`${label}: ${(p.rowsRead ?? 0).toLocaleString('en-US')} rows read${p.fraction !== undefined ? `, ${Math.round(p.fraction * 100)}%` : ''}`) },
      });
      this.progress.clear();
      this.fits.set(m.name, fitted);
      for (const w of fitted.result.warnings ?? []) {
        this.report({ severity: 'warning', message: `model ${m.name}: ${w}`, code: 'fit-warning', range: m.decl.nameRange });
      }
      return fitted;
    } catch (e) {
      this.progress.clear();
      if (e instanceof MlmError) {
        this.report(locateSqlDiagnostic(e.diagnostic, this.doc, m.decl));
        return null;
      }
      throw e;
    }
  }
}


function keyOf(d: MlmDiagnostic): string {
  return `${d.code}|${d.message}|${JSON.stringify(d.range ?? null)}`;
}

