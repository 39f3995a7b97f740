/** Entry of the `mlm` command (bundled to dist/cli/mlm.js; bin/mlm.js requires it). */
import { runCli } from './run';
import { MLM_VERSION } from './version';

// `mlm fit ... | head`: a closed pipe ends the output quietly
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

// Ctrl+C: exit through 'exit' handlers, so the embedded DuckDB's spill folders are removed (engine/src/node/duckdb.ts)
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  stderrIsTTY: Boolean(process.stderr.isTTY),
  version: MLM_VERSION,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`mlm: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 70;
  },
);
