/**
 * What a results webview keeps with setState so that the panel comes back after a window reload
 * (the extension's WebviewPanelSerializer re-renders it): the .mlm document's URI and the panel state.
 * The state read back is untrusted input: restoredPanel checks its shape and drops what does not fit.
 */
import type { FitResult } from '../../../engine/src/index';
import type { PanelState } from '../render/panel';
import { isObject } from './messages';

export const PERSIST_VERSION = 1;

export interface PersistedPanel {
  version: typeof PERSIST_VERSION;
  /** The .mlm document's URI (vscode.Uri.toString()). */
  uri: string;
  state: PanelState;
}

/** The status line of a panel brought back after a reload. */
export const RESTORED_STATUS = 'Results restored from the previous session; fit again to refresh them.';

/** The state to persist for a panel (the status line is not kept: a restored panel says it was restored). */
export function persistedPanel(uri: string, state: PanelState): PersistedPanel {
  const { fileName, results, comparisons, errors } = state;
  return { version: PERSIST_VERSION, uri, state: { fileName, results, comparisons: comparisons ?? [], ...(errors ? { errors } : {}) } };
}

const isStr = (x: unknown): x is string => typeof x === 'string';
const isNum = (x: unknown): x is number => typeof x === 'number';
const isNumOrNull = (x: unknown): boolean => x === null || x === undefined || typeof x === 'number';

function isNumberRecord(x: unknown): boolean {
  return isObject(x) && Object.values(x).every(isNum);
}

/** The fields the renderers read without further checks. */
function isFitResultLike(x: unknown): x is FitResult {
  if (!isObject(x)) return false;
  if (![x.id, x.formula, x.family, x.link].every(isStr)) return false;
  if (![x.nobs, x.df, x.logLik, x.nAGQ].every(isNum) || typeof x.REML !== 'boolean') return false;
  if (![x.AIC, x.BIC, x.deviance, x.REMLcrit].every(isNumOrNull)) return false;
  if (!Array.isArray(x.coefnames) || !x.coefnames.every(isStr)) return false;
  if (!isNumberRecord(x.fixef) || !isNumberRecord(x.se)) return false;
  if (!isObject(x.ngrps) || !Object.values(x.ngrps).every(isNum)) return false;
  if (!Array.isArray(x.varcorr) || !x.varcorr.every((r) => isObject(r) && isStr(r.grp) && isNum(r.vcov) && isNum(r.sdcor))) return false;
  if (!Array.isArray(x.ranef) || !x.ranef.every((b) => isObject(b) && isStr(b.group) && Array.isArray(b.levels) && Array.isArray(b.terms) && Array.isArray(b.values)))
    return false;
  return true;
}

/** The URI and panel state persisted by persistedPanel, or null when `raw` is not one. Results of the wrong shape are dropped. */
export function restoredPanel(raw: unknown): { uri: string; state: PanelState } | null {
  if (!isObject(raw) || raw.version !== PERSIST_VERSION || !isStr(raw.uri) || raw.uri.length === 0) return null;
  const s = raw.state;
  if (!isObject(s) || !isStr(s.fileName) || !Array.isArray(s.results)) return null;
  const results = s.results.filter(isFitResultLike);
  const comparisons = Array.isArray(s.comparisons) ? s.comparisons : [];
  const errors = Array.isArray(s.errors)
    ? s.errors.filter((er): er is { model: string; message: string } => isObject(er) && isStr(er.model) && isStr(er.message))
    : undefined;
  const dropped = s.results.length - results.length;
  const message = dropped > 0 ? `${RESTORED_STATUS} ${dropped} result${dropped === 1 ? '' : 's'} could not be read back.` : RESTORED_STATUS;
  return {
    uri: raw.uri,
    state: { fileName: s.fileName, results, comparisons, ...(errors?.length ? { errors } : {}), status: { kind: 'info', message } },
  };
}
