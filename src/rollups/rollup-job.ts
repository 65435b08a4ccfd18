import { diag } from '@opentelemetry/api';
import { describeValue as describe, MAX_TIMER_MS, milliseconds as checkedMilliseconds } from '../internal/check-option';
import type { RefreshRollupsResult } from './hourly-rollups';
import { maskUrlsIn } from '../capture/mask-url';

/** startAgentTelemetry's `rollups` option: how often the hourly rollups are brought up to date. */
export interface RollupOptions {
  /** Time between two refreshes. Default 60,000 ms; the first comes within 10 s of start. */
  intervalMs?: number;
  /** How far before the last refresh to look for changed rows (see RefreshRollupsOptions.overlapMs). Default 10 min. */
  overlapMs?: number;
}

export const ROLLUP_DEFAULTS: Required<RollupOptions> = { intervalMs: 60_000, overlapMs: 600_000 };
const FIRST_RUN_MAX_MS = 10_000;
const KNOWN = new Set(['intervalMs', 'overlapMs']);

/** The option checked, with its defaults; undefined when turned off (`false`). A wrong one throws a TypeError. */
export function resolveRollupOptions(value: unknown): Required<RollupOptions> | undefined {
  if (value === false) return undefined;
  if (value === undefined) return ROLLUP_DEFAULTS;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`agentspan: option rollups must be an object or false, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!KNOWN.has(key)) throw new TypeError(`agentspan: unknown rollups option ${key}`);
  }
  const given = value as RollupOptions;
  return {
    intervalMs: checkedMilliseconds('option rollups.intervalMs', given.intervalMs, ROLLUP_DEFAULTS.intervalMs, 1),
    overlapMs: checkedMilliseconds('option rollups.overlapMs', given.overlapMs, ROLLUP_DEFAULTS.overlapMs, 0),
  };
}

/**
 * Keeps the hourly rollups up to date in the background: one refresh every `intervalMs` on an unref'd timer (so it
 * never keeps the process alive), never two at once, none while the database is known to be unreachable. A failed
 * refresh is reported through diag and tried again next time: nothing reaches the application. Two processes may
 * run it at once (the refresh itself takes turns on an advisory lock).
 */
export class RollupJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RefreshRollupsResult | undefined> | undefined;
  private stopped = false;
  private lastFailure: string | undefined;

  constructor(
    private readonly refresh: () => Promise<RefreshRollupsResult>,
    private readonly intervalMs: number,
    /** False while the database is known to be unreachable (the breaker is open). */
    private readonly databaseUsable: () => boolean = () => true,
  ) {}

  start(): void {
    this.schedule(Math.min(this.intervalMs, FIRST_RUN_MAX_MS));
  }

  /** No more refreshes; resolves when the one under way (if any) has ended. Idempotent. */
  stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    return (this.running ?? Promise.resolve()).then(() => undefined);
  }

  /** One refresh now, unless one is under way or the job stopped. Never rejects; undefined when nothing ran. */
  runOnce(): Promise<RefreshRollupsResult | undefined> {
    if (this.stopped || this.running !== undefined || !this.databaseUsable()) return Promise.resolve(undefined);
    const run = this.refresh().then(
      (result) => {
        this.lastFailure = undefined;
        if (result.hours > 0) diag.debug(`agentspan: rolled up ${result.hours} hour(s) into ${result.rows} row(s)`);
        return result;
      },
      (error: unknown) => {
        // The same failure every minute (tables not migrated, say) is said once; a new one is said again.
        const message = `agentspan: refreshing the hourly rollups failed, will try again: ${maskUrlsIn(String(error))}`;
        if (message === this.lastFailure) diag.debug(message);
        else diag.warn(message);
        this.lastFailure = message;
        return undefined;
      },
    );
    this.running = run.finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(
      () => {
        void this.runOnce().finally(() => this.schedule(this.intervalMs));
      },
      Math.min(ms, MAX_TIMER_MS),
    );
    this.timer.unref();
  }
}
