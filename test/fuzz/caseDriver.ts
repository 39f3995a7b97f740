/**
 * Runs one .mlm text (argv[2], JSON-encoded) against the sleepstudy data through parse -> frame -> fit in a
 * child process, so that the calling test can bound its time. Prints one JSON line:
 * { outcome: 'fitted' | 'mlm-error' | 'internal', code?, located?, message?, nonFinite? }. Not a test file itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MlmError } from '../../engine/src/diagnostics';
import { fitModel, nonFiniteFigure } from '../../engine/src/fit';
import { prepareModels } from '../../engine/src/frame/prepare';

const csv = readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'sleepstudy.csv'), 'utf8');
const text = JSON.parse(process.argv[2]) as string;

async function main(): Promise<Record<string, unknown>> {
  let prep;
  try {
    prep = prepareModels(text, () => csv);
  } catch (e) {
    return { outcome: 'internal', message: e instanceof Error ? e.message : String(e) };
  }
  const err = prep.diagnostics.find((d) => d.severity === 'error');
  if (err) return { outcome: 'mlm-error', code: err.code, located: !!(err.range || err.csv), message: err.message };
  const m = prep.models[0];
  if (!m?.frame) return { outcome: 'internal', message: 'no frame and no error' };
  try {
    const r = await fitModel(m.frame, m.spec, { yieldEveryMs: 0 });
    return { outcome: 'fitted', nonFinite: nonFiniteFigure(r) };
  } catch (e) {
    if (e instanceof MlmError) return { outcome: 'mlm-error', code: e.diagnostic.code, located: !!(e.diagnostic.range || e.diagnostic.csv), message: e.message };
    return { outcome: 'internal', message: e instanceof Error ? e.message : String(e) };
  }
}

main().then((o) => process.stdout.write(JSON.stringify(o) + '\n'));
