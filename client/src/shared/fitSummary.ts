/** Plain-words outcome of a fit request, for notifications, the status bar and the panel's status line. */
import type { FitResponse } from '../../../protocol/index';

export type FitOutcomeKind = 'ok' | 'error' | 'cancelled';

export interface FitOutcome {
  kind: FitOutcomeKind;
  /** One sentence for a notification and the panel. */
  message: string;
  /** Short text for the status bar. */
  short: string;
}

export function summarizeFit(resp: FitResponse, cancelledByUser: boolean): FitOutcome {
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
    const first = failed[0];
    const more = failed.length > 1 ? ` (and ${failed.length - 1} more error${failed.length > 2 ? 's' : ''})` : '';
    const ok = fitted.length ? ` Fitted: ${fitted.join(', ')}.` : '';
    return {
      kind: 'error',
      message: `Fit of ${first.model || 'the file'} failed: ${first.message}${more}.${ok}${keptNote}`.replace(/\.\./g, '.'),
      short: `fit failed (${failed.length})`,
    };
  }
  if (!fitted.length) return { kind: 'error', message: 'No model was fitted: the file has no model.', short: 'nothing fitted' };
  const secs = resp.results.filter((r) => fitted.includes(r.id)).reduce((s, r) => s + (r.fitSeconds ?? 0), 0);
  const warn = resp.results.filter((r) => fitted.includes(r.id) && (r.singular || (r.warnings ?? []).length)).map((r) => r.id);
  const warnText = warn.length ? ` With warnings: ${warn.join(', ')}.` : '';
  return {
    kind: 'ok',
    message: `Fitted ${fitted.join(', ')} in ${secs.toFixed(2)} s.${warnText}`,
    short: `fitted ${fitted.length === 1 ? fitted[0] : `${fitted.length} models`}${warn.length ? ' (warnings)' : ''}`,
  };
}
