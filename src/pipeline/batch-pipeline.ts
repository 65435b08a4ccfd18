import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { backoffDelayMs } from './backoff';
import { BoundedQueue, type TakenBatch } from './bounded-queue';
import { DiagThrottle } from './diag-throttle';
import { DEFAULT_TIMEOUT_MS, resolvePipelineOptions, timeoutOrDefault, type ResolvedPipelineOptions } from './options';
import type {
  BatchPipelineOptions,
  DropCounts,
  DropReason,
  FlushResult,
  PipelineStats,
  RejectedRecord,
} from './types';

// Writes run detached from whatever span was active when a timer or kick was scheduled, and with tracing suppressed,
// so a database instrumentation never traces our own writes (and never parents them under the user's spans).
const WRITE_CONTEXT = suppressTracing(ROOT_CONTEXT);

const FLUSH_COMPLETE: FlushResult = Object.freeze({ complete: true, pending: 0 });

// Built once: a drop can happen on every enqueue while the queue is full.
const DROP_REPORT_KEYS: Readonly<Record<DropReason, string>> = {
  queue_full: 'drop:queue_full',
  rejected: 'drop:rejected',
  write_failed: 'drop:write_failed',
  shutdown: 'drop:shutdown',
  invalid: 'drop:invalid',
};

type State = 'running' | 'shutting_down' | 'closed';

interface FlushWaiter {
  /** Done once every record with a sequence number below this has been written or dropped. */
  readonly target: number;
  readonly resolve: (result: FlushResult) => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Queues records from a hot path and writes them in the background in batches taken in order, by default one write
 * at a time (`maxConcurrentWrites` allows more, for writers whose batches may land in any order).
 *
 * - `enqueue` is synchronous, O(1), never throws and never waits; every record is either written or counted as
 *   dropped with a reason, so `enqueued === written + droppedTotal + queueDepth + inFlight` at every moment.
 * - Memory is bounded by count and by bytes. Over a bound, the oldest queued records are dropped (`queue_full`).
 * - A batch is written when `maxBatchSize` records are queued (started on the next turn of the event loop, never
 *   inside `enqueue`) or every `flushIntervalMs`. The interval and retry timers are unref'd: the pipeline never keeps
 *   a process alive on its own. Only an explicit `forceFlush` or `shutdown` holds the process open, and only until it
 *   completes or its time box ends.
 * - A write that fails transiently is retried with exponential backoff and full jitter, forever, until the writer
 *   recovers or shutdown gives up on it. Meanwhile new records keep queueing and dropping oldest-first.
 *
 * In-flight batches (being written or waiting to be retried) are never evicted: they keep counting against both
 * bounds, and drop-oldest applies to the records queued behind them; when they alone leave no room, the new record is
 * the one dropped. A record is never written twice at once, and never races a write whose outcome is unknown.
 * To leave room for newcomers during an outage, the batches in flight take at most half of `maxQueueBytes` between
 * them (and `maxBatchSize` should stay well below `maxQueueSize`, as the defaults do). While a batch waits to be
 * retried no other write starts: an outage holds one batch, not `maxConcurrentWrites` of them.
 */
export class BatchPipeline<T> {
  private readonly options: ResolvedPipelineOptions<T>;
  private readonly queue: BoundedQueue<T>;
  private readonly maxBatchBytes: number;
  private readonly report = new DiagThrottle('agentspan pipeline: ');
  private readonly interval: NodeJS.Timeout;

  private state: State = 'running';
  /** Batches being written or waiting to be retried, oldest first. */
  private inFlight: Array<TakenBatch<T>> = [];
  private inFlightCount = 0;
  private inFlightBytes = 0;
  /** In-flight batches whose last attempt failed and that wait for their retry. */
  private retrying = 0;
  private drainScheduled = false;
  /** Records with a sequence number below this are written without waiting for a full batch. */
  private drainTarget = 0;
  private waiters: FlushWaiter[] = [];
  private readonly wakeFromBackoff = new Set<() => void>();
  private shutdownPromise: Promise<void> | null = null;

  private enqueuedCount = 0;
  private writtenCount = 0;
  private retriedCount = 0;
  private droppedTotal = 0;
  private readonly dropped: DropCounts = { queue_full: 0, rejected: 0, write_failed: 0, shutdown: 0, invalid: 0 };
  private lastError: string | null = null;

  constructor(options: BatchPipelineOptions<T>) {
    this.options = resolvePipelineOptions(options);
    this.queue = new BoundedQueue<T>({
      maxItems: this.options.maxQueueSize,
      maxBytes: this.options.maxQueueBytes,
      sizeOf: this.options.sizeOf,
    });
    this.maxBatchBytes = Math.max(1, Math.floor(this.options.maxQueueBytes / 2 / this.options.maxConcurrentWrites));
    this.interval = setInterval(this.onInterval, this.options.flushIntervalMs);
    this.interval.unref();
  }

  /** Hands a record to the pipeline. Synchronous and O(1); never throws, never waits. */
  enqueue(item: T): void {
    this.enqueuedCount++;
    try {
      if (this.state !== 'running') {
        this.drop([item], 'shutdown');
        return;
      }
      let evicted: readonly T[];
      try {
        evicted = this.queue.push(item);
      } catch (err) {
        this.drop([item], 'invalid', describeError(err));
        return;
      }
      if (evicted.length > 0) this.drop(evicted, 'queue_full');
      if (this.queue.depth >= this.options.maxBatchSize) this.scheduleDrain();
    } catch (err) {
      // Unreachable by design; if it happens, the caller still must not notice.
      this.report.report('error', 'enqueue', () => `unexpected error in enqueue: ${describeError(err)}`);
    }
  }

  /**
   * Writes everything enqueued before the call. Resolves when all of it is written or counted as dropped, or when
   * `timeoutMs` passes first, with `{ complete: false, pending }`. Never rejects. While it waits, it keeps the
   * process alive (the caller asked to wait), at most for `timeoutMs`.
   */
  forceFlush(timeoutMs: number = DEFAULT_TIMEOUT_MS): Promise<FlushResult> {
    try {
      const target = this.queue.nextSequence;
      if (this.settledThrough() >= target) return Promise.resolve(FLUSH_COMPLETE);
      this.drainTarget = Math.max(this.drainTarget, target);
      const flushed = new Promise<FlushResult>((resolve) => {
        const waiter: FlushWaiter = { target, resolve, timer: undefined };
        waiter.timer = setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve({ complete: false, pending: this.pendingBefore(target) });
        }, timeoutOrDefault(timeoutMs));
        this.waiters.push(waiter);
      });
      this.drain();
      return flushed;
    } catch (err) {
      this.report.report('error', 'forceFlush', () => `unexpected error in forceFlush: ${describeError(err)}`);
      return Promise.resolve({ complete: false, pending: this.queue.depth + this.inFlightCount });
    }
  }

  /**
   * Stops accepting records (later ones are dropped as `shutdown`), writes what is queued within `timeoutMs`, then
   * counts whatever is left, the in-flight batch included, as dropped with reason `shutdown`. A write still pending
   * at that point is abandoned: its eventual outcome is ignored. Idempotent: every call returns the same promise.
   * Never rejects, never outlives its time box.
   */
  shutdown(timeoutMs: number = DEFAULT_TIMEOUT_MS): Promise<void> {
    if (this.shutdownPromise !== null) return this.shutdownPromise;
    this.state = 'shutting_down';
    clearInterval(this.interval);
    this.shutdownPromise = this.forceFlush(timeoutMs).then(
      (result) => this.close(result),
      () => this.close(null),
    );
    return this.shutdownPromise;
  }

  stats(): PipelineStats {
    return {
      enqueued: this.enqueuedCount,
      written: this.writtenCount,
      retried: this.retriedCount,
      dropped: { ...this.dropped },
      droppedTotal: this.droppedTotal,
      queueDepth: this.queue.depth,
      queueBytes: this.queue.bytes,
      inFlight: this.inFlightCount,
      inFlightBytes: this.inFlightBytes,
      lastError: this.lastError,
    };
  }

  private readonly onInterval = (): void => {
    if (this.queue.depth === 0) return;
    this.drainTarget = Math.max(this.drainTarget, this.queue.nextSequence);
    this.drain();
  };

  private readonly onDrainScheduled = (): void => {
    this.drainScheduled = false;
    this.drain();
  };

  /**
   * Starts a drain on the next turn of the event loop, never inside the caller's `enqueue`. Left ref'd on purpose:
   * it costs at most one more turn before exit, and gives a full batch the chance to start its write.
   */
  private scheduleDrain(): void {
    if (this.drainScheduled || !this.canStartWrite()) return;
    this.drainScheduled = true;
    setImmediate(this.onDrainScheduled);
  }

  /**
   * Starts writes, batches taken in order, while there is a reason to write now and room for another write in
   * flight; every write that settles calls it again.
   */
  private drain(): void {
    try {
      while (this.state !== 'closed' && this.canStartWrite() && this.hasWorkNow()) {
        const batch = this.queue.takeBatch(this.options.maxBatchSize, this.maxBatchBytes);
        this.inFlight.push(batch);
        this.inFlightCount += batch.count;
        this.inFlightBytes += batch.bytes;
        void this.deliver(batch).then(this.afterDelivery, this.afterDelivery);
      }
    } catch (err) {
      this.report.report('error', 'drain', () => `unexpected error in the writer loop: ${describeError(err)}`);
    }
  }

  private readonly afterDelivery = (err?: unknown): void => {
    if (err !== undefined) {
      this.report.report('error', 'drain', () => `unexpected error in the writer loop: ${describeError(err)}`);
    }
    this.drain();
  };

  private canStartWrite(): boolean {
    return this.inFlight.length < this.options.maxConcurrentWrites && this.retrying === 0;
  }

  private hasWorkNow(): boolean {
    const depth = this.queue.depth;
    return depth > 0 && (depth >= this.options.maxBatchSize || this.queue.headSequence < this.drainTarget);
  }

  /** Writes one batch, retrying transient failures, until it is settled or shutdown abandons it. */
  private async deliver(batch: TakenBatch<T>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      let result: unknown;
      let failure: { error: unknown } | null = null;
      try {
        result = await this.invokeWriter(batch.items.slice());
      } catch (error) {
        failure = { error };
      }
      if (!this.inFlight.includes(batch)) {
        this.report.report('debug', 'late_write', () => 'a write settled after shutdown had given up on it; ignored');
        return;
      }
      if (failure === null) {
        this.settleWritten(batch, result);
        return;
      }

      const message = describeError(failure.error);
      this.lastError = message;
      if (!this.isTransient(failure.error)) {
        this.settle(batch);
        this.drop(batch.items, 'write_failed', message);
        return;
      }

      this.retriedCount++;
      const delay = backoffDelayMs(attempt, this.options.retry);
      this.report.report(
        'warn',
        'write_retry',
        () => `write of ${batch.count} records failed (attempt ${attempt}), retrying in ${Math.round(delay)} ms: ${message}`,
      );
      this.retrying++;
      try {
        await this.sleep(delay);
      } finally {
        this.retrying--;
      }
      if (!this.inFlight.includes(batch)) return;
    }
  }

  private invokeWriter(items: T[]): Promise<unknown> {
    const write = this.options.write;
    return context.with(WRITE_CONTEXT, () => {
      try {
        return Promise.resolve(write(items));
      } catch (err) {
        return Promise.reject(err);
      }
    });
  }

  private settleWritten(batch: TakenBatch<T>, result: unknown): void {
    const rejected = this.readRejected(result).slice(0, batch.count);
    this.settle(batch);
    this.writtenCount += batch.count - rejected.length;
    if (rejected.length > 0) {
      // A malformed entry still stands for one rejected row; its record is whatever the writer put there.
      const records = rejected.map((entry) => (entry as RejectedRecord<T> | null | undefined)?.record as T);
      this.drop(records, 'rejected', summarizeReasons(rejected));
    }
  }

  /** Takes the batch out of flight; the caller counts it as written or dropped in the same synchronous step. */
  private settle(batch: TakenBatch<T>): void {
    this.queue.release(batch);
    this.removeInFlight(batch);
    // Safe before the caller's counting: resolved flushes run their callbacks on a later microtask.
    this.resolveFinishedWaiters();
  }

  private readRejected(result: unknown): Array<RejectedRecord<T>> {
    const rejected = (result as { rejected?: unknown } | null | undefined)?.rejected;
    if (Array.isArray(rejected)) return rejected as Array<RejectedRecord<T>>;
    if (rejected !== undefined || typeof result !== 'object' || result === null) {
      this.report.report('warn', 'malformed_result', () => 'write() resolved without a { written, rejected } result; counting the batch as written');
    }
    return [];
  }

  private isTransient(error: unknown): boolean {
    try {
      return Boolean(this.options.isTransientError(error));
    } catch (err) {
      // Retrying keeps the data; the bounds keep memory in check if the guess was wrong.
      this.report.report('error', 'isTransientError', () => `isTransientError threw, retrying: ${describeError(err)}`);
      return true;
    }
  }

  /** A backoff delay that shutdown can cut short; its timer never holds the process open. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakeFromBackoff.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      this.wakeFromBackoff.add(wake);
    });
  }

  private removeInFlight(batch: TakenBatch<T>): void {
    const index = this.inFlight.indexOf(batch);
    if (index < 0) return;
    this.inFlight.splice(index, 1);
    this.inFlightCount -= batch.count;
    this.inFlightBytes -= batch.bytes;
  }

  private drop(items: readonly T[], reason: DropReason, detail?: string): void {
    const count = items.length;
    this.dropped[reason] += count;
    this.droppedTotal += count;
    this.report.report('warn', DROP_REPORT_KEYS[reason], () => {
      const cause = detail === undefined ? '' : `: ${detail}`;
      return `dropped ${count} record(s), reason ${reason}${cause} (${this.dropped[reason]} for this reason so far)`;
    });
    const onDrop = this.options.onDrop;
    if (onDrop === undefined) return;
    try {
      onDrop(items as T[], reason);
    } catch (err) {
      this.report.report('error', 'onDrop', () => `onDrop threw: ${describeError(err)}`);
    }
  }

  /** Everything with a sequence number below this has been written or dropped. */
  private settledThrough(): number {
    // Batches are taken in order, so the oldest in flight comes first.
    return this.inFlight.length > 0 ? this.inFlight[0]!.firstSequence : this.queue.headSequence;
  }

  /** Records with a sequence number below `target` still queued or in flight. */
  private pendingBefore(target: number): number {
    let pending = Math.max(0, target - this.queue.headSequence);
    for (const inFlight of this.inFlight) {
      if (inFlight.firstSequence < target) {
        pending += Math.min(target, inFlight.firstSequence + inFlight.count) - inFlight.firstSequence;
      }
    }
    return pending;
  }

  private resolveFinishedWaiters(): void {
    if (this.waiters.length === 0) return;
    const through = this.settledThrough();
    const stillWaiting: FlushWaiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.target <= through) {
        clearTimeout(waiter.timer);
        waiter.resolve(FLUSH_COMPLETE);
      } else {
        stillWaiting.push(waiter);
      }
    }
    this.waiters = stillWaiting;
  }

  /** The end of shutdown: whatever was not written in time is counted as dropped, and nothing runs afterwards. */
  private close(flushed: FlushResult | null): void {
    try {
      if (this.state === 'closed') return;
      this.state = 'closed';
      clearInterval(this.interval);
      if (flushed?.complete !== true) {
        const pending = flushed?.pending ?? this.queue.depth + this.inFlightCount;
        this.report.report('warn', 'shutdown', () => `shutdown ran out of time with ${pending} records unwritten`);
      }
      const abandoned = this.inFlight;
      let unwritten: T[] = this.queue.takeAll();
      this.inFlight = [];
      this.inFlightCount = 0;
      this.inFlightBytes = 0;
      for (let i = abandoned.length - 1; i >= 0; i--) {
        this.queue.release(abandoned[i]!);
        unwritten = abandoned[i]!.items.concat(unwritten);
      }
      if (unwritten.length > 0) this.drop(unwritten, 'shutdown');
      for (const wake of [...this.wakeFromBackoff]) wake();
      this.resolveFinishedWaiters();
    } catch (err) {
      this.report.report('error', 'shutdown', () => `unexpected error in shutdown: ${describeError(err)}`);
    }
  }
}

function summarizeReasons<T>(rejected: ReadonlyArray<RejectedRecord<T>>): string {
  const counts = new Map<string, number>();
  for (const entry of rejected) {
    const reason = typeof (entry as RejectedRecord<T> | null)?.reason === 'string' ? entry.reason : 'no reason given';
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  const shown = [...counts].slice(0, 3).map(([reason, count]) => `${count} × ${truncate(reason, 200)}`);
  const more = counts.size > 3 ? `, and ${counts.size - 3} other reasons` : '';
  return shown.join('; ') + more;
}

function describeError(err: unknown): string {
  try {
    if (err instanceof Error) return `${err.name}: ${err.message}`;
    return String(err);
  } catch {
    return 'an error that cannot be described';
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
