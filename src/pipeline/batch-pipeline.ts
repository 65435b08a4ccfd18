import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { backoffDelayMs } from './backoff';
import { BoundedQueue, type TakenBatch } from './bounded-queue';
import { CircuitBreaker, type BreakerPermit } from './circuit-breaker';
import { DiagThrottle } from './diag-throttle';
import { WriteTimeoutError } from './write-timeout-error';
import {
  DEFAULT_TIMEOUT_MS,
  MAX_TIMER_MS,
  resolvePipelineOptions,
  timeoutOrDefault,
  type ResolvedPipelineOptions,
} from './options';
import type {
  BatchPipelineOptions,
  DropCounts,
  DropReason,
  FlushResult,
  PipelineStats,
  RejectedRecord,
  SpillResult,
} from './types';

// Writes run detached from whatever span was active when a timer or kick was scheduled, and with tracing suppressed,
// so a database instrumentation never traces our own writes (and never parents them under the user's spans).
const WRITE_CONTEXT = suppressTracing(ROOT_CONTEXT);

const FLUSH_COMPLETE: FlushResult = Object.freeze({ complete: true, pending: 0 });
const GO: BreakerPermit = Object.freeze({ allowed: true, probe: false });
// Shutdown keeps this share of its time box (at most MAX_SPILL_RESERVE_MS) to spill what was not written.
const SPILL_RESERVE_SHARE = 0.2;
const MAX_SPILL_RESERVE_MS = 1_000;

// Built once: a drop can happen on every enqueue while the queue is full.
const DROP_REPORT_KEYS: Readonly<Record<DropReason, string>> = {
  queue_full: 'drop:queue_full',
  rejected: 'drop:rejected',
  write_failed: 'drop:write_failed',
  shutdown: 'drop:shutdown',
  invalid: 'drop:invalid',
  spill_full: 'drop:spill_full',
  spill_failed: 'drop:spill_failed',
  spill_corrupt: 'drop:spill_corrupt',
};

/** What becomes of a batch whose write did not succeed at once. */
type WriteOutcome = 'settled' | 'spill' | 'gone';

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
  private readonly circuitBreaker: CircuitBreaker | undefined;
  private readonly spillHighWaterItems: number;
  private readonly spillHighWaterBytes: number;

  private state: State = 'running';
  /** Batches being written, waiting to be retried or being spilled, oldest first. */
  private inFlight: Array<TakenBatch<T>> = [];
  private inFlightCount = 0;
  private inFlightBytes = 0;
  /** Batches in the write lane (being written or waiting for a retry). */
  private writing = 0;
  /** Batches being stored by the spill. */
  private spilling = 0;
  /** In-flight batches whose last attempt failed and that wait for their retry. */
  private retrying = 0;
  /** Wakes the drain when the open breaker's cool-down ends, so the probe is not left to the next interval. */
  private probeTimer: NodeJS.Timeout | undefined;
  private drainScheduled = false;
  /** Records with a sequence number below this are written without waiting for a full batch. */
  private drainTarget = 0;
  private waiters: FlushWaiter[] = [];
  private readonly wakeFromBackoff = new Set<() => void>();
  private shutdownPromise: Promise<void> | null = null;

  private enqueuedCount = 0;
  private writtenCount = 0;
  private retriedCount = 0;
  private spilledCount = 0;
  private droppedTotal = 0;
  private readonly dropped: DropCounts = {
    queue_full: 0,
    rejected: 0,
    write_failed: 0,
    shutdown: 0,
    invalid: 0,
    spill_full: 0,
    spill_failed: 0,
    spill_corrupt: 0,
  };
  private lastError: string | null = null;

  constructor(options: BatchPipelineOptions<T>) {
    this.options = resolvePipelineOptions(options);
    this.queue = new BoundedQueue<T>({
      maxItems: this.options.maxQueueSize,
      maxBytes: this.options.maxQueueBytes,
      sizeOf: this.options.sizeOf,
    });
    this.maxBatchBytes = Math.max(1, Math.floor(this.options.maxQueueBytes / 2 / this.options.maxConcurrentWrites));
    this.spillHighWaterItems = Math.max(1, Math.floor(this.options.maxQueueSize / 2));
    this.spillHighWaterBytes = this.options.maxQueueBytes / 2;
    if (this.options.breaker !== undefined) {
      this.circuitBreaker = new CircuitBreaker(this.options.breaker);
      this.circuitBreaker.onChange(this.onBreakerChange);
    }
    this.interval = setInterval(this.onInterval, this.options.flushIntervalMs);
    this.interval.unref();
  }

  /** The breaker every write of this pipeline goes through (undefined without the `breaker` option). */
  get breaker(): CircuitBreaker | undefined {
    return this.circuitBreaker;
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
      if (this.queue.depth >= this.options.maxBatchSize || this.overSpillHighWater()) this.scheduleDrain();
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
   * hands whatever is left, the in-flight batches included, to the spill (synchronously), or without one counts it
   * as dropped with reason `shutdown`. A write still pending at that point is abandoned: its eventual outcome is
   * ignored (a spilled copy of it is replayed idempotently). With a spill, the writes get all but a fifth of the time
   * box (at most a second less), which is kept for the spill. Idempotent: every call returns the same promise.
   * Never rejects, never hangs.
   */
  shutdown(timeoutMs: number = DEFAULT_TIMEOUT_MS): Promise<void> {
    if (this.shutdownPromise !== null) return this.shutdownPromise;
    this.state = 'shutting_down';
    clearInterval(this.interval);
    const timeBox = timeoutOrDefault(timeoutMs);
    const reserve = this.options.spill === undefined ? 0 : Math.min(MAX_SPILL_RESERVE_MS, timeBox * SPILL_RESERVE_SHARE);
    this.shutdownPromise = this.forceFlush(timeBox - reserve).then(
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
      spilled: this.spilledCount,
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

  /** Any state change can unblock someone: a batch waiting for the probe, or the drain itself. */
  private readonly onBreakerChange = (): void => {
    for (const wake of [...this.wakeFromBackoff]) wake();
    this.scheduleDrain();
  };

  /**
   * Starts a drain on the next turn of the event loop, never inside the caller's `enqueue`. Left ref'd on purpose:
   * it costs at most one more turn before exit, and gives a full batch the chance to start its write.
   */
  private scheduleDrain(): void {
    if (this.drainScheduled || this.state === 'closed' || !(this.canStartWrite() || this.canStartSpill())) return;
    this.drainScheduled = true;
    setImmediate(this.onDrainScheduled);
  }

  /**
   * Starts writes, batches taken in order, while there is a reason to write now and room for another write in
   * flight and the breaker lets it through; then hands a batch to the spill if one should go there. Every write or
   * spill that settles calls it again.
   */
  private drain(): void {
    try {
      while (this.state !== 'closed' && this.queue.depth > 0) {
        if (this.canStartWrite() && this.hasWorkNow()) {
          const permit = this.circuitBreaker?.request() ?? GO;
          if (permit.allowed) {
            this.startWrite(this.takeBatch());
            continue;
          }
          this.wakeForProbe(permit.retryInMs);
        }
        if (this.canStartSpill() && this.shouldSpillNow()) {
          this.startSpill(this.takeBatch());
          continue;
        }
        break;
      }
    } catch (err) {
      this.report.report('error', 'drain', () => `unexpected error in the writer loop: ${describeError(err)}`);
    }
  }

  private takeBatch(): TakenBatch<T> {
    const batch = this.queue.takeBatch(this.options.maxBatchSize, this.maxBatchBytes);
    this.inFlight.push(batch);
    this.inFlightCount += batch.count;
    this.inFlightBytes += batch.bytes;
    return batch;
  }

  private startWrite(batch: TakenBatch<T>): void {
    this.writing++;
    void this.deliver(batch).then(
      (outcome) => {
        this.writing--;
        if (outcome === 'spill') this.startSpill(batch);
        this.drain();
      },
      (err: unknown) => {
        this.writing--;
        this.report.report('error', 'drain', () => `unexpected error in the writer loop: ${describeError(err)}`);
        this.drain();
      },
    );
  }

  private startSpill(batch: TakenBatch<T>): void {
    this.spilling++;
    void this.spillBatch(batch).then(this.afterSpill, this.afterSpill);
  }

  private readonly afterSpill = (err?: unknown): void => {
    this.spilling--;
    if (err !== undefined) {
      this.report.report('error', 'spill', () => `unexpected error in the spill lane: ${describeError(err)}`);
    }
    this.drain();
  };

  private wakeForProbe(ms: number): void {
    if (this.probeTimer !== undefined) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      this.drain();
    }, Math.min(Math.max(0, ms), MAX_TIMER_MS));
    this.probeTimer.unref();
  }

  private canStartWrite(): boolean {
    return this.writing < this.options.maxConcurrentWrites && this.retrying === 0;
  }

  private canStartSpill(): boolean {
    return this.options.spill !== undefined && this.spilling === 0;
  }

  /** Spill when the database is known to be unreachable (at the pace writes would go), or the queue is filling up. */
  private shouldSpillNow(): boolean {
    if (this.circuitBreaker !== undefined && this.circuitBreaker.state !== 'closed') return this.hasWorkNow();
    return this.overSpillHighWater();
  }

  private overSpillHighWater(): boolean {
    return (
      this.options.spill !== undefined &&
      (this.queue.depth >= this.spillHighWaterItems || this.queue.bytes >= this.spillHighWaterBytes)
    );
  }

  private hasWorkNow(): boolean {
    const depth = this.queue.depth;
    return depth > 0 && (depth >= this.options.maxBatchSize || this.queue.headSequence < this.drainTarget);
  }

  /**
   * Writes one batch, retrying transient failures, until it is settled, shutdown abandons it, or (with a spill) the
   * breaker says the database is away and the batch should go to the spill instead.
   */
  private async deliver(batch: TakenBatch<T>): Promise<WriteOutcome> {
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) {
        const next = await this.permitForRetry(batch);
        if (next !== 'write') return next;
      }
      let result: unknown;
      let failure: { error: unknown } | null = null;
      try {
        result = await this.attempt(batch.items.slice());
      } catch (error) {
        failure = { error };
      }
      if (!this.inFlight.includes(batch)) {
        this.report.report('debug', 'late_write', () => 'a write settled after shutdown had given up on it; ignored');
        return 'gone';
      }
      if (failure === null) {
        this.circuitBreaker?.success();
        this.settleWritten(batch, result);
        return 'settled';
      }

      const message = describeError(failure.error);
      this.lastError = message;
      if (!this.isTransient(failure.error)) {
        // The database answered: as far as the breaker is concerned it is reachable.
        this.circuitBreaker?.success();
        this.settle(batch);
        this.drop(batch.items, 'write_failed', message);
        return 'settled';
      }

      this.retriedCount++;
      this.circuitBreaker?.failure();
      if (this.circuitBreaker !== undefined && this.circuitBreaker.state !== 'closed') {
        this.report.report('warn', 'breaker_open', () => `writes paused: the database keeps failing (${message})`);
        continue; // permitForRetry waits for the probe, or sends the batch to the spill
      }
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
      if (!this.inFlight.includes(batch)) return 'gone';
    }
  }

  /** Before a retry: go ahead, go to the spill (the breaker is not closed and there is one), or wait for the probe. */
  private async permitForRetry(batch: TakenBatch<T>): Promise<'write' | 'spill' | 'gone'> {
    for (;;) {
      if (!this.inFlight.includes(batch)) return 'gone';
      const permit = this.circuitBreaker?.request() ?? GO;
      if (permit.allowed) return 'write';
      if (this.options.spill !== undefined) return 'spill';
      this.retrying++;
      try {
        await this.sleep(permit.retryInMs);
      } finally {
        this.retrying--;
      }
    }
  }

  /** Stores one batch in the spill; what it cannot store is counted as dropped. */
  private async spillBatch(batch: TakenBatch<T>): Promise<void> {
    let result: SpillResult<T> | undefined;
    let failure: { error: unknown } | null = null;
    try {
      result = await this.invokeSpill(batch.items.slice());
    } catch (error) {
      failure = { error };
    }
    // Shutdown took the batch over and spilled it itself: a second copy in the spill is replayed idempotently.
    if (!this.inFlight.includes(batch)) return;
    this.settle(batch);
    if (failure !== null) {
      this.drop(batch.items, 'spill_failed', describeError(failure.error));
      return;
    }
    this.countSpilled(batch.items, result);
  }

  private invokeSpill(items: T[]): Promise<SpillResult<T>> {
    const spill = this.options.spill!;
    try {
      return Promise.resolve(spill.store(items));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Counts a spill's outcome for `items`: stored, rejected (unserializable) or refused (the spill is full). */
  private countSpilled(items: readonly T[], result: SpillResult<T> | undefined): void {
    const rejected = Array.isArray(result?.rejected) ? result.rejected.slice(0, items.length) : [];
    const refused = Array.isArray(result?.refused) ? result.refused.slice(0, items.length - rejected.length) : [];
    this.spilledCount += items.length - rejected.length - refused.length;
    if (rejected.length > 0) {
      const records = rejected.map((entry) => (entry as RejectedRecord<T> | null | undefined)?.record as T);
      this.drop(records, 'rejected', summarizeReasons(rejected));
    }
    if (refused.length > 0) this.drop(refused, 'spill_full');
  }

  /**
   * One write attempt; with writeTimeoutMs, a WriteTimeoutError once that has passed, and the attempt's signal
   * aborted so the writer can let go of its connection. The write itself is left to finish.
   */
  private attempt(items: T[]): Promise<unknown> {
    const timeoutMs = this.options.writeTimeoutMs;
    const abort = new AbortController();
    const write = this.invokeWriter(items, abort.signal);
    if (timeoutMs === 0) return write;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // Whatever the abandoned attempt ends with later is of no interest, and must not be an unhandled rejection.
        write.catch(() => undefined);
        reject(new WriteTimeoutError(`write attempt took longer than ${timeoutMs} ms; retrying`));
        abort.abort();
      }, timeoutMs);
      timer.unref();
      write.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  private invokeWriter(items: T[], signal: AbortSignal): Promise<unknown> {
    const write = this.options.write;
    return context.with(WRITE_CONTEXT, () => {
      try {
        return Promise.resolve(write(items, signal));
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
    if (error instanceof WriteTimeoutError) return true;
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
      clearTimeout(this.probeTimer);
      if (unwritten.length > 0) this.spillOrDropAtClose(unwritten);
      for (const wake of [...this.wakeFromBackoff]) wake();
      this.resolveFinishedWaiters();
    } catch (err) {
      this.report.report('error', 'shutdown', () => `unexpected error in shutdown: ${describeError(err)}`);
    }
  }

  /** Shutdown's last step: the spill takes what is left, synchronously; without one (or if it fails) it is dropped. */
  private spillOrDropAtClose(unwritten: T[]): void {
    const spill = this.options.spill;
    if (spill === undefined) {
      this.drop(unwritten, 'shutdown');
      return;
    }
    let result: SpillResult<T>;
    try {
      result = spill.storeSync(unwritten);
    } catch (err) {
      this.drop(unwritten, 'shutdown', `the spill failed: ${describeError(err)}`);
      return;
    }
    this.countSpilled(unwritten, result);
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
