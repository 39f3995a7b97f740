/**
 * The short section `mlm fit` prints after each lme4 summary: the ICC (random-intercept-only
 * models), Nakagawa R² (marginal, conditional) and the interpretation sentences of the headline
 * numbers, all read from FitResult (computed by inference/enrich.ts).
 */
import type { FitResult } from '../result';

function fixed4(x: number): string {
  return x.toFixed(4);
}

/** '' when the result carries none of these figures. */
export function formatFitExtras(result: FitResult): string {
  const lines: string[] = [];
  if (typeof result.icc === 'number') lines.push(`Intraclass correlation (ICC): ${fixed4(result.icc)}`);
  if (result.r2) lines.push(`R² (Nakagawa & Schielzeth): marginal ${fixed4(result.r2.marginal)}, conditional ${fixed4(result.r2.conditional)}`);
  const it = result.interpretation;
  if (it) {
    const sentences: string[] = [];
    for (const c of result.coefnames) if (it.fixef[c]) sentences.push(it.fixef[c]);
    sentences.push(...it.varcorr);
    if (it.icc) sentences.push(it.icc);
    if (it.r2) sentences.push(it.r2);
    if (sentences.length) {
      if (lines.length) lines.push('');
      lines.push('Interpretation:', ...sentences.map((x) => `  - ${x}`));
    }
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}
