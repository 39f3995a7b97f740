/**
 * Light debouncing of validations per document. The first change after a quiet spell runs at once
 * (on the next turn of the event loop); changes that come faster than `intervalMs` are merged into
 * one trailing run. When a document's last validation was slow (a large CSV), validation waits for
 * a pause in typing instead, so keystrokes, completion and hover are not held up behind it.
 */
export class Throttle {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly lastRun = new Map<string, number>();
  private readonly lastDuration = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly run: (key: string) => Promise<void>,
    private readonly slowMs = 50,
  ) {}

  schedule(key: string): void {
    const slow = (this.lastDuration.get(key) ?? 0) > this.slowMs;
    const pending = this.timers.get(key);
    if (pending && !slow) return; // a run is pending: it will see the latest text
    if (pending) clearTimeout(pending); // slow document: restart the wait at every change
    const since = Date.now() - (this.lastRun.get(key) ?? 0);
    const delay = slow
      ? Math.min(600, 2 * (this.lastDuration.get(key) ?? 0))
      : since >= this.intervalMs
        ? 0
        : this.intervalMs - since;
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        const t0 = Date.now();
        this.lastRun.set(key, t0);
        void this.run(key).finally(() => this.lastDuration.set(key, Date.now() - t0));
      }, delay),
    );
  }

  cancel(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
    this.lastRun.delete(key);
    this.lastDuration.delete(key);
  }
}
