/** Command-line arguments of `mlm`. */

export type Command = 'fit' | 'compare' | 'help' | 'version';

export interface CliArgs {
  command: Command;
  file?: string;
  model?: string;
  json: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: mlm <command> FILE.mlm [options]

Fits lme4-style linear and generalized linear mixed models described in a .mlm file.

Commands:
  fit FILE.mlm        fit every model in the file and print lme4-style summaries
  compare FILE.mlm    likelihood-ratio tests (anova) for the file's 'compare:' lines

Options:
  --model NAME        fit only the model NAME (fit)
  --json              print one JSON object: model name -> fit result (fit)
  -h, --help          show this help
  -v, --version       show the version

Errors are reported as FILE:LINE:COL: message, and the exit status is non-zero.
`;

export function parseArgs(argv: string[]): CliArgs {
  let command: Command | undefined;
  let file: string | undefined;
  let model: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help' || a === 'help') return { command: 'help', json: false };
    if (a === '-v' || a === '--version' || a === 'version') return { command: 'version', json: false };
    if (a === '--json') json = true;
    else if (a === '--model' || a === '-m') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('-')) throw new UsageError(`option '${a}' needs a model name`);
      model = v;
    } else if (a.startsWith('--model=')) model = a.slice('--model='.length);
    else if (a.startsWith('-')) throw new UsageError(`unknown option '${a}'`);
    else if (command === undefined) {
      if (a !== 'fit' && a !== 'compare') throw new UsageError(`unknown command '${a}' (expected 'fit' or 'compare')`);
      command = a;
    } else if (file === undefined) file = a;
    else throw new UsageError(`unexpected argument '${a}'`);
  }
  if (command === undefined) throw new UsageError('no command given');
  if (file === undefined) throw new UsageError(`'mlm ${command}' needs a .mlm file`);
  if (command === 'compare' && json) throw new UsageError("'--json' applies to 'mlm fit' only");
  if (command === 'compare' && model !== undefined) throw new UsageError("'--model' applies to 'mlm fit' only");
  return { command, file, model, json };
}
