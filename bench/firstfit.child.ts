/**
 * One fit in a fresh process (bench/rside.bench.ts spawns it): the reference case's .mlm and data are
 * read untimed, then the model frame and the fit alone (no tests or R²) are timed: the work lme4's
 * lmer()/glmer() does on a data frame already read. Prints {"seconds": …, "cpuSeconds": …} on stdout
 * (cpuSeconds: the process's CPU time over the same span, every thread counted).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCsv } from '../engine/src/data/csv';
import { buildModelFrame } from '../engine/src/frame/modelframe';
import { parseMlm } from '../engine/src/mlmfile/parse';
import { fitLmm } from '../engine/src/lmm/index';
import { fitGlmm } from '../engine/src/glmm/index';
import { loadReference, mlmTextFor, REF_DIR } from '../test/conformance/harness';

async function main(): Promise<void> {
  const ref = loadReference(process.argv[2]);
  const doc = parseMlm(mlmTextFor(ref));
  const table = readCsv(readFileSync(join(REF_DIR, 'data', ref.data), 'utf8'), ref.data);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const frame = buildModelFrame(doc, doc.models[0], table);
  const fit = ref.family === 'gaussian' ? await fitLmm(frame, { REML: ref.REML }, { yieldEveryMs: 0 }) : await fitGlmm(frame, { nAGQ: ref.nAGQ }, { yieldEveryMs: 0 });
  const seconds = (performance.now() - t0) / 1000;
  // CPU time of every thread of the process (V8's compiler and collector threads included)
  const c = process.cpuUsage(c0);
  const cpuSeconds = (c.user + c.system) / 1e6;
  if (!Number.isFinite(fit.logLik)) throw new Error('fit failed');
  console.log(JSON.stringify({ seconds, cpuSeconds }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
