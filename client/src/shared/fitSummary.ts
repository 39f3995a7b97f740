/** Plain-words outcome of a fit request, for notifications, the status bar and the panel's status line. */
import type { FitResponse } from '../../../protocol/index';

export type FitOutcomeKind = 'ok' | 'error' | 'cancelled';

export interface FitOutcome {
  kind: FitOutcomeKind;
  /** One sentence for a notification and the panel. */
  message: string;
  /** Short text for the status bar. */
  short: string;
  /** Hover text: where the time went. */
  detail?: string;
}

/** `waitedSeconds`: the time from the request to its answer, as the user waited (the message shows it; the fit times go to `detail`). */
export function summarizeFit(resp: FitResponse, cancelledByUser: boolean, waitedSeconds?: number): FitOutcome {
  const errors = resp.errors ?? [];
  const cancelled = cancelledByUser || errors.some((e) => e.cancelled);
  const failed = errors.filter((e) => !e.cancelled);
  const fitted = resp.fitted ?? [];
  const kept = resp.results.filter((r) => !fitted.includes(r.id)).length;
  const keptNote = kept ? ` Previous results of ${kept} model${kept === 1 ? '' : 's'} are still shown.` : '';
  if (cancelled) {
    const done = fitted.length ? ` ${fitted.join(', ')} finished before the cancel.` : '';
    return { kind: 'cancelled', message: `The fit was cancelled.${done}${keptNote}`, short: 'fit cancelled' };
  }
  if (failed.length) {
    const names = [...new Set(failed.map((e) => e.model || 'the file'))];
    const ok = fitted.length ? ` Fitted: ${fitted.join(', ')}.` : '';
    const what = failed.length === 1 ? `Fit of ${names[0]} failed: ${failed[0].message}.` : `${failed.length} errors (${names.join(', ')}); each is listed in the results panel with its line.`;
    return {
      kind: 'error',
      message: `${what}${ok}${keptNote}`.replace(/\.\./g, '.'),
      short: `fit failed (${failed.length})`,
    };
  }
  if (!fitted.length) return { kind: 'error', message: 'No model was fitted: the file has no model.', short: 'nothing fitted' };
  const fits = resp.results.filter((r) => fitted.includes(r.id));
  const secs = fits.reduce((s, r) => s + (r.fitSeconds ?? 0), 0);
  const waited = waitedSeconds ?? secs;
  const detail =
    `Waited ${waited.toFixed(2)} s in all. Optimizer and model per fit: ${fits.map((r) => `${r.id} ${(r.fitSeconds ?? 0).toFixed(2)} s`).join(', ')}` +
    (waitedSeconds !== undefined ? `; the other ${Math.max(0, waited - secs).toFixed(2)} s went to reading the data, model frames, tests, R², plot figures, comparisons and the transfer.` : '.');
  const warn = resp.results.filter((r) => fitted.includes(r.id) && (r.singular || (r.warnings ?? []).length)).map((r) => r.id);
  const warnText = warn.length ? ` With warnings: ${warn.join(', ')}.` : '';
  return {
    kind: 'ok',
    message: `Fitted ${fitted.join(', ')} in ${waited.toFixed(1)} s.${warnText}`,
    detail,
    short: `fitted ${fitted.length === 1 ? fitted[0] : `${fitted.length} models`}${warn.length ? ' (warnings)' : ''}`,
  };
}
