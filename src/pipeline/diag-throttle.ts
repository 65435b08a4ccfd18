import { diag } from '@opentelemetry/api';

export type DiagLevel = 'debug' | 'info' | 'warn' | 'error';

const DEFAULT_WINDOW_MS = 60_000;
// Keys may carry writer-supplied reasons; the map must not grow with them.
const MAX_KEYS = 200;

/**
 * Reports pipeline problems through `diag`, each kind at most once per window, so an outage that drops a million
 * records produces a handful of lines, not a million. The next report of a kind says how many were held back.
 *
 * Unlike a report-once-forever helper, the window lets tomorrow's outage be reported too, and each pipeline keeps
 * its own memory so one pipeline's noise does not silence another's.
 */
export class DiagThrottle {
  private readonly lastReport = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly prefix: string,
    private readonly windowMs: number = DEFAULT_WINDOW_MS,
  ) {}

  /** `key` names the kind of problem (not the record or value that caused it); `message` is built lazily. */
  report(level: DiagLevel, key: string, message: () => string): void {
    const now = Date.now();
    const last = this.lastReport.get(key);
    if (last !== undefined && now - last.at < this.windowMs) {
      last.suppressed++;
      return;
    }
    const suppressed = last?.suppressed ?? 0;
    this.remember(key, now);
    try {
      const note = suppressed > 0 ? ` (${suppressed} similar reports suppressed since the last one)` : '';
      diag[level](`${this.prefix}${message()}${note}`);
    } catch {
      // A throwing message builder or diag logger must not escape the pipeline.
    }
  }

  private remember(key: string, at: number): void {
    this.lastReport.delete(key); // re-insert so Map order is least recently reported first
    if (this.lastReport.size >= MAX_KEYS) {
      const oldest = this.lastReport.keys().next();
      if (oldest.done !== true) this.lastReport.delete(oldest.value);
    }
    this.lastReport.set(key, { at, suppressed: 0 });
  }
}
