/** The keys of a `.mlm` file, with one-line descriptions (hover and completion use them). */
import { FAMILY_LINK_NAMES } from '../glmm/family';
import type { DataEngine } from '../data/route';

export const FILE_KEYS: Record<string, string> = {
  data: 'The data, relative to this .mlm file: a CSV file, a Parquet file (`big.parquet`) or a glob of them (`events/*.parquet`), read through the embedded DuckDB on the desktop for Parquet, globs and large CSV files; or a ClickHouse table: `clickhouse://host:8123/database.table` (credentials from MLM_CLICKHOUSE_USER and MLM_CLICKHOUSE_PASSWORD or "MLM: Set ClickHouse Password", never in the file).',
  engine: 'How `data:` is read: `memory` (the built-in CSV reader, the whole file in memory) or `duckdb` (the embedded DuckDB, only the models\' columns). Default: DuckDB for Parquet, globs and CSV files above the size threshold.',
  blocks: 'Cross-product blocks computed elsewhere: the saved result of the query `mlm sql` prints, run in a warehouse (a Parquet or CSV file, relative to this .mlm). Linear mixed models are fitted from it without the rows; `data:` is then not needed.',
  levels: 'Level order of a factor: `levels: sector = Public, Catholic` (the first level is the reference level).',
  factors: 'Numeric columns to treat as categorical: `factors: period, herd`.',
  derive: 'A computed column: `derive: cses = ses - mean(ses) by school`.',
  compare: 'Likelihood-ratio comparison of models: `compare: empty, bryk`.',
};

/** The values of the `engine:` key (completion and hover read them here). */
export const DATA_ENGINES: Record<DataEngine, string> = {
  memory: 'The built-in CSV reader: the whole file in memory (CSV only).',
  duckdb: "The embedded DuckDB (desktop): reads CSV or Parquet and loads only the models' columns; GLMM rows are collapsed to unique covariate patterns.",
};

export function isDataEngine(s: string): s is DataEngine {
  return Object.prototype.hasOwnProperty.call(DATA_ENGINES, s);
}

export const MODEL_KEYS: Record<string, string> = {
  formula: 'The model formula in lme4 syntax: `y ~ x + (x | g)`.',
  method: '`REML` (default for gaussian models) or `ML`.',
  family:
    '`gaussian` (default), `binomial` (links logit, probit, cloglog, cauchit, log), `poisson` (log, sqrt, identity), `Gamma(log)` (inverse, log, identity), `inverse.gaussian` (1/mu^2, inverse, log, identity), `negbinomial` (NB2, θ estimated; log link); e.g. `binomial(probit)`.',
  link: 'Link function: `identity`, `logit`, `probit`, `cloglog`, `cauchit`, `log`, `sqrt`, `inverse` or `1/mu^2` (alternative to `family: Gamma(log)`).',
  nAGQ: 'Adaptive Gauss-Hermite quadrature points for GLMMs: 1 = Laplace (default); more needs a single scalar random effect.',
  correlation: "Within-group correlation of the residuals, as nlme's lme: `corAR1(form = ~ time | g)`, `corCAR1`, `corCompSymm`, `corSymm`, `corARMA(p = 1, q = 0)`. The model is then fitted by nlme's likelihood.",
  variance: "Residual variance function, as nlme's `weights =`: `varIdent(form = ~ 1 | g)`, `varPower(form = ~ v)`, `varExp`, `varConstPower`, `varFixed(~ v)`. The model is then fitted by nlme's likelihood.",
  df: 'Denominator df of the t tests: `satterthwaite` (default), `kenward-roger`, `between-within` (nlme; default with `correlation:`/`variance:`), `residual`, `asymptotic`.',
  weights: 'Prior weights: a column or an expression (with a proportion response: the number of trials).',
  contrasts: 'Codings of factors among the fixed effects: `contrasts: sector = sum, grade = poly` (treatment, the default; sum; helmert; poly), as lmer(contrasts = list(...)).',
  means: 'Estimated marginal means and pairwise contrasts (Tukey), as emmeans: `means: sector`, `means: sector by female at cses = 0`.',
  estimate: 'A linear combination of coefficients with SE, df, t, p and CI: `estimate: between = IQ.ver.cen + avg.IQ.ver.cen`.',
};

/** The links each family accepts (R's), the default first. */
export const FAMILY_LINKS: Record<string, string[]> = {
  gaussian: ['identity', 'log'],
  ...FAMILY_LINK_NAMES,
};

/**
 * A `family:` value as written — `binomial`, `binomial(probit)`, `binomial(link = "probit")`, `Gamma(log)` —
 * split into the family's name and the link in parentheses (null without one); null when the text is
 * not of that shape. The parser and the hovers read family values through it.
 */
export function splitFamilyValue(text: string): { family: string; link: string | null } | null {
  const m = /^([A-Za-z][A-Za-z_.]*)\s*(?:\(\s*(?:link\s*=\s*)?["']?([A-Za-z0-9/^]*)["']?\s*\))?$/.exec(text.trim());
  return m ? { family: m[1], link: m[2] || null } : null;
}

export const DEFAULT_LINK: Record<string, string> = Object.fromEntries(Object.entries(FAMILY_LINKS).map(([f, l]) => [f, l[0]]));

/** Names other software gives these families, for did-you-mean. */
export const FAMILY_ALIASES: Record<string, string> = {
  gamma: 'Gamma',
  nbinom2: 'negbinomial',
  'negative.binomial': 'negbinomial',
  'glmer.nb': 'negbinomial',
  inverse_gaussian: 'inverse.gaussian',
  'inverse.Gaussian': 'inverse.gaussian',
};

export type DfMethod = 'satterthwaite' | 'kenward-roger' | 'between-within' | 'residual' | 'asymptotic';

/** The `df:` values with one-line descriptions (completion and hover). */
export const DF_METHODS: Record<DfMethod, string> = {
  satterthwaite: "Satterthwaite's approximation, as lmerTest (default without residual structures).",
  'kenward-roger': 'Kenward-Roger: adjusted standard errors and df, as lmerTest with pbkrtest (REML gaussian models).',
  'between-within': "nlme's between/within (containment) DF for nested grouping factors (default with correlation: or variance:).",
  residual: 'Residual DF n − p for every coefficient, as an ordinary linear model.',
  asymptotic: 'No df: Wald z tests against the standard normal.',
};

export function isDfMethod(s: string): s is DfMethod {
  return Object.prototype.hasOwnProperty.call(DF_METHODS, s);
}

/** One line per family for completion and hovers (a family needs a line here to be offered). */
export const FAMILY_DOCS: Record<string, string> = {
  gaussian: 'normal response: a linear mixed model (lmer)',
  binomial: 'binary, proportion (with weights: trials) or cbind(successes, failures) response (glmer)',
  poisson: 'counts (glmer)',
  Gamma: 'positive continuous response, variance σ²μ² (constant coefficient of variation σ); links inverse (default), log, identity; σ estimated by the exact Laplace approximation, as glmmTMB',
  'inverse.gaussian': 'positive continuous response, variance σ²μ³; links 1/mu^2 (default), inverse, log, identity; σ estimated by the exact Laplace approximation',
  negbinomial: "overdispersed counts (NB2, glmmTMB's nbinom2), variance μ + μ²/θ; log link; θ estimated by the exact Laplace approximation",
};

/** What each link function means, for completion and hovers (a link needs a line here to be offered). */
export const LINK_DOCS: Record<string, string> = {
  identity: 'μ = η',
  logit: 'log(μ / (1 − μ)) = η (binomial default)',
  probit: 'Φ⁻¹(μ) = η',
  cloglog: 'log(−log(1 − μ)) = η',
  cauchit: 'tan(π(μ − ½)) = η',
  log: 'log(μ) = η (poisson default)',
  sqrt: '√μ = η',
  inverse: '1/μ = η (Gamma default)',
  '1/mu^2': '1/μ² = η (inverse.gaussian default)',
};

/** The values of `method:`. */
export const METHOD_DOCS: Record<string, string> = {
  REML: 'restricted maximum likelihood (lmer default)',
  ML: 'maximum likelihood (needed to compare fixed effects)',
};

/**
 * The grammar of a model name (`model NAME:`, `compare:`, `--model NAME`, the results panel's "Fit again"):
 * a letter or '_', then letters, digits, '_', '.' or '-'. The parser, the code lenses and the webview message
 * validator all use it.
 */
export const MODEL_NAME_PATTERN = '[A-Za-z_][A-Za-z0-9_.-]*';
export const MODEL_NAME_RULE = "letters, digits, '_', '.', '-'; starting with a letter or '_'";
const MODEL_NAME = new RegExp(`^${MODEL_NAME_PATTERN}$`);
/** Longest model name accepted (a bound for untrusted messages). */
export const MODEL_NAME_MAX_LENGTH = 200;

export function isModelName(s: unknown): s is string {
  return typeof s === 'string' && s.length <= MODEL_NAME_MAX_LENGTH && MODEL_NAME.test(s);
}

/** nlme's constructors of `correlation:` and `variance:` (parser, completion and hover). */
export type CorType = 'corAR1' | 'corCAR1' | 'corCompSymm' | 'corSymm' | 'corARMA';
export type VarType = 'varIdent' | 'varPower' | 'varExp' | 'varConstPower' | 'varFixed';

/** One-line descriptions (completion and hover). */
export const COR_CONSTRUCTORS: Record<CorType, string> = {
  corAR1: 'AR(1) within groups: correlation Phi^|i − j| for observations at integer times (or positions) i and j. `corAR1(form = ~ time | g)`.',
  corCAR1: 'Continuous-time AR(1): correlation Phi^|t_i − t_j| for a continuous time covariate. `corCAR1(form = ~ time | g)`.',
  corCompSymm: 'Compound symmetry: the same correlation Rho between any two observations of a group. `corCompSymm(form = ~ 1 | g)`.',
  corSymm: 'General (unstructured) correlation between the times 1..m of a group. `corSymm(form = ~ time | g)`.',
  corARMA: 'ARMA(p, q) within groups at integer times. `corARMA(p = 1, q = 1, form = ~ time | g)`.',
};
export const VAR_CONSTRUCTORS: Record<VarType, string> = {
  varIdent: 'A different residual standard deviation per stratum (ratios to the first stratum). `varIdent(form = ~ 1 | g)`.',
  varPower: 'Residual SD proportional to |v|^power of a covariate v. `varPower(form = ~ v)` or `~ v | stratum`.',
  varExp: 'Residual SD proportional to exp(expon · v). `varExp(form = ~ v)`.',
  varConstPower: 'Residual SD proportional to const + |v|^power. `varConstPower(form = ~ v)`.',
  varFixed: 'Residual variance proportional to a known covariate v (no parameter). `varFixed(~ v)`.',
};

