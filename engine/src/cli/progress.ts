/** Progress on stderr, only when stderr is a terminal: one line rewritten in place. */
import type { FitHooks, FitProgress } from '../hooks';

export class Progress {
  private shown = false;
  constructor(
    private readonly write: (s: string) => void,
    private readonly enabled: boolean,
  ) {}

  hooks(label: string): FitHooks {
    if (!this.enabled) return { yieldEveryMs: 0 };
    return {
      yieldEveryMs: 100,
      onProgress: (p: FitProgress) => this.show(label, p),
    };
  }

  start(label: string): void {
    if (!this.enabled) return;
    this.line(`${label} ...`);
  }

  /** A line of its own (reading data: percentage and rows scanned). */
  update(text: string): void {
    if (!this.enabled) return;
    this.line(text);
  }

  private show(label: string, p: FitProgress): void {
    const parts = [`${label}: ${p.stage}`, `${p.evaluations} evaluations`];
    if (p.objective !== undefined && Number.isFinite(p.objective)) parts.push(`objective ${p.objective.toFixed(4)}`);
    if (p.fraction !== undefined) parts.push(`${Math.round(p.fraction * 100)}%`);
    this.line(parts.join(', '));
  }

  private line(s: string): void {
    this.write(`\r\x1b[K${s}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) this.write('\r\x1b[K');
    this.shown = false;
  }
}
