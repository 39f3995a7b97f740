/**
 * The after-the-fit commands of `mlm`: means (emmeans), anova (lmerTest's F tests), estimate
 * (linear combinations). Each fits the chosen model once through Session and reads the fitted
 * model through one PostFit (Satterthwaite's ingredients computed once). The models' `means:` and
 * `estimate:` lines are used when no --specs / expression is given.
 */
import { MlmError } from '../diagnostics';
import type { DataTable } from '../data/types';
import type { PreparedModel } from '../frame/prepare';
import type { MeansResult } from '../inference/emmeans';
import { meansJson } from '../inference/emmeans';
import type { EstimateResult } from '../inference/estimate';
import { formatTermFTests } from '../inference/ftest';
import { PostFit, type DfRequest } from '../inference/postfit';
import { formatColumn, formatPValues, printMatrix } from '../inference/rformat';
import type { CliArgs } from './args';
import { eachModel } from './commands';
import type { CliStreams, FittedModel, Session } from './session';

function postFitOf(s: Session, m: PreparedModel, fitted: FittedModel): PostFit {
  return new PostFit({ model: m.decl, table: s.prep.table as DataTable, frame: fitted.frame, result: fitted.result }, s.progress.hooks(`inference for ${m.name}`));
}

const dfText = (d: number) => (Number.isFinite(d) ? d : Infinity);

/** emmeans' printed tables: the means, then $contrasts, then its notes. */
export function formatMeans(r: MeansResult): string {
  const z = r.means.length > 0 && !Number.isFinite(r.means[0].df);
  const fmt = (xs: number[], digits: number) => formatColumn(xs.map(dfText), digits, 'Inf').map((x) => x.trim());
  const blocks: string[] = [];
  const byKeys = [...new Set(r.means.map((m) => JSON.stringify(r.by.map((b) => m.levels[b]))))];
  for (const key of byKeys) {
    const rows = r.means.filter((m) => JSON.stringify(r.by.map((b) => m.levels[b])) === key);
    const head = r.by.length ? `${r.by.map((b, i) => `${b} = ${JSON.parse(key)[i]}`).join(', ')}:\n` : '';
    const cols = [fmt(rows.map((m) => m.emmean), 4), fmt(rows.map((m) => m.SE), 3), rows.map((m) => (Number.isFinite(m.df) ? formatColumn([m.df], 4)[0].trim() : 'Inf')), fmt(rows.map((m) => m.lower), 4), fmt(rows.map((m) => m.upper), 4)];
    const header = [...r.specs, 'emmean', 'SE', 'df', z ? 'asymp.LCL' : 'lower.CL', z ? 'asymp.UCL' : 'upper.CL'];
    const cells = rows.map((m, i) => [...r.specs.map((s) => m.levels[s]), ...cols.map((c) => c[i])]);
    blocks.push(head + printMatrix(rows.map(() => ''), header, cells).join('\n'));
  }
  const lines = [blocks.join('\n\n'), '', ...r.notes.filter((n) => !n.startsWith('P value')), ''];
  if (r.pairs.length) {
    lines.push('$contrasts');
    const ps = r.pairs;
    const cols = [
      formatColumn(ps.map((c) => c.estimate), 4).map((x) => x.trim()),
      formatColumn(ps.map((c) => c.SE), 3).map((x) => x.trim()),
      ps.map((c) => (Number.isFinite(c.df) ? formatColumn([c.df], 4)[0].trim() : 'Inf')),
      formatColumn(ps.map((c) => c.ratio), 4).map((x) => x.trim()),
      formatPValues(ps.map((c) => c.p), 4),
    ];
    const header = ['contrast', ...r.by, 'estimate', 'SE', 'df', z ? 'z.ratio' : 't.ratio', 'p.value'];
    const cells = ps.map((c, i) => [c.contrast, ...r.by.map((b) => c.by[b]), ...cols.map((col) => col[i])]);
    lines.push(...printMatrix(ps.map(() => ''), header, cells), '', ...r.notes.filter((n) => n.startsWith('P value') || n.startsWith('Results are averaged')));
  }
  return lines.join('\n').replace(/\n+$/, '') + '\n';
}

export function formatEstimates(rows: EstimateResult[]): string {
  const z = rows.some((r) => !Number.isFinite(r.df));
  const level = rows[0]?.level ?? 0.95;
  const pct = (x: number) => `${+(x * 100).toFixed(1)} %`;
  const cols = [
    formatColumn(rows.map((r) => r.estimate), 5),
    formatColumn(rows.map((r) => r.SE), 5),
    z ? rows.map(() => 'Inf') : formatColumn(rows.map((r) => r.df), 5),
    formatColumn(rows.map((r) => r.statistic), 4),
    formatPValues(rows.map((r) => r.p), 4),
    formatColumn(rows.map((r) => r.lower), 5),
    formatColumn(rows.map((r) => r.upper), 5),
  ];
  const header = ['Estimate', 'Std. Error', 'df', z ? 'z value' : 't value', z ? 'Pr(>|z|)' : 'Pr(>|t|)', pct((1 - level) / 2), pct(1 - (1 - level) / 2)];
  const lines = printMatrix(rows.map((r) => r.label), header, rows.map((_, i) => cols.map((c) => c[i].trim())));
  for (const r of rows) if (r.label !== r.combination) lines.push(`${r.label} = ${r.combination}`);
  lines.push(`Degrees of freedom: ${rows[0]?.dfMethod ?? ''}; the interval is ${z ? 'estimate ± z × SE' : 'estimate ± t(df) × SE with the same df as the test'}.`);
  return lines.join('\n') + '\n';
}

function relocate(e: unknown, range: import('../diagnostics').SourceRange | undefined): never {
  if (e instanceof MlmError && !e.diagnostic.range && range) throw new MlmError({ ...e.diagnostic, range });
  throw e;
}

export function runMeans(args: CliArgs, io: CliStreams): Promise<number> {
  const df: DfRequest = args.df ?? 'auto';
  return eachModel(args, io, async (s, m, fitted) => {
    const pf = postFitOf(s, m, fitted);
    const results: MeansResult[] = [];
    if (args.specs) {
      results.push(await pf.means({ specs: args.specs, by: args.by, at: args.at, adjust: args.adjust, level: args.level }, df));
    } else {
      if (m.decl.means.length === 0) {
        if (args.model === undefined) return null;
        return s.fail(`model ${m.name} has no 'means:' line; give the factor with --specs`, 'no-means', m.decl.nameRange);
      }
      for (const d of m.decl.means) {
        try {
          results.push(await pf.meansOf(d, { adjust: args.adjust, level: args.level }, df));
        } catch (e) {
          relocate(e, d.range);
        }
      }
    }
    return { text: results.map(formatMeans).join('\n'), json: results.length === 1 ? meansJson(results[0]) : results.map(meansJson) };
  });
}

export function runAnova(args: CliArgs, io: CliStreams): Promise<number> {
  const type = args.type ?? 3;
  return eachModel(args, io, async (s, m, fitted) => {
    if (fitted.result.family !== 'gaussian' && args.model === undefined) return null;
    const rows = await postFitOf(s, m, fitted).anova(type, args.df ?? 'satterthwaite');
    const json = {
      type,
      df_method: 'Satterthwaite',
      terms: rows.map((r) => r.term),
      'Sum Sq': rows.map((r) => r.sumSq),
      'Mean Sq': rows.map((r) => r.meanSq),
      NumDF: rows.map((r) => r.NumDF),
      DenDF: rows.map((r) => r.DenDF),
      'F value': rows.map((r) => r.F),
      'Pr(>F)': rows.map((r) => r.p),
    };
    return { text: formatTermFTests(rows, type) + '\n', json };
  });
}

export function runEstimate(args: CliArgs, io: CliStreams): Promise<number> {
  const df: DfRequest = args.df ?? 'satterthwaite';
  const level = args.level ?? 0.95;
  return eachModel(args, io, async (s, m, fitted) => {
    const pf = postFitOf(s, m, fitted);
    const rows: EstimateResult[] = [];
    if (args.expression !== undefined) rows.push(await pf.estimate(args.expression, undefined, df, level));
    else {
      if (m.decl.estimates.length === 0) {
        if (args.model === undefined) return null;
        return s.fail(`model ${m.name} has no 'estimate:' line; give the combination, e.g. mlm estimate FILE --model ${m.name} "a + b"`, 'no-estimate', m.decl.nameRange);
      }
      for (const d of m.decl.estimates) rows.push(await pf.estimateOf(d, df, level));
    }
    const json = rows.map((r) => ({ label: r.label, combination: r.combination, weights: r.weights, estimate: r.estimate, SE: r.SE, df: Number.isFinite(r.df) ? r.df : 'Inf', statistic: r.statistic, p: r.p, lower: r.lower, upper: r.upper, level: r.level, df_method: r.dfMethod }));
    return { text: formatEstimates(rows), json };
  });
}
