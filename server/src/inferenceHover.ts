/**
 * The hover section "every inference side by side" for a fixed effect: the engine's table once it has
 * been computed (mlm/inference), otherwise a link that computes it. Method names carry the engine's
 * note on when to prefer them; the coefficient name is data-derived and escaped.
 */
import { formatInferenceRows, INFERENCE_METHOD_NOTES, type CoefficientInference } from '../../engine/src/index';
import { escapeMarkdown } from './markdown';

/** The command the link runs, with its JSON arguments encoded as VS Code expects in a command: URI. */
export function inferenceCommandLink(uri: string, model: string, coef: string): string {
  return `command:mlm.compareInferences?${encodeURIComponent(JSON.stringify([uri, model, coef]))}`;
}

export function inferenceSection(uri: string, model: string, coef: string, ci: CoefficientInference | undefined): string {
  if (!ci) {
    return `[Compare every inference method](${inferenceCommandLink(uri, model, coef)} "Wald, Satterthwaite, Kenward-Roger, profile likelihood, parametric bootstrap (200 replicates) and likelihood-ratio test side by side") for ${escapeMarkdown(coef)}`;
  }
  // each method's name links to its note (shown as the link's title; the command explains it on click)
  const rows = formatInferenceRows(ci, (method) => {
    const note = INFERENCE_METHOD_NOTES[method].replace(/"/g, "'");
    const link = `command:mlm.explainInference?${encodeURIComponent(JSON.stringify([method]))}`;
    return `[${method}](${link} "${note}")`;
  });
  return [`**Every inference for ${escapeMarkdown(coef)}**`, '', ...rows, ...(ci.remark ? ['', `⚠ ${ci.remark}`] : [])].join('\n');
}
