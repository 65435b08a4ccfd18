import { context } from '@opentelemetry/api';
import { readFile } from 'node:fs/promises';
import { describeError } from '../../internal/describe-error';
import { MAX_TIMER_MS } from '../../internal/check-option';
import { UNTRACED_CONTEXT } from '../../internal/untraced';
import { backoffDelayMs, type BackoffPolicy } from '../backoff';
import { requestPermit, type CircuitBreaker } from '../circuit-breaker';
import { DiagThrottle } from '../diag-throttle';
import { ReplayCounts, type ReplayStats } from './replay-counts';
import { openFrames, parseFrame, type OpenFile } from './replay-file';
import type { ReplayFile, SpillStore } from './spill-store';

export type { ReplayStats } from './replay-counts';

// How often an idle replay looks for work it was not told about (the rescan itself has its own interval).
const IDLE_CHECK_MS = 1_000;
// After a file could not be read, wait this long before trying files again.
const READ_FAILURE_PAUSE_MS = 5_000;

/** Where replayed records go: the same writer the pipeline uses, and the same idea of a transient error. */
export interface ReplayTarget<R> {
  /** Writes records; resolves with those refused for their own data, rejects if the whole write failed. */
  write(records: R[]): Promise<{ rejected: ReadonlyArray<{ record: R; reason: string }> }>;
  isTransientError(error: unknown): boolean;
  /** Whether a value read back from a file is a record the writer can take (files may come from older versions). */
  isRecord(value: unknown): value is R;
}

interface DrainWaiter {
  readonly resolve: (drained: boolean) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Writes what the spill holds back into the database, one frame (one stored batch) at a time, through the same
 * circuit breaker as the pipeline: while it is open nothing is attempted except a single probe, which may be a
 * replayed frame. A transient failure keeps the file and its position and tries again after a backoff; a file is
 * deleted only after every record in it was committed or counted. Writes are idempotent, so a file replayed twice
 * (a crash between commit and delete) leaves the same rows.
 */
export class SpillReplayer<R> {
  private readonly replayCounts = new ReplayCounts();
  private readonly counts = this.replayCounts.counts;
  private readonly report = new DiagThrottle('agentspan spill replay: ');
  private current: OpenFile<R> | undefined;
  private running = false;
  private stopped = false;
  private waitTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private waiters: DrainWaiter[] = [];
  private rescanNext = true;

  constructor(
    private readonly store: SpillStore<R>,
    private readonly target: ReplayTarget<R>,
    private readonly breaker: CircuitBreaker | undefined,
    private readonly retry: BackoffPolicy,
  ) {}

  /** Starts replaying (now, and whenever there is something to replay and the database takes writes). */
  start(): void {
    if (this.idleTimer !== undefined || this.stopped) return;
    this.unsubscribe = this.breaker?.onChange((state) => {
      // The database is back (the probe succeeded, possibly the pipeline's): go on at once.
      if (state === 'closed') this.wakeUp();
    });
    this.idleTimer = setInterval(() => this.kick(), IDLE_CHECK_MS);
    this.idleTimer.unref();
    this.kick();
  }

  /** Replays now if it is not already busy or waiting out a backoff. */
  kick(): void {
    if (this.running || this.stopped || this.waitTimer !== undefined) return;
    void this.run();
  }

  /** Stops; a write in progress is abandoned (its file stays for the next replay). Resolves pending waits. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.idleTimer);
    clearTimeout(this.waitTimer);
    this.waitTimer = undefined;
    this.unsubscribe?.();
    if (this.current !== undefined) this.store.release(this.current.file);
    this.current = undefined;
    this.notifyWaiters(true);
  }

  stats(): ReplayStats {
    return this.replayCounts.snapshot();
  }

  /**
   * Resolves true once nothing this session spilled is left to replay (sealing the segment being written, so it is
   * replayed too), false if that takes longer than `timeoutMs`. Never rejects; keeps the process alive while it waits.
   */
  whenOwnDrained(timeoutMs: number): Promise<boolean> {
    if (this.store.ownRecords() === 0) return Promise.resolve(true);
    if (this.stopped) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const waiter: DrainWaiter = {
        resolve,
        timer: setTimeout(
          () => {
            this.waiters = this.waiters.filter((w) => w !== waiter);
            resolve(false);
          },
          Math.min(Math.max(0, timeoutMs), MAX_TIMER_MS),
        ),
      };
      this.waiters.push(waiter);
      this.kick();
    });
  }

  private wakeUp(): void {
    clearTimeout(this.waitTimer);
    this.waitTimer = undefined;
    this.kick();
  }

  private waitFor(ms: number): void {
    clearTimeout(this.waitTimer);
    this.waitTimer = setTimeout(
      () => {
        this.waitTimer = undefined;
        this.kick();
      },
      Math.min(Math.max(0, ms), MAX_TIMER_MS),
    );
    this.waitTimer.unref();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (!this.stopped) {
        if (this.current === undefined) {
          const file = await this.store.nextForReplay(this.rescanNext);
          this.rescanNext = false;
          if (file === undefined || this.stopped) {
            if (file !== undefined) this.store.release(file);
            break;
          }
          const opened = await this.open(file);
          if (opened === undefined) return;
          this.current = opened;
        }
        const open = this.current;
        if (!(await this.replay(open)) || this.stopped) return;
        this.current = undefined;
        await this.store.complete(open.file);
        this.counts.filesReplayed++;
      }
    } catch (error) {
      this.report.report('error', 'run', () => `replay failed: ${describeError(error)}`);
      this.waitFor(READ_FAILURE_PAUSE_MS);
    } finally {
      this.running = false;
      if (this.store.ownRecords() === 0) this.notifyWaiters(true);
    }
  }

  /** Reads a file and its frames; counts what its damage cost. Undefined (and a pause) if it cannot be read. */
  private async open(file: ReplayFile): Promise<OpenFile<R> | undefined> {
    let contents: Buffer;
    try {
      contents = await readFile(file.path);
    } catch (error) {
      this.store.release(file);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        // Deleted behind our back: what it held is lost, and counted.
        if (file.own) this.replayCounts.dropped(file, file.storedRecords ?? 0, 'spill_corrupt');
        await this.store.complete(file);
        return this.stopped ? undefined : this.openNextAfterMissing();
      }
      this.report.report('warn', 'read', () => `cannot read ${file.name}: ${describeError(error)}`);
      this.waitFor(READ_FAILURE_PAUSE_MS);
      return undefined;
    }
    return openFrames<R>(file, contents, this.replayCounts, this.report);
  }

  private openNextAfterMissing(): undefined {
    this.rescanNext = true;
    this.waitFor(0);
    return undefined;
  }

  /** Writes the file's frames from where it stopped. True when all are done; false when it must wait. */
  private async replay(open: OpenFile<R>): Promise<boolean> {
    while (open.next < open.frames.length) {
      const permit = requestPermit(this.breaker);
      if (!permit.allowed) {
        this.waitFor(permit.retryInMs);
        return false;
      }
      const records = (open.parsed ??= parseFrame(open.file, open.frames[open.next]!, this.target, this.replayCounts));
      let rejected: ReadonlyArray<{ record: R; reason: string }>;
      try {
        rejected =
          records.length === 0 ? [] : (await context.with(UNTRACED_CONTEXT, () => this.target.write(records))).rejected;
      } catch (error) {
        if (this.stopped) return false;
        this.counts.lastError = describeError(error);
        if (this.isTransient(error)) {
          this.breaker?.failure();
          this.counts.retried++;
          open.attempt++;
          const nextProbe = this.breaker?.snapshot().nextProbeAt;
          const delay = nextProbe != null ? nextProbe - Date.now() : backoffDelayMs(open.attempt, this.retry);
          const reason = this.counts.lastError;
          this.report.report(
            'warn',
            'retry',
            () => `replay write failed, retrying in ${Math.round(delay)} ms: ${reason}`,
          );
          this.waitFor(delay);
          return false;
        }
        this.breaker?.success(); // the database answered
        this.replayCounts.dropped(open.file, records.length, 'write_failed');
        this.report.report(
          'warn',
          'write_failed',
          () => `dropped ${records.length} replayed records: ${this.counts.lastError}`,
        );
        this.advance(open);
        continue;
      }
      if (this.stopped) return false;
      this.breaker?.success();
      const refused = Math.min(records.length, Array.isArray(rejected) ? rejected.length : 0);
      this.replayCounts.written(open.file, records.length - refused);
      this.replayCounts.dropped(open.file, refused, 'rejected');
      this.advance(open);
    }
    return true;
  }

  private advance(open: OpenFile<R>): void {
    open.next++;
    open.parsed = undefined;
    open.attempt = 0;
  }

  private isTransient(error: unknown): boolean {
    try {
      return this.target.isTransientError(error);
    } catch {
      return true;
    }
  }

  private notifyWaiters(drained: boolean): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(drained && this.store.ownRecords() === 0);
    }
  }
}
