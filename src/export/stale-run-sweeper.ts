import { diag } from '@opentelemetry/api';
import { MAX_TIMER_MS } from '../internal/check-option';
import { maskUrlsIn } from '../capture/mask-url';

// The first look comes soon after start, so runs a crashed predecessor left behind are marked promptly.
const FIRST_CHECK_MAX_MS = 5_000;

/**
 * Runs the stale-run check (store/stale-runs.ts) now and then, in the background: on unref'd timers, never two at
 * once, and not while the database is known to be unreachable. Failures are reported through `diag` and retried at
 * the next tick; nothing reaches the application.
 */
export class StaleRunSweeper {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private stopped = false;
  private abandonedCount = 0;

  constructor(
    private readonly sweep: () => Promise<number>,
    private readonly checkIntervalMs: number,
    /** False while the database is known to be unreachable (the breaker is not closed). */
    private readonly databaseUsable: () => boolean,
  ) {}

  /** Executions marked abandoned so far. */
  get abandoned(): number {
    return this.abandonedCount;
  }

  start(): void {
    this.schedule(Math.min(this.checkIntervalMs, FIRST_CHECK_MAX_MS));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** One check now (also what the timer runs); resolves with the executions it abandoned. Never rejects. */
  async runOnce(): Promise<number> {
    if (this.busy || this.stopped || !this.databaseUsable()) return 0;
    this.busy = true;
    try {
      const abandoned = await this.sweep();
      this.abandonedCount += abandoned;
      if (abandoned > 0) diag.info(`agentspan: marked ${abandoned} stale running execution(s) as abandoned`);
      return abandoned;
    } catch (error) {
      // A connection error can quote the database URL, password included.
      diag.debug(`agentspan: the stale-run check failed, will try again: ${maskUrlsIn(String(error))}`);
      return 0;
    } finally {
      this.busy = false;
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(
      () => {
        void this.runOnce().finally(() => this.schedule(this.checkIntervalMs));
      },
      Math.min(ms, MAX_TIMER_MS),
    );
    this.timer.unref();
  }
}
