/** The keys of a `.mlm` file, with one-line descriptions (hover and completion use them). */

export const FILE_KEYS: Record<string, string> = {
  data: 'The CSV file with the data, relative to this .mlm file.',
  levels: 'Level order of a factor: `levels: sector = Public, Catholic` (the first level is the reference level).',
  factors: 'Numeric columns to treat as categorical: `factors: period, herd`.',
  derive: 'A computed column: `derive: cses = ses - mean(ses) by school`.',
  compare: 'Likelihood-ratio comparison of models: `compare: empty, bryk`.',
};

export const MODEL_KEYS: Record<string, string> = {
  formula: 'The model formula in lme4 syntax: `y ~ x + (x | g)`.',
  method: '`REML` (default for gaussian models) or `ML`.',
  family: '`gaussian` (default), `binomial`, `binomial(probit)`, `binomial(cloglog)`, `poisson`.',
  link: 'Link function: `identity`, `logit`, `probit`, `cloglog` or `log` (alternative to `family: binomial(probit)`).',
  nAGQ: 'Adaptive Gauss-Hermite quadrature points for GLMMs: 1 = Laplace (default); more needs a single scalar random effect.',
  correlation: "Within-group correlation of the residuals, as nlme's lme: `corAR1(form = ~ time | g)`, `corCAR1`, `corCompSymm`, `corSymm`, `corARMA(p = 1, q = 0)`. The model is then fitted by nlme's likelihood.",
  variance: "Residual variance function, as nlme's `weights =`: `varIdent(form = ~ 1 | g)`, `varPower(form = ~ v)`, `varExp`, `varConstPower`, `varFixed(~ v)`. The model is then fitted by nlme's likelihood.",
  df: 'Denominator df of the t tests: `satterthwaite` (default), `kenward-roger`, `between-within` (nlme; default with `correlation:`/`variance:`), `residual`, `asymptotic`.',
  weights: 'Prior weights: a column or an expression (with a proportion response: the number of trials).',
};

export const FAMILY_LINKS: Record<string, string[]> = {
  gaussian: ['identity', 'log'],
  binomial: ['logit', 'probit', 'cloglog'],
  poisson: ['log'],
};

export const DEFAULT_LINK: Record<string, string> = { gaussian: 'identity', binomial: 'logit', poisson: 'log' };

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

