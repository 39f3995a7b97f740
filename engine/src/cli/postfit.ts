/**
 * The after-the-fit commands of `mlm`: means (emmeans), anova (lmerTest's F tests), estimate
 * (linear combinations), baselines (lm/glm, lmList, LRT of the random effects), table (models side
 * by side) and the odds/rate ratios of `fit --ratios`. Each fits the chosen model once through Session and reads the fitted
 * model through one PostFit (Satterthwaite's ingredients computed once). The models' `means:` and
 * `estimate:` lines are used when no --specs / expression is given.
 */
import { MlmError } from '../diagnostics';
import type { DataTable } from '../data/types';
import type { PreparedModel } from '../frame/prepare';
import type { MeansResult } from '../inference/emmeans';
import { meansJson } from '../inference/emmeans';
import type { EstimateResult } from '../inference/estimate';
import { formatNlmeFTests, formatTermFTests, fTestMethodText } from '../inference/ftest';
import { PostFit, type DfRequest } from '../inference/postfit';
import { formatColumn, formatPValues, printMatrix } from '../inference/rformat';
import type { CliArgs } from './args';
import { eachModel } from './commands';
import { Session as SessionCtor, type CliStreams, type FittedModel, type Session } from './session';
import type { FitResult } from '../result';
import { baselines, type Baselines } from '../inference/baselines';
import { modelTable, type ModelTable, type ModelTableEntry } from '../inference/modeltable';
import { ratios, type RatioTable } from '../inference/ratios';

function postFitOf(s: Session, m: PreparedModel, fitted: FittedModel): PostFit {
  return new PostFit({ model: m.decl, table: s.prep.table as DataTable, frame: fitted.frame, result: fitted.result, mixedModel: fitted.model }, s.progress.hooks(`inference for ${m.name}`));
}

const dfText = (d: number) => (Number.isFinite(d) ? d : Infinity);

/** emmeans' p.value column: rounded to 4 decimals, '<.0001' below (print.summary_emm). */
function emmeansP(p: number): string {
  const r = Math.round(p * 1e4) / 1e4;
  return r === 0 ? '<.0001' : r.toFixed(4);
}

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
    const header = [...r.specs, r.meanName, 'SE', 'df', z ? 'asymp.LCL' : 'lower.CL', z ? 'asymp.UCL' : 'upper.CL'];
    const cells = rows.map((m, i) => [...r.specs.map((s) => m.levels[s]), ...cols.map((c) => c[i])]);
    blocks.push(head + printMatrix(rows.map(() => ''), header, cells).join('\n'));
  }
  const forPairs = (n: string) => n.startsWith('P value') || n.startsWith('Tests are performed') || n.startsWith('Note: contrasts are still');
  const lines = [blocks.join('\n\n'), '', ...r.notes.filter((n) => !forPairs(n)), ''];
  if (r.pairs.length) {
    lines.push('$contrasts');
    const ps = r.pairs;
    const withNull = ps.some((c) => c.null !== undefined);
    const cols = [
      formatColumn(ps.map((c) => c.estimate), 4).map((x) => x.trim()),
      formatColumn(ps.map((c) => c.SE), 3).map((x) => x.trim()),
      ps.map((c) => (Number.isFinite(c.df) ? formatColumn([c.df], 4)[0].trim() : 'Inf')),
      ...(withNull ? [ps.map((c) => String(c.null ?? ''))] : []),
      formatColumn(ps.map((c) => c.ratio), 4).map((x) => x.trim()),
      ps.map((c) => emmeansP(c.p)),
    ];
    const header = ['contrast', ...r.by, r.contrastName, 'SE', 'df', ...(withNull ? ['null'] : []), z ? 'z.ratio' : 't.ratio', 'p.value'];
    const cells = ps.map((c, i) => [c.contrast, ...r.by.map((b) => c.by[b]), ...cols.map((col) => col[i])]);
    lines.push(...printMatrix(ps.map(() => ''), header, cells), '', ...r.notes.filter((n) => forPairs(n) || n.startsWith('Results are averaged')));
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
      results.push(await pf.means({ specs: args.specs, by: args.by, at: args.at, adjust: args.adjust, level: args.level, type: args.meansType }, df));
    } else {
      if (m.decl.means.length === 0) {
        if (args.model === undefined) return null;
        return s.fail(`model ${m.name} has no 'means:' line; give the factor with --specs`, 'no-means', m.decl.nameRange);
      }
      for (const d of m.decl.means) {
        try {
          results.push(await pf.meansOf(d, { adjust: args.adjust, level: args.level, type: args.meansType }, df));
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
    const pf = postFitOf(s, m, fitted);
    const rows = await pf.anova(type, args.df ?? 'model');
    const method = (await pf.dfMethod(args.df ?? 'model')).name;
    if (method === 'containment') {
      // nlme's anova.lme: its column names
      const json = { type, df_method: method, terms: rows.map((r) => r.term), numDF: rows.map((r) => r.NumDF), denDF: rows.map((r) => r.DenDF), 'F-value': rows.map((r) => r.F), 'p-value': rows.map((r) => r.p) };
      return { text: formatNlmeFTests(rows, type) + '\n', json };
    }
    const json = {
      type,
      df_method: method,
      terms: rows.map((r) => r.term),
      'Sum Sq': rows.map((r) => r.sumSq),
      'Mean Sq': rows.map((r) => r.meanSq),
      NumDF: rows.map((r) => r.NumDF),
      DenDF: rows.map((r) => (r.DenDF === Infinity ? 'Inf' : r.DenDF)),
      'F value': rows.map((r) => r.F),
      'Pr(>F)': rows.map((r) => r.p),
    };
    return { text: formatTermFTests(rows, type, fTestMethodText(method)) + '\n', json };
  }, { fromBlocks: true });
}

export function runEstimate(args: CliArgs, io: CliStreams): Promise<number> {
  const df: DfRequest = args.df ?? 'model';
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
  }, { fromBlocks: true });
}

// ---------- baselines ----------

function coefColumns(names: string[], est: (number | null)[], se: (number | null)[]): string[] {
  const e = formatColumn(est, 5, 'NA');
  const s = formatColumn(se, 4, 'NA');
  return names.map((_, i) => (est[i] === null ? 'NA' : `${e[i].trim()} (${s[i].trim()})`));
}

export function formatBaselines(b: Baselines, result: FitResult): string {
  const names = result.coefnames;
  const mixed = coefColumns(names, names.map((c) => result.fixef[c]), names.map((c) => result.se[c]));
  const pooled = coefColumns(names, names.map((c) => b.pooled.coef[b.pooled.coefnames.indexOf(c)] ?? null), names.map((c) => b.pooled.se[b.pooled.coefnames.indexOf(c)] ?? null));
  const header = ['mixed model', b.kind === 'lm' ? 'pooled lm' : 'pooled glm'];
  const cols = [mixed, pooled];
  if (b.groups) {
    const g = b.groups;
    const mean = formatColumn(g.summary.map((s) => s.mean), 5, 'NA');
    const sd = formatColumn(g.summary.map((s) => s.sd), 4, 'NA');
    cols.push(g.summary.map((s, i) => (s.mean === null ? 'NA' : `${mean[i].trim()} [SD ${sd[i].trim()}]`)));
    header.push(`lmList by ${g.group}: mean [SD]`);
    const range = g.summary.map((s) => (s.min === null ? 'NA' : `${formatColumn([s.min], 4)[0].trim()} .. ${formatColumn([s.max], 4)[0].trim()}`));
    cols.push(range, g.summary.map((s) => String(s.groups)));
    header.push('range', 'groups');
  }
  const lines = ['Coefficients (SE): the mixed model beside the pooled regression and the per-group regressions', ...printMatrix(names, header, names.map((_, i) => cols.map((c) => c[i])))];
  if (b.groups && b.groups.summary.some((s) => s.groups < b.groups!.levels.length)) {
    lines.push(`(NA in a group: the coefficient cannot be estimated within one ${b.groups.group}, e.g. a ${b.groups.group}-level predictor)`);
  }
  if (b.pooled.sigma !== null) lines.push(`Pooled residual standard error: ${formatColumn([b.pooled.sigma], 5)[0].trim()} on ${b.pooled.dfResidual} degrees of freedom`);
  const l = b.lrt;
  if (!l) {
    lines.push('', b.lrtNote ?? 'No likelihood-ratio test.');
    return lines.join('\n') + '\n';
  }
  lines.push(
    '',
    'Likelihood-ratio test of the random effects (mixed model against the pooled regression):',
    `  logLik mixed ${formatColumn([l.logLikMixed], 7)[0].trim()}, pooled ${formatColumn([l.logLikPooled], 7)[0].trim()}; Chisq = ${formatColumn([l.statistic], 5)[0].trim()}, Df = ${l.df}`,
    `  p (χ²(${l.df})) = ${formatPValues([l.pNaive], 4)[0]}; boundary-corrected p (50:50 mixture) = ${formatPValues([l.pMixture], 4)[0]}`,
    `  ${l.note}`,
  );
  return lines.join('\n') + '\n';
}

export function runBaselines(args: CliArgs, io: CliStreams): Promise<number> {
  return eachModel(args, io, async (s, m, fitted) => {
    const label = `baselines for ${m.name}`;
    s.progress.start(label);
    let b: Baselines;
    try {
      b = await baselines(fitted.frame, fitted.result, s.progress.hooks(label));
    } catch (e) {
      relocate(e, m.decl.family?.range ?? m.decl.nameRange);
    }
    s.progress.clear();
    const json = {
      pooled: { kind: b.kind, coefnames: b.pooled.coefnames, coef: b.pooled.coef, se: b.pooled.se, p: b.pooled.p, sigma: b.pooled.sigma, logLik: b.pooled.logLik, df_residual: b.pooled.dfResidual },
      lmList: b.groups ? { group: b.groups.group, levels: b.groups.levels, coef: b.groups.fits.map((f) => f.coef), se: b.groups.fits.map((f) => f.se), summary: b.groups.summary } : null,
      lrt: b.lrt,
      ...(b.lrtNote ? { lrt_note: b.lrtNote } : {}),
    };
    return { text: formatBaselines(b, fitted.result), json };
  });
}

// ---------- the model table ----------

export function formatModelTable(t: ModelTable): string {
  const star = (p: number | null) => (p === null ? '' : p < 0.001 ? '***' : p < 0.01 ? '**' : p < 0.05 ? '*' : '');
  const rowsOut: string[][] = [];
  const rowNames: string[] = [];
  t.terms.forEach((term, i) => {
    rowNames.push(term);
    rowsOut.push(t.cells[i].map((c) => (c ? `${formatColumn([c.estimate], 4)[0].trim()}${star(c.p)} (${formatColumn([c.se], 3)[0].trim()})` : '')));
  });
  const num = (xs: (number | null)[], d: number) => xs.map((x) => (x === null ? '' : formatColumn([Math.abs(x) < 1e-12 ? 0 : x], d)[0].trim()));
  t.sdLabels.forEach((l, i) => {
    rowNames.push(`SD ${l}`);
    rowsOut.push(num(t.sds[i], 4));
  });
  const groupNames = [...new Set(t.stats.groups.flatMap((g) => Object.keys(g)))];
  const stats: [string, string[]][] = [
    ['N', t.stats.nobs.map(String)],
    ...groupNames.map((g): [string, string[]] => [`groups: ${g}`, t.stats.groups.map((x) => (g in x ? String(x[g]) : ''))]),
    ['logLik', num(t.stats.logLik, 7)],
    ['AIC', num(t.stats.AIC, 7)],
    ['BIC', num(t.stats.BIC, 7)],
    ['R² marginal', num(t.stats.r2Marginal, 3)],
    ['R² conditional', num(t.stats.r2Conditional, 3)],
    ['ICC', num(t.stats.icc, 3)],
    ['RMSE', num(t.stats.RMSE, 4)],
  ];
  if (t.stats.aicWeight) stats.push(['AIC weight', num(t.stats.aicWeight, 3)]);
  for (const [n, v] of stats) {
    rowNames.push(n);
    rowsOut.push(v);
  }
  const lines = printMatrix(rowNames, t.models, rowsOut);
  lines.push('', `Estimates with (SE); * p < 0.05, ** p < 0.01, *** p < 0.001 (${t.tests}).`);
  if (!t.stats.aicWeight && t.models.length > 1) lines.push('AIC weights are left out: the models are not comparable by likelihood.');
  for (const n of t.notes) lines.push(`Note: ${n}`);
  return lines.join('\n') + '\n';
}

export async function runTable(args: CliArgs, io: CliStreams): Promise<number> {
  const s = new SessionCtor(args, io);
  await s.load({ blocksFirst: true });
  const names = args.models ?? s.prep.models.map((m) => m.name);
  const entries: ModelTableEntry[] = [];
  for (const name of names) {
    const m = s.select(name);
    if (!m) continue;
    const fitted = await s.fit(m[0]);
    if (fitted) entries.push({ name, result: fitted.result });
  }
  if (entries.length === 0) return 1;
  const t = modelTable(entries);
  const ratioTables = args.ratios ? entries.map((e) => ({ name: e.name, table: ratios(e.result) })).filter((x) => x.table) : [];
  if (args.json) io.stdout(JSON.stringify({ ...t, ...(args.ratios ? { ratios: Object.fromEntries(ratioTables.map((x) => [x.name, x.table])) } : {}) }) + '\n');
  else io.stdout(formatModelTable(t) + ratioTables.map((x) => `\nModel ${x.name}:\n${formatRatios(x.table!)}`).join(''));
  return s.errors > 0 ? 1 : 0;
}

// ---------- odds and rate ratios ----------

export function formatRatios(t: RatioTable): string {
  const pct = (x: number) => `${+(x * 100).toFixed(1)} %`;
  const cols = [formatColumn(t.rows.map((r) => r.ratio), 5), formatColumn(t.rows.map((r) => r.lower), 5), formatColumn(t.rows.map((r) => r.upper), 5)];
  const header = [t.kind[0].toUpperCase() + t.kind.slice(1), pct((1 - t.level) / 2), pct(1 - (1 - t.level) / 2)];
  return [...printMatrix(t.rows.map((r) => r.name), header, t.rows.map((_, i) => cols.map((c) => c[i].trim()))), t.note].join('\n') + '\n';
}
