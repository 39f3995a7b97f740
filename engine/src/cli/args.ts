/** Command-line arguments of `mlm`. */

export type Command = 'fit' | 'compare' | 'confint' | 'ranef' | 'coef' | 'predict' | 'check' | 'residuals' | 'help' | 'version';

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
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const COMMANDS = ['fit', 'compare', 'confint', 'ranef', 'coef', 'predict', 'check', 'residuals'] as const;

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
  -h, --help          show this help
  -v, --version       show the version

Errors are reported as FILE:LINE:COL: message, and the exit status is non-zero.
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
    } else throw new UsageError(`unexpected argument '${a}'`);
    used.push(a);
  }
  if (command === undefined) throw new UsageError('no command given');
  if (file === undefined) throw new UsageError(`'mlm ${command}' needs a .mlm file`);
  const allowed: Record<string, Command[]> = {
    '--json': ['fit', 'confint', 'ranef', 'coef', 'predict', 'check', 'residuals'],
    '--model': ['fit', 'confint', 'ranef', 'coef', 'predict', 'check', 'residuals'],
    '-m': ['fit', 'confint', 'ranef', 'coef', 'predict', 'check', 'residuals'],
    '--method': ['confint'],
    '--level': ['confint'],
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
  return { command, file, ...out };
}
