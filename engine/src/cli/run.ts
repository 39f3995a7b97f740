/**
 * The `mlm` command line: `mlm fit FILE.mlm [--model NAME] [--json]`, `mlm compare FILE.mlm`, and the
 * inference commands confint, ranef, coef, predict (./commands).
 * Node built-ins are allowed here (engine/src/cli only). Summaries and errors go through the engine:
 * located problems print as FILE:LINE:COL: message on stderr and the exit status is 1.
 */
import { MlmError } from '../diagnostics';
import type { FitResult } from '../result';
import { formatSummary } from '../summary';
import { compareModels, formatAnova, type AnovaEntry } from '../inference/anova';
import { interpretLrt } from '../inference/interpret';
import { parseArgs, USAGE, UsageError, type CliArgs } from './args';
import { Failed, Session, type CliStreams } from './session';
import { formatFitExtras } from './extras';
import { runCoef, runConfint, runPredict, runRanef } from './commands';
import { formatRatios, runAnova, runBaselines, runEstimate, runMeans, runTable } from './postfit';
import { ratios } from '../inference/ratios';
import { runCheck, runResiduals } from './check';
import { runSql } from './sql';

export type { CliStreams } from './session';

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
    switch (args.command) {
      case 'fit':
        return await runFit(args, io);
      case 'compare':
        return await runCompare(args, io);
      case 'confint':
        return await runConfint(args, io);
      case 'ranef':
        return await runRanef(args, io);
      case 'coef':
        return await runCoef(args, io);
      case 'means':
        return await runMeans(args, io);
      case 'anova':
        return await runAnova(args, io);
      case 'estimate':
        return await runEstimate(args, io);
      case 'baselines':
        return await runBaselines(args, io);
      case 'sql':
        return await runSql(args, io);
      case 'table':
        return await runTable(args, io);
      case 'check':
        return await runCheck(args, io);
      case 'residuals':
        return await runResiduals(args, io);
      default:
        return await runPredict(args, io);
    }
  } catch (e) {
    if (e instanceof Failed) return 1;
    throw e;
  }
}

async function runFit(args: CliArgs, io: CliStreams): Promise<number> {
  const s = new Session(args, io);
  await s.load({ blocksFirst: true });
  const models = s.select(args.model);
  if (!models) return 1;
  const results: Record<string, FitResult | (FitResult & { ratios: unknown })> = {};
  const dataName = s.doc.data?.value;
  let printed = 0;
  for (const m of models) {
    const fitted = await s.fit(m);
    if (!fitted) continue;
    const ratioTable = args.ratios ? ratios(fitted.result) : null;
    if (args.ratios && !ratioTable) s.report({ severity: 'information', code: 'no-ratios', message: `model ${m.name}: odds and rate ratios are for binomial (logit) and log-link models`, range: m.decl.nameRange });
    results[m.name] = ratioTable ? { ...fitted.result, ratios: ratioTable } : fitted.result;
    if (args.json) continue;
    // each summary as soon as its model is fitted; a blank line between models
    const header = models.length > 1 || args.model !== undefined ? `Model ${m.name}:\n` : '';
    const summary = formatSummary(fitted.result, { data: dataName, ...(args.style ? { style: args.style } : {}) });
    const extras = formatFitExtras(fitted.result) + (ratioTable ? `\n${formatRatios(ratioTable)}` : '');
    io.stdout((printed++ > 0 ? '\n' : '') + header + summary + (extras ? (summary.endsWith('\n') ? '\n' : '\n\n') + extras : ''));
  }
  if (args.json) io.stdout(JSON.stringify(results) + '\n');
  return s.errors > 0 ? 1 : 0;
}

async function runCompare(args: CliArgs, io: CliStreams): Promise<number> {
  const s = new Session(args, io);
  await s.load({ blocksFirst: true });
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
      entries.push({ name: m.name, frame: fitted.frame, result: fitted.result, model: fitted.model });
    }
    if (!ok) continue;
    try {
      const table = await compareModels(entries, s.progress.hooks('comparing'), { dataName: s.doc.data?.value });
      s.progress.clear();
      const text = formatAnova(table);
      const sentences = table.rows.slice(1).map((row, i) => interpretLrt(row, table.rows[i]));
      outputs.push(sentences.length ? `${text.endsWith('\n') ? text : text + '\n'}\n${sentences.join('\n')}\n` : text);
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
