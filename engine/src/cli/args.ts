/** Command-line arguments of `mlm`. */

export type Command = 'fit' | 'compare' | 'confint' | 'ranef' | 'coef' | 'predict' | 'check' | 'residuals' | 'means' | 'anova' | 'estimate' | 'baselines' | 'table' | 'sql' | 'help' | 'version';

export type ConfintMethodArg = 'profile' | 'Wald' | 'boot';

export interface CliArgs {
  command: Command;
  file?: string;
  model?: string;
  json: boolean;
  /** confint */
  method?: ConfintMethodArg;
  level?: number;
  nsim?: number;
  seed?: number;
  /** predict */
  newdata?: string;
  /** predict: include the random effects (default true). */
  re?: boolean;
  scale?: 'link' | 'response';
  /** fit: summary layout (default: nlme's for models with correlation:/variance:, lme4's otherwise). */
  style?: 'lme4' | 'nlme';
  /** predict: confidence or prediction intervals with se.fit. */
  interval?: 'confidence' | 'prediction';
  /** means: factors, by factors, grid values. */
  specs?: string[];
  by?: string[];
  at?: Record<string, string>;
  adjust?: 'tukey' | 'bonferroni' | 'holm' | 'none';
  /** means, anova, estimate: the df method. */
  df?: 'satterthwaite' | 'kenward-roger' | 'asymptotic';
  /** anova: type III (default) or I. */
  type?: 1 | 3;
  /** means: emmeans' type, link (default) or response (back-transformed means, odds/rate ratios). */
  meansType?: 'link' | 'response';
  /** estimate: the linear combination. */
  expression?: string;
  /** table: the models to show. */
  models?: string[];
  /** fit, table: odds ratios / rate ratios (exponentiated coefficients) for GLMMs with a log or logit link. */
  ratios?: boolean;
  /** sql: the dialect of the printed query, and the relation it reads. */
  dialect?: 'duckdb' | 'clickhouse' | 'spark' | 'trino' | 'bigquery';
  table?: string;
  /** every command: the reader of data: (overrides the document's engine: line). */
  engine?: 'memory' | 'duckdb';
  /** every command: CSV size (MB) from which DuckDB reads it. */
  sqlThresholdMB?: number;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const COMMANDS = ['fit', 'compare', 'confint', 'ranef', 'coef', 'predict', 'check', 'residuals', 'means', 'anova', 'estimate', 'baselines', 'table', 'sql'] as const;

export const USAGE = `Usage: mlm <command> FILE.mlm [options]

Fits lme4-style linear and generalized linear mixed models described in a .mlm file.

Commands:
  fit FILE.mlm        fit every model and print lme4-style summaries, then the ICC,
                      Nakagawa R² and plain-language interpretations
  compare FILE.mlm    likelihood-ratio tests (anova) for the file's 'compare:' lines
  confint FILE.mlm    confidence intervals as lme4's confint() (.sig01.., .sigma, coefficients)
  ranef FILE.mlm      conditional modes with conditional SDs, 95% and comparative (±1.39 SD) intervals
  coef FILE.mlm       fixed plus random effects per group level, as lme4's coef()
  predict FILE.mlm    predictions for new rows (--model NAME --newdata NEW.csv)
  check FILE.mlm      singular fits explained (with lme4's rePCA) and a convergence verdict from
                      refits by several optimizers (as lme4's allFit)
  residuals FILE.mlm  simulated scaled residuals with DHARMa's tests (uniformity, dispersion,
                      zero inflation, outliers)
  means FILE.mlm      estimated marginal means and pairwise contrasts, as emmeans
                      (--specs F, or the model's 'means:' lines)
  anova FILE.mlm      F tests of every fixed-effect term, as lmerTest's anova(m)
  estimate FILE.mlm "a + b"   a linear combination of coefficients (or the 'estimate:' lines)
  baselines FILE.mlm  pooled lm/glm, per-group lm (lmList) and the LRT of the random effects
  table FILE.mlm      the file's models side by side (coefficients, SDs, fit statistics)
  sql FILE.mlm        the one SQL aggregation that computes a linear mixed model's cross-product
                      blocks (--dialect duckdb|clickhouse|spark|trino|bigquery, --table RELATION);
                      save its result and name it in 'blocks:' to fit from it

Options:
  --model NAME        use only the model NAME (fit, confint, ranef, coef; required for predict)
  --json              print JSON instead of text (all commands but compare)
  --method M          confint: profile (default), Wald or boot
  --level L           confint: confidence level (default 0.95)
  --nsim N            confint --method boot: bootstrap replicates (default 200);
                      residuals: simulations (default 250)
  --seed S            confint --method boot, residuals: random seed (default 1)
  --newdata FILE.csv  predict: the new rows (a CSV with the model's columns)
  --re, --no-re       predict: with the groups' random effects (default) or population level
  --scale S           predict: response (default) or link
  --style S           fit: summary layout lme4 or nlme (default: nlme's for models with
                      correlation: or variance:, lme4's otherwise)
  --interval I        predict: confidence or prediction; adds se.fit, lwr, upr
  --level L           also for predict, means, estimate (default 0.95)
  --specs F[,G]       means: the factor(s) whose marginal means to show
  --by F              means: compare within the levels of F
  --at NAME=VALUE     means: a covariate's value (default its mean) or a factor's level; repeatable
  --adjust A          means: tukey (default), bonferroni, holm or none
  --df D              means, anova, estimate: satterthwaite, kenward-roger or asymptotic
                      (means default as emmeans: satterthwaite up to 3000 rows, then asymptotic)
  --type T            anova: 3 (default) or 1 (sequential); means: link (default) or response
                      (GLMMs: back-transformed means, odds ratios / ratios, as emmeans' type)
  --models a,b        table: the models to show (default all)
  --ratios            fit, table: odds ratios (logit) / rate ratios (Poisson log) / ratios (other log links), 95% Wald
  --dialect D         sql: duckdb (default), clickhouse, spark, trino or bigquery
  --table RELATION    sql: what the query reads (default: the data file for duckdb, else its name)
  --engine E          how data: is read: memory (the built-in CSV reader) or duckdb (the
                      embedded DuckDB; default for Parquet, globs and large CSV files);
                      overrides the file's 'engine:' line
  --sql-threshold MB  CSV files from this size on are read through DuckDB (default 100)
  -h, --help          show this help
  -v, --version       show the version

Errors are reported as FILE:LINE:COL: message. Exit status: 0 when every requested model
was fitted; 1 when any failed (the others are still printed); 2 for a usage error.
Progress is shown on stderr only when it is a terminal.
`;

function numberArg(opt: string, v: string | undefined, check: (x: number) => boolean, what: string): number {
  if (v === undefined || v === '') throw new UsageError(`option '${opt}' needs ${what}`);
  const x = Number(v);
  if (!Number.isFinite(x) || !check(x)) throw new UsageError(`option '${opt}' needs ${what}, got '${v}'`);
  return x;
}

export function parseArgs(argv: string[]): CliArgs {
  let command: Command | undefined;
  let file: string | undefined;
  const out: Omit<CliArgs, 'command'> = { json: false };
  const used: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    if (a === '-h' || a === '--help' || a === 'help') return { command: 'help', json: false };
    if (a === '-v' || a === '--version' || a === 'version') return { command: 'version', json: false };
    let inline: string | undefined;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    if (eq > 0) {
      inline = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const value = (what: string): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new UsageError(`option '${a}' needs ${what}`);
      return v;
    };
    if (a === '--json') out.json = true;
    else if (a === '--model' || a === '-m') out.model = value('a model name');
    else if (a === '--method') {
      const v = value('a method (profile, Wald or boot)');
      const m = ({ profile: 'profile', wald: 'Wald', boot: 'boot', bootstrap: 'boot' } as Record<string, ConfintMethodArg>)[v.toLowerCase()];
      if (!m) throw new UsageError(`unknown method '${v}' (expected profile, Wald or boot)`);
      out.method = m;
    } else if (a === '--level') out.level = numberArg(a, value('a level'), (x) => x > 0 && x < 1, 'a level between 0 and 1');
    else if (a === '--nsim') out.nsim = numberArg(a, value('a number'), (x) => Number.isInteger(x) && x >= 10 && x <= 100000, 'a whole number from 10 to 100000');
    else if (a === '--seed') out.seed = numberArg(a, value('a number'), (x) => Number.isInteger(x), 'a whole number');
    else if (a === '--newdata') out.newdata = value('a CSV file');
    else if (a === '--interval') {
      const v = value('confidence or prediction');
      if (v !== 'confidence' && v !== 'prediction') throw new UsageError(`unknown interval '${v}' (expected confidence or prediction)`);
      out.interval = v;
    } else if (a === '--specs') out.specs = value('factor names').split(',').map((x) => x.trim()).filter(Boolean);
    else if (a === '--by') out.by = value('factor names').split(',').map((x) => x.trim()).filter(Boolean);
    else if (a === '--dialect') {
      const v = value('a SQL dialect');
      if (!['duckdb', 'clickhouse', 'spark', 'trino', 'bigquery'].includes(v)) throw new UsageError(`option '--dialect' needs duckdb, clickhouse, spark, trino or bigquery, got '${v}'`);
      out.dialect = v as CliArgs['dialect'];
    } else if (a === '--table') out.table = value('a table or relation');
    else if (a === '--models') out.models = value('model names').split(',').map((x) => x.trim()).filter(Boolean);
    else if (a === '--at') {
      const v = value('NAME=VALUE');
      for (const part of v.split(',')) {
        const m = /^\s*([^=\s]+)\s*=\s*(.*?)\s*$/.exec(part);
        if (!m || m[2] === '') throw new UsageError(`'--at' needs NAME=VALUE, got '${part}'`);
        out.at = { ...(out.at ?? {}), [m[1]]: m[2] };
      }
    } else if (a === '--adjust') {
      const v = value('an adjustment (tukey, bonferroni, holm or none)').toLowerCase();
      if (v !== 'tukey' && v !== 'bonferroni' && v !== 'holm' && v !== 'none') throw new UsageError(`unknown adjustment '${v}' (expected tukey, bonferroni, holm or none)`);
      out.adjust = v;
    } else if (a === '--df') {
      const v = value('a df method (satterthwaite, kenward-roger or asymptotic)').toLowerCase();
      const m = ({ satterthwaite: 'satterthwaite', 'kenward-roger': 'kenward-roger', kr: 'kenward-roger', asymptotic: 'asymptotic' } as Record<string, CliArgs['df']>)[v];
      if (!m) throw new UsageError(`unknown df method '${v}' (expected satterthwaite, kenward-roger or asymptotic)`);
      out.df = m;
    } else if (a === '--type') {
      const v = value('3 or 1 (anova), response or link (means)');
      if (v === 'response' || v === 'link') out.meansType = v;
      else if (v === '1' || v === '3' || v === 'I' || v === 'III') out.type = v === '1' || v === 'I' ? 1 : 3;
      else throw new UsageError(`'--type' must be 3 or 1 (anova) or response or link (means), got '${v}'`);
    } else if (a === '--engine') {
      const v = value('an engine (memory or duckdb)');
      if (v !== 'memory' && v !== 'duckdb') throw new UsageError(`unknown engine '${v}' (expected memory or duckdb)`);
      out.engine = v;
    } else if (a === '--sql-threshold') out.sqlThresholdMB = numberArg(a, value('a size in MB'), (x) => x >= 0, 'a size in MB (0 or more)');
    else if (a === '--ratios') out.ratios = true;
    else if (a === '--re') out.re = true;
    else if (a === '--no-re') out.re = false;
    else if (a === '--scale') {
      const v = value('a scale (link or response)');
      if (v !== 'link' && v !== 'response') throw new UsageError(`unknown scale '${v}' (expected link or response)`);
      out.scale = v;
    } else if (a === '--style') {
      const v = value('a style (lme4 or nlme)');
      if (v !== 'lme4' && v !== 'nlme') throw new UsageError(`unknown style '${v}' (expected lme4 or nlme)`);
      out.style = v;
    } else if (a.startsWith('-')) throw new UsageError(`unknown option '${a}'`);
    else if (command === undefined) {
      if (!(COMMANDS as readonly string[]).includes(a)) throw new UsageError(`unknown command '${a}' (expected ${COMMANDS.join(', ')})`);
      command = a as Command;
      continue;
    } else if (file === undefined) {
      file = a;
      continue;
    } else if (command === 'estimate' && out.expression === undefined) {
      out.expression = a;
      continue;
    } else throw new UsageError(`unexpected argument '${a}'`);
    used.push(a);
  }
  if (command === undefined) throw new UsageError('no command given');
  if (file === undefined) throw new UsageError(`'mlm ${command}' needs a .mlm file`);
  const allowed: Record<string, Command[]> = {
    '--json': ['fit', 'confint', 'ranef', 'coef', 'predict', 'check', 'residuals', 'means', 'anova', 'estimate', 'baselines', 'table'],
    '--model': ['fit', 'confint', 'ranef', 'coef', 'predict', 'check', 'residuals', 'means', 'anova', 'estimate', 'baselines', 'sql'],
    '-m': ['fit', 'confint', 'ranef', 'coef', 'predict', 'check', 'residuals', 'means', 'anova', 'estimate', 'baselines'],
    '--method': ['confint'],
    '--level': ['confint', 'predict', 'means', 'estimate'],
    '--interval': ['predict'],
    '--specs': ['means'],
    '--by': ['means'],
    '--at': ['means'],
    '--adjust': ['means'],
    '--df': ['means', 'anova', 'estimate'],
    '--type': ['anova', 'means'],
    '--models': ['table'],
    '--dialect': ['sql'],
    '--table': ['sql'],
    '--ratios': ['fit', 'table'],
    '--nsim': ['confint', 'residuals'],
    '--seed': ['confint', 'residuals'],
    '--newdata': ['predict'],
    '--re': ['predict'],
    '--no-re': ['predict'],
    '--scale': ['predict'],
    '--style': ['fit'],
  };
  for (const opt of used) {
    const cmds = allowed[opt];
    if (cmds && !cmds.includes(command)) throw new UsageError(`'${opt}' applies to ${cmds.map((c) => `'mlm ${c}'`).join(', ')} only`);
  }
  if (command === 'confint' && (out.nsim !== undefined || out.seed !== undefined) && out.method !== 'boot') throw new UsageError("'--nsim' and '--seed' apply to '--method boot' only");
  if (command === 'predict') {
    if (out.model === undefined) throw new UsageError("'mlm predict' needs --model NAME");
    if (out.newdata === undefined) throw new UsageError("'mlm predict' needs --newdata FILE.csv");
  }
  if (command === 'anova' && out.meansType !== undefined) throw new UsageError(`'mlm anova --type' must be 3 or 1, got '${out.meansType}'`);
  if (command === 'means' && out.type !== undefined) throw new UsageError(`'mlm means --type' must be response or link, got '${out.type}'`);
  if (command === 'means' && out.specs === undefined && (out.by !== undefined || out.at !== undefined)) throw new UsageError("'--by' and '--at' need '--specs'");
  if (command === 'estimate' && out.expression !== undefined && out.model === undefined) throw new UsageError('\'mlm estimate FILE "a + b"\' needs --model NAME');
  return { command, file, ...out };
}
