/**
 * The `mlm` command line: `mlm fit FILE.mlm [--model NAME] [--json]`, `mlm compare FILE.mlm`.
 * Node built-ins are allowed here (engine/src/cli only). Summaries and errors go through the engine:
 * located problems print as FILE:LINE:COL: message on stderr and the exit status is 1.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { formatDiagnostic, MlmError, type MlmDiagnostic } from '../diagnostics';
import type { MlmDocument } from '../mlmfile';
import type { ModelFrame } from '../frame/types';
import { prepareModels, type PreparedDocument, type PreparedModel } from '../frame/prepare';
import { fitModel } from '../fit';
import type { FitResult } from '../result';
import { formatSummary } from '../summary';
import { compareModels, formatAnova, type AnovaEntry } from '../inference/anova';
import { parseArgs, USAGE, UsageError, type CliArgs } from './args';
import { Progress } from './progress';

interface FittedModel {
  frame: ModelFrame;
  result: FitResult;
}

export interface CliStreams {
  stdout(s: string): void;
  stderr(s: string): void;
  stderrIsTTY: boolean;
  version: string;
}

class Failed extends Error {}

function nodeErrorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err && err.code === 'ENOENT') return 'no such file';
  if (err && err.code === 'EISDIR') return 'is a directory';
  if (err && err.code === 'EACCES') return 'permission denied';
  return err && err.message ? err.message : String(e);
}

export async function runCli(argv: string[], io: CliStreams): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`mlm: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  if (args.command === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  if (args.command === 'version') {
    io.stdout(`mlm ${io.version}\n`);
    return 0;
  }
  try {
    return args.command === 'fit' ? await runFit(args, io) : await runCompare(args, io);
  } catch (e) {
    if (e instanceof Failed) return 1;
    throw e;
  }
}

/** Shared state of one invocation: the file, the prepared document (A's prepareModels), the fits. */
class Session {
  readonly file: string;
  prep!: PreparedDocument;
  private fits = new Map<string, FittedModel>();
  readonly progress: Progress;
  errors = 0;
  private modelKeys = new Set<string>();

  constructor(
    args: CliArgs,
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
  load(): void {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      this.fail(`cannot read the model file: ${nodeErrorText(e)}`, 'file-missing');
    }
    const dir = dirname(this.file);
    this.prep = prepareModels(text, (rel) => {
      try {
        return readFileSync(resolve(dir, rel), 'utf8');
      } catch {
        return undefined;
      }
    });
    for (const m of this.prep.models) for (const d of [...m.diagnostics, ...(m.error ? [m.error] : [])]) this.modelKeys.add(keyOf(d));
    const docLevel = this.prep.diagnostics.filter((d) => !this.modelKeys.has(keyOf(d)));
    for (const d of docLevel) this.report(d);
    if (docLevel.some((d) => d.severity === 'error')) throw new Failed('errors in the .mlm file or its data');
    if (this.prep.models.length === 0) this.fail('the file declares no model', 'no-model');
  }

  /** Fits a model once (cached); null after reporting its errors. */
  async fit(m: PreparedModel): Promise<FittedModel | null> {
    const cached = this.fits.get(m.name);
    if (cached) return cached;
    for (const d of m.diagnostics) this.report(d);
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
      const result = await fitModel(frame, m.spec, this.progress.hooks(label));
      this.progress.clear();
      const fitted = { frame, result };
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
}

function keyOf(d: MlmDiagnostic): string {
  return `${d.code}|${d.message}|${JSON.stringify(d.range ?? null)}`;
}

async function runFit(args: CliArgs, io: CliStreams): Promise<number> {
  const s = new Session(args, io);
  s.load();
  let models = s.prep.models;
  if (args.model !== undefined) {
    const m = models.find((x) => x.name === args.model);
    if (!m) {
      s.report({ severity: 'error', code: 'unknown-model', message: `no model named '${args.model}' (the file has: ${models.map((x) => x.name).join(', ')})` });
      return 1;
    }
    models = [m];
  }
  const results: Record<string, FitResult> = {};
  const dataName = s.doc.data?.value;
  let printed = 0;
  for (const m of models) {
    const fitted = await s.fit(m);
    if (!fitted) continue;
    results[m.name] = fitted.result;
    if (args.json) continue;
    // each summary as soon as its model is fitted; a blank line between models
    const header = models.length > 1 || args.model !== undefined ? `Model ${m.name}:\n` : '';
    io.stdout((printed++ > 0 ? '\n' : '') + header + formatSummary(fitted.result, { data: dataName }));
  }
  if (args.json) io.stdout(JSON.stringify(results) + '\n');
  return s.errors > 0 ? 1 : 0;
}

async function runCompare(args: CliArgs, io: CliStreams): Promise<number> {
  const s = new Session(args, io);
  s.load();
  if (s.doc.compares.length === 0) s.fail("the file has no 'compare: a, b' line", 'no-compare');
  const outputs: string[] = [];
  for (const c of s.doc.compares) {
    const entries: AnovaEntry[] = [];
    let ok = true;
    for (const ref of c.models) {
      const m = s.prep.models.find((x) => x.name === ref.value);
      if (!m) {
        s.report({ severity: 'error', message: `no model named '${ref.value}'`, code: 'unknown-model', range: ref.range });
        ok = false;
        continue;
      }
      const fitted = await s.fit(m);
      if (!fitted) {
        ok = false;
        continue;
      }
      entries.push({ name: m.name, frame: fitted.frame, result: fitted.result });
    }
    if (!ok) continue;
    try {
      const table = await compareModels(entries, s.progress.hooks('comparing'), { dataName: s.doc.data?.value });
      s.progress.clear();
      outputs.push(formatAnova(table));
    } catch (e) {
      s.progress.clear();
      if (e instanceof MlmError) {
        const d = e.diagnostic;
        s.report(d.range ? d : { ...d, range: c.range });
        continue;
      }
      throw e;
    }
  }
  if (outputs.length) io.stdout(outputs.map((t) => (t.endsWith('\n') ? t : t + '\n')).join('\n'));
  return s.errors > 0 ? 1 : 0;
}
