/**
 * The inference commands of `mlm`: confint (lme4's confint()), ranef (conditional modes with
 * conditional SDs and 95% / comparative intervals), coef (lme4's coef()) and predict (new rows).
 * Each fits the chosen models through Session and prints text or, with --json, one JSON object.
 */
import { MlmError, type MlmDiagnostic } from '../diagnostics';
import { isMissingField, parseNumberField, readCsv } from '../data/csv';
import type { DataTable } from '../data/types';
import { applyDocument } from '../frame/table';
import { identifiersOf } from '../frame/structure';
import type { PreparedModel } from '../frame/prepare';
import { confint, type ConfintMethod } from '../inference/confint';
import { formatConfint, varParSpecs, type ConfintTable } from '../inference/profile';
import { caterpillar, coefByGroup, COMPARATIVE_Z } from '../inference/ranef';
import { predictNewData, predictionIntervals } from '../inference/predict';
import { condVarUnavailable, PredictionVariance } from '../inference/condvar';
import { formatColumn, printMatrix } from '../inference/rformat';
import type { CliArgs } from './args';
import { nodeErrorText, readDataFile, Session, type CliStreams, type FittedModel } from './session';

/** What a command needs of a fit. */
export interface CommandNeeds {
  /**
   * The command works from a linear mixed model fitted to SQL cross-product blocks, without rows (profiles,
   * Wald intervals, conditional modes, F and t tests, refits): data read through DuckDB are then fitted in SQL
   * as `mlm fit` fits them. Otherwise the model's columns are loaded, and a fit that has no rows (ClickHouse,
   * a `blocks:` file) is refused with a message.
   */
  fromBlocks: boolean;
}

/** Fits the selected models; calls body for each fitted one. Returns the exit status. */
export async function eachModel(
  args: CliArgs,
  io: CliStreams,
  body: (s: Session, m: PreparedModel, fitted: FittedModel) => Promise<{ text: string; json: unknown } | null>,
  needs: CommandNeeds = { fromBlocks: false },
): Promise<number> {
  const s = new Session(args, io);
  await s.load({ blocksFirst: needs.fromBlocks });
  const models = s.select(args.model);
  if (!models) return 1;
  const json: Record<string, unknown> = {};
  let printed = 0;
  for (const m of models) {
    const fitted = await s.fit(m);
    if (!fitted) continue;
    if (!needs.fromBlocks && fitted.frame.blocks) {
      s.report(needsRows(s, m, args.command));
      continue;
    }
    let out: { text: string; json: unknown } | null;
    try {
      out = await body(s, m, fitted);
      s.progress.clear();
    } catch (e) {
      s.progress.clear();
      if (e instanceof MlmError) {
        const d = e.diagnostic;
        s.report(d.range || d.csv ? d : { ...d, range: m.decl.nameRange });
        continue;
      }
      throw e;
    }
    if (!out) continue;
    if (args.json) json[m.name] = out.json;
    else {
      const header = models.length > 1 || args.model !== undefined ? `Model ${m.name}:\n` : '';
      io.stdout((printed++ > 0 ? '\n' : '') + header + out.text);
    }
  }
  if (args.json) io.stdout(JSON.stringify(json) + '\n');
  return s.errors > 0 ? 1 : 0;
}

/** The error of a command that needs rows, for a model fitted from cross-product blocks alone. */
export function needsRows(s: Session, m: PreparedModel, command: string): MlmDiagnostic {
  const from = s.doc.data ? `cross-product blocks computed in SQL from '${s.doc.data.value}'` : `the cross-product blocks in '${s.doc.blocks?.value ?? ''}'`;
  return {
    severity: 'error',
    code: 'needs-rows',
    message: `mlm ${command} needs the data's rows, and model ${m.name} is fitted from ${from}, without rows; point data: at the rows (a CSV or Parquet file) to run it`,
    range: s.doc.data?.range ?? s.doc.blocks?.range ?? m.decl.nameRange,
  };
}

const nl = (s: string) => (s.endsWith('\n') ? s : s + '\n');

// ---------- confint ----------

/** lme4's Wald layout: the variance parameters' rows are NA, then the coefficients. */
function withVarianceRows(table: ConfintTable, fitted: FittedModel): ConfintTable {
  const specs = varParSpecs(fitted.frame).filter((p) => p.kind !== 'sigma' || fitted.result.family === 'gaussian');
  const names = specs.map((p, i) => (p.kind === 'sigma' ? '.sigma' : `.sig${String(i + 1).padStart(2, '0')}`));
  const none = specs.map(() => null);
  return {
    ...table,
    names: [...names, ...table.names],
    labels: [...specs.map((p) => p.label), ...table.labels],
    estimates: [...specs.map(() => NaN), ...table.estimates],
    lower: [...none, ...table.lower],
    upper: [...none, ...table.upper],
  };
}

export function runConfint(args: CliArgs, io: CliStreams): Promise<number> {
  const method: ConfintMethod = args.method ?? 'profile';
  const level = args.level ?? 0.95;
  return eachModel(args, io, async (s, m, fitted) => {
    const label = method === 'boot' ? `bootstrapping ${m.name}` : method === 'profile' ? `profiling ${m.name}` : m.name;
    if (method !== 'Wald') s.progress.start(label);
    let table = await confint(fitted.model, fitted.result, method, { level, nsim: args.nsim ?? 200, seed: args.seed ?? 1 }, s.progress.hooks(label));
    s.progress.clear();
    if (method === 'Wald') table = withVarianceRows(table, fitted);
    for (const note of table.notes) s.report({ severity: 'information', code: 'confint-note', message: `model ${m.name}: ${note}`, range: m.decl.nameRange });
    const boot = table as ConfintTable & { nsim?: number; seed?: number; failures?: number };
    const json = {
      method,
      level,
      ...(method === 'boot' ? { nsim: boot.nsim, seed: boot.seed, failures: boot.failures } : {}),
      rows: table.names.map((name, i) => ({
        name,
        label: table.labels[i],
        estimate: Number.isFinite(table.estimates[i]) ? table.estimates[i] : null,
        lower: table.lower[i],
        upper: table.upper[i],
      })),
      notes: table.notes,
    };
    return { text: nl(formatConfint(table)), json };
  }, { fromBlocks: method !== 'boot' });
}

// ---------- ranef ----------

export function runRanef(args: CliArgs, io: CliStreams): Promise<number> {
  return eachModel(args, io, async (_s, _m, fitted) => {
    const series = caterpillar(fitted.result);
    const parts: string[] = [];
    const json = series.map((sr) => {
      const block = fitted.result.ranef.find((b) => b.group === sr.group);
      // caterpillar() sorts by the mode; print in the factor's level order, as lme4's ranef()
      const order = new Map((block?.levels ?? []).map((l, j) => [l, j] as [string, number]));
      const pts = [...sr.points].sort((a, b) => (order.get(a.level) ?? 0) - (order.get(b.level) ?? 0));
      const cols: (number | null)[][] = [
        pts.map((p) => p.value),
        pts.map((p) => p.condsd),
        pts.map((p) => p.lower95),
        pts.map((p) => p.upper95),
        pts.map((p) => p.lowerComparative),
        pts.map((p) => p.upperComparative),
      ];
      const formatted = cols.map((c) => formatColumn(c, 5));
      const cells = pts.map((_, i) => formatted.map((f) => f[i].trim()));
      parts.push(
        [`$${sr.group}, ${sr.term}`, ...printMatrix(pts.map((p) => p.level), ['mode', 'condsd', 'lower95', 'upper95', 'lowerComp', 'upperComp'], cells)].join('\n'),
      );
      return {
        group: sr.group,
        term: sr.term,
        variance: sr.variance,
        levels: pts.map((p) => ({
          level: p.level,
          mode: p.value,
          condsd: p.condsd,
          lower95: p.lower95,
          upper95: p.upper95,
          lowerComparative: p.lowerComparative,
          upperComparative: p.upperComparative,
        })),
      };
    });
    const foot = `(95% interval: mode ± 1.96 condsd; comparative interval: mode ± ${COMPARATIVE_Z} condsd, two levels whose comparative intervals do not overlap differ at about the 5% level)`;
    return { text: parts.join('\n\n') + '\n\n' + foot + '\n', json };
  }, { fromBlocks: true });
}

// ---------- coef ----------

export function runCoef(args: CliArgs, io: CliStreams): Promise<number> {
  return eachModel(args, io, async (s, m, fitted) => {
    const groups = coefByGroup(fitted.result);
    for (const g of groups) {
      if (g.unmatched.length) {
        s.report({
          severity: 'warning',
          code: 'coef-unmatched',
          message: `model ${m.name}: random term(s) ${g.unmatched.join(', ')} of ${g.group} have no fixed effect; their columns hold the random effect only`,
          range: m.decl.nameRange,
        });
      }
    }
    const text = groups
      .map((g) => {
        const formatted = g.terms.map((_, t) => formatColumn(g.values.map((row) => row[t]), 7));
        const cells = g.levels.map((_, j) => formatted.map((f) => f[j].trim()));
        return [`$${g.group}`, ...printMatrix(g.levels, g.terms, cells)].join('\n');
      })
      .join('\n\n');
    const json = Object.fromEntries(
      groups.map((g) => [g.group, { terms: g.terms, levels: g.levels, values: g.values.map((row) => Object.fromEntries(g.terms.map((t, k) => [t, row[k]]))) }]),
    );
    return { text: text + '\n', json };
  }, { fromBlocks: true });
}

// ---------- predict ----------

/** Columns the model's right-hand side needs in the new data (derived columns replaced by their sources). */
function neededColumns(s: Session, m: PreparedModel): string[] {
  const rhs = m.decl.formula?.ast?.rhs ?? null;
  const derived = new Map(s.doc.derives.map((d) => [d.name.value, d] as const));
  const out = new Set<string>();
  const visit = (name: string, depth: number) => {
    const d = derived.get(name);
    if (!d || depth > 20) {
      out.add(name);
      return;
    }
    for (const id of [...identifiersOf(d.expr.ast), ...identifiersOf(d.by?.ast ?? null)]) if (id.name !== name) visit(id.name, depth + 1);
  };
  for (const id of identifiersOf(rhs)) visit(id.name, 0);
  return [...out];
}

export function runPredict(args: CliArgs, io: CliStreams): Promise<number> {
  const newPath = args.newdata as string;
  return eachModel(args, io, async (s, m, fitted) => {
    let text: string;
    try {
      text = readDataFile(newPath, newPath);
    } catch (e) {
      return s.fail(`cannot read the new data '${newPath}': ${e instanceof MlmError ? e.message : nodeErrorText(e)}`, 'newdata-missing');
    }
    const raw: DataTable = readCsv(text, newPath);
    const missing = neededColumns(s, m).filter((c) => !raw.columns.has(c));
    if (missing.length) {
      for (const c of missing) {
        const d: MlmDiagnostic = {
          severity: 'error',
          code: 'newdata-column',
          message: `the new data has no column '${c}', which model ${m.name} needs (columns: ${raw.names.join(', ')})`,
          csv: { file: newPath, row: 1, column: c },
        };
        s.report(d);
      }
      return null;
    }
    // a column of numbers in the fit must hold numbers in the new rows
    let typeErrors = 0;
    for (const c of neededColumns(s, m)) {
      const train = s.prep.rawTable?.columns.get(c);
      const col = raw.columns.get(c);
      if (train?.kind !== 'numeric' || col?.kind !== 'text') continue;
      const i = col.raw.findIndex((f) => !isMissingField(f) && Number.isNaN(parseNumberField(f)));
      s.report({
        severity: 'error',
        code: 'newdata-not-number',
        message: `'${i >= 0 ? col.raw[i] : '?'}' is not a number, but model ${m.name} was fitted with numbers in '${c}'`,
        csv: { file: newPath, row: i >= 0 ? i + 2 : 1, column: c },
      });
      typeErrors++;
    }
    if (typeErrors) return null;
    let table: DataTable;
    try {
      table = applyDocument(s.doc, raw);
    } catch (e) {
      if (e instanceof MlmError) {
        s.report({ ...e.diagnostic, message: `in the new data ${newPath}: ${e.diagnostic.message}` });
        return null;
      }
      throw e;
    }
    const scale = args.scale ?? 'response';
    let pred;
    try {
      pred = predictNewData({ model: m.decl, trainTable: s.prep.table as DataTable, frame: fitted.frame, result: fitted.result, newTable: table, scale: args.interval ? 'link' : scale });
    } catch (e) {
      if (e instanceof MlmError && e.diagnostic.code === 'predict-new-level') {
        // the message names the CSV row; locate it in the CSV
        const row = /row (\d+)/.exec(e.diagnostic.message);
        const col = /has ([^=]+) =/.exec(e.diagnostic.message);
        // the CSV column of a variable such as factor(period)
        const variable = col ? col[1].trim() : '?';
        const column = /^[\w.]+\(\s*([\w.]+)\s*\)$/.exec(variable)?.[1] ?? variable;
        s.report({ ...e.diagnostic, range: undefined, csv: { file: newPath, row: row ? Number(row[1]) : 1, column } });
        return null;
      }
      if (e instanceof MlmError) {
        s.report({ ...e.diagnostic, message: `in the new data ${newPath}: ${e.diagnostic.message}` });
        return null;
      }
      // a variable whose type differs from the fit's (e.g. text where the fit had numbers)
      return s.fail(`the new data ${newPath} does not match the columns model ${m.name} was fitted with (${e instanceof Error ? e.message : String(e)})`, 'newdata-columns');
    }
    const withRe = args.re !== false;
    if (withRe && pred.newLevels) {
      const byFactor = new Map<string, number[]>();
      pred.newLevels.forEach((gs, i) => gs.forEach((g) => byFactor.set(g, [...(byFactor.get(g) ?? []), i + 2])));
      for (const [g, rows] of byFactor) {
        const shown = rows.slice(0, 5).join(', ') + (rows.length > 5 ? `, … (${rows.length} rows)` : '');
        s.report({
          severity: 'information',
          code: 'predict-new-level',
          message: `${g} level(s) not in the fit of model ${m.name} (CSV row ${shown}): their prediction is the population prediction (no random effect of ${g})`,
          csv: { file: newPath, row: rows[0], column: g },
        });
      }
    }
    if (args.interval) {
      // with random effects: the conditional covariance of (β̂, b̂), factored once per fit
      const why = withRe ? condVarUnavailable(fitted.frame, fitted.result) : null;
      const condVar = withRe && !why ? new PredictionVariance(fitted.frame, fitted.result) : null;
      const iv = predictionIntervals(pred, fitted.result, { interval: args.interval, level: args.level, re: withRe, scale, condVar });
      if (why) iv.notes.push(`(The covariances of the random effects are not available for ${why}.)`);
      const cols = (['fit', 'se.fit', 'lwr', 'upr'] as const).map((k) => formatColumn(iv[k], 7).map((x) => x.trim()));
      const out = printMatrix(iv.fit.map((_, i) => String(i + 1)), ['fit', 'se.fit', 'lwr', 'upr'], iv.fit.map((_, i) => cols.map((c) => c[i])));
      const json = { scale, re: withRe, newdata: newPath, interval: iv.interval, level: iv.level, fit: iv.fit, 'se.fit': iv['se.fit'], lwr: iv.lwr, upr: iv.upr, notes: iv.notes, newLevels: pred.newLevels ?? [] };
      return { text: [...out, '', ...iv.notes].join('\n') + '\n', json };
    }
    const values = withRe ? pred.conditional : pred.population;
    const names = values.map((_, i) => String(i + 1));
    const formatted = formatColumn(values, 7);
    const out = printMatrix(names, ['fit'], formatted.map((f) => [f.trim()]));
    const json = { scale, re: withRe, newdata: newPath, predictions: values, newLevels: pred.newLevels ?? [] };
    return { text: out.join('\n') + '\n', json };
  });
}

