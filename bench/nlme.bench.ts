/**
 * nlme reference fits (test/fixtures/reference/nlme): model frame + structure data + fit (with
 * between/within DF), the work nlme's recorded `lme()` time covers; the CSV is read untimed. The
 * comparison column holds nlme's median time (`nlme_seconds_median`), not lme4's.
 */
import { readdirSync } from 'node:fs';
import type { BenchCase } from './run';
import { fitModel } from '../engine/src/fit';
import { buildModelFrame } from '../engine/src/frame/modelframe';
import { buildStructureData } from '../engine/src/nlme/data';
import { loadNlme, NLME_DIR, prepareNlme } from '../test/conformance/nlme-harness';

const ids = readdirSync(NLME_DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();

export const cases: BenchCase[] = ids.map((id) => {
  const ref = loadNlme(id);
  let prepared: ReturnType<typeof prepareNlme> | null = null;
  return {
    name: `nlme ${id} (vs nlme's time)`,
    lme4Seconds: ref.nlme_seconds_median,
    repeats: 7,
    setup() {
      prepared = prepareNlme(ref);
    },
    async run() {
      const { prep, decl, spec } = prepared!;
      const frame = buildModelFrame(prep.doc, decl, prep.table!, { prepared: true });
      const structures = buildStructureData(decl, prep.table!, frame);
      const fit = await fitModel(frame, { ...spec, structures }, { yieldEveryMs: 0 });
      if (!Number.isFinite(fit.logLik)) throw new Error('fit failed');
    },
  };
});
