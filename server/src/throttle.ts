/**
 * Light debouncing of validations per document: the first change after a quiet spell runs at once
 * (on the next turn of the event loop); changes that come faster than `intervalMs` are merged into
 * one trailing run.
 */
export class Throttle {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly lastRun = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly run: (key: string) => Promise<void>,
  ) {}

  schedule(key: string): void {
    if (this.timers.has(key)) return; // a run is pending: it will see the latest text
    const since = Date.now() - (this.lastRun.get(key) ?? 0);
    const delay = since >= this.intervalMs ? 0 : this.intervalMs - since;
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.lastRun.set(key, Date.now());
        void this.run(key);
      }, delay),
    );
  }

  cancel(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
    this.lastRun.delete(key);
  }
}
