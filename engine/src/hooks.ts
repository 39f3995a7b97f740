import { CancelledError } from './diagnostics';

/** Progress and cancellation for long computations (fits, profiles, bootstrap). */
export interface FitProgress {
  stage: string; // e.g. 'optimizing', 'pirls', 'profile .sig01', 'bootstrap'
  evaluations: number;
  objective?: number;
  fraction?: number; // 0..1 when known (bootstrap, profile)
}

export interface FitHooks {
  onProgress?(p: FitProgress): void;
  /** Polled between objective evaluations; when it returns true the computation throws CancelledError. */
  isCancelled?(): boolean;
  /** Minimum milliseconds between yields to the event loop (default 25). 0 disables yielding. */
  yieldEveryMs?: number;
}

/**
 * A ticker that long loops await once per evaluation: it yields to the event loop at most every
 * `yieldEveryMs` (so a language server keeps answering), reports progress, and throws
 * CancelledError when cancelled. Cheap when called often.
 */
export class Ticker {
  private readonly every: number;
  constructor(private readonly hooks: FitHooks = {}) {
    this.every = hooks.yieldEveryMs ?? 25;
  }
  async tick(p: FitProgress): Promise<void> {
    if (this.hooks.isCancelled?.()) throw new CancelledError();
    if (this.every <= 0) return;
    // the time since any ticker last handed the event loop back: a ticker created after a stretch of work yields at once
    if (Date.now() - lastYield < this.every) return;
    this.hooks.onProgress?.(p);
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    lastYield = Date.now();
    if (this.hooks.isCancelled?.()) throw new CancelledError();
  }
}

/** When a Ticker last resumed after yielding (the event loop is one for all of them). */
let lastYield = Date.now();

/**
 * Long synchronous work over the rows of the data (CSV reading, model frames, checks against the data) is
 * written once, as a generator that yields between slices of work. `runSteps` drains it at once (the CLI);
 * `runStepsAsync` awaits a Ticker between slices, so a language server answers other requests meanwhile and
 * a cancelled request stops it.
 */
export type Steps<T> = Generator<void, T, void>;

/** Rows handled between two yields of a Steps generator in a loop over the data. */
export const ROWS_PER_STEP = 1 << 16;

export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * `stage` names the work (its progress counts the slices), or is the progress of an enclosing loop (an optimizer's
 * stage and evaluations), reported as it is.
 */
export async function runStepsAsync<T>(steps: Steps<T>, ticker: Ticker, stage: string | FitProgress): Promise<T> {
  const own = typeof stage === 'string';
  const progress: FitProgress = own ? { stage, evaluations: 0 } : stage;
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (own) progress.evaluations++;
    await ticker.tick(progress);
  }
}
