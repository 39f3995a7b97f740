/**
 * The engine half of the fuzz test (run in a child process by engine.test.ts, so a hang can be detected and
 * named): seeded mutations of the example .mlm files and of their CSVs through parse -> frame -> fit.
 * Prints one JSON line per case before running it ({ case }) and one per finding ({ finding }), then
 * { done: counts }. Not a test file itself.
 *
 *   node --import tsx test/fuzz/engineDriver.ts SEED BUDGET_MS
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CancelledError, MlmError, type MlmDiagnostic } from '../../engine/src/diagnostics';
import { fitModel, nonFiniteFigure } from '../../engine/src/fit';
import { prepareModels } from '../../engine/src/frame/prepare';
import { makeRng, mutateCsv, mutateMlm } from './mutate';

const root = join(import.meta.dirname, '..', '..');
const seed = Number(process.argv[2] ?? 1);
const budgetMs = Number(process.argv[3] ?? 40000);
/** Data sets small enough to fit many times; the others are parsed and framed only. */
const FIT_MAX_ROWS = 400;
const FIT_MAX_MS = 4000;
/** Every how many cases one model is fitted (fits cost far more than parsing and framing). */
const FIT_EVERY = 3;

const examples = readdirSync(join(root, 'examples'))
  .filter((f) => f.endsWith('.mlm'))
  .sort()
  .map((f) => {
    const text = readFileSync(join(root, 'examples', f), 'utf8');
    const data = /^data:\s*(\S+)/m.exec(text)?.[1] ?? '';
    // small data: the first rows of the larger files (parsing and framing stay a few milliseconds a case)
    const csv = readFileSync(join(root, 'examples', data), 'utf8').split('\n').slice(0, 1 + FIT_MAX_ROWS).join('\n');
    return { name: f, text, data, csv };
  });

const counts = { mlm: 0, csv: 0, frames: 0, fits: 0, fitErrors: 0, slowFits: 0, findings: 0 };
const out = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');

function finding(kind: string, detail: string, input: { mlm: string; csvName: string }): void {
  counts.findings++;
  out({ finding: { kind, detail: detail.slice(0, 600), mlm: input.mlm.slice(0, 2000), csv: input.csvName } });
}

function located(d: MlmDiagnostic): boolean {
  return d.range !== undefined || d.csv !== undefined;
}

async function runCase(mlm: string, files: Record<string, string>, csvName: string, fit: boolean): Promise<void> {
  const input = { mlm, csvName };
  let prep;
  try {
    prep = prepareModels(mlm, (rel) => files[rel]);
  } catch (e) {
    finding('internal', e instanceof Error ? (e.stack ?? e.message) : String(e), input);
    return;
  }
  for (const d of prep.diagnostics) if (d.severity === 'error' && !located(d)) finding('unlocated', `${d.code}: ${d.message}`, input);
  const framed = prep.models.filter((m) => m.frame);
  counts.frames += framed.length;
  // one fit per fitted case (the model picked by the case number), on small data only
  for (const m of fit ? framed.slice(counts.fits % Math.max(1, framed.length)).slice(0, 1) : []) {
    if (!m.frame || m.frame.n > FIT_MAX_ROWS) continue;
    counts.fits++;
    const started = Date.now();
    try {
      const r = await fitModel(m.frame, m.spec, { yieldEveryMs: 0, isCancelled: () => Date.now() - started > FIT_MAX_MS });
      const bad = nonFiniteFigure(r);
      if (bad) finding('non-finite', `${m.name}: ${bad}`, input);
    } catch (e) {
      if (e instanceof CancelledError) counts.slowFits++;
      else if (e instanceof MlmError) {
        counts.fitErrors++;
        if (!located(e.diagnostic)) finding('unlocated', `${e.diagnostic.code}: ${e.message}`, input);
      } else finding('internal', e instanceof Error ? (e.stack ?? e.message) : String(e), input);
    }
  }
}

async function main(): Promise<void> {
  const rng = makeRng(seed);
  const deadline = Date.now() + budgetMs;
  let k = 0;
  while (Date.now() < deadline) {
    const ex = examples[rng.int(examples.length)];
    // two of three cases mutate the .mlm, one the CSV (and sometimes both)
    const kind = rng.int(3);
    const mlm = kind < 2 || rng.int(4) === 0 ? mutateMlm(ex.text, rng) : ex.text;
    const csv = kind === 2 ? mutateCsv(ex.csv, rng) : ex.csv;
    if (mlm !== ex.text) counts.mlm++;
    if (csv !== ex.csv) counts.csv++;
    out({ case: k++, example: ex.name });
    await runCase(mlm, { [ex.data]: csv }, ex.data, k % FIT_EVERY === 0);
  }
  out({ done: counts });
}

main().catch((e) => {
  out({ finding: { kind: 'driver', detail: e instanceof Error ? (e.stack ?? e.message) : String(e) } });
  out({ done: counts });
});
