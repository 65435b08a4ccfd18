import { describeError } from '../internal/describe-error';
import type { BoundedQueue, TakenBatch } from './bounded-queue';
import { requestPermit, type CircuitBreaker } from './circuit-breaker';
import type { Delivery } from './delivery';
import type { DiagThrottle } from './diag-throttle';
import type { InFlightBatches } from './in-flight-batches';
import { MAX_TIMER_MS } from '../internal/check-option';
import type { ResolvedPipelineOptions } from './options';
import type { SpillLane } from './spill-lane';

type SchedulerOptions = Pick<
  ResolvedPipelineOptions<unknown>,
  'maxQueueSize' | 'maxQueueBytes' | 'maxBatchSize' | 'maxConcurrentWrites' | 'flushIntervalMs'
>;

/**
 * Decides when batches leave the queue and where they go. A batch is written when `maxBatchSize` records are queued
 * (started on the next turn of the event loop, never inside `enqueue`), every `flushIntervalMs`, or when a flush asks
 * for everything before it; up to `maxConcurrentWrites` at once, none while a batch waits for its retry, and only as
 * the breaker allows. With a spill, a batch goes there instead while the breaker is not closed (at the pace writes
 * would go) or while the queue is over half its bounds.
 *
 * The batches in flight take at most half of `maxQueueBytes` between them, to leave room for newcomers during an
 * outage. The interval and probe timers are unref'd: the pipeline never keeps a process alive on its own.
 */
export class DrainScheduler<T> {
  private readonly maxBatchSize: number;
  private readonly maxBatchBytes: number;
  private readonly spillHighWaterItems: number;
  private readonly spillHighWaterBytes: number;
  private readonly interval: NodeJS.Timeout;
  /** Wakes the drain when the open breaker's cool-down ends, so the probe is not left to the next interval. */
  private probeTimer: NodeJS.Timeout | undefined;
  private drainScheduled = false;
  private closed = false;
  /** Records with a sequence number below this are written without waiting for a full batch. */
  private drainTarget = 0;
  /** Batches in the write lane (being written or waiting for a retry). */
  private writing = 0;
  /** Batches being stored by the spill. */
  private spilling = 0;

  constructor(
    private readonly options: SchedulerOptions,
    private readonly queue: BoundedQueue<T>,
    private readonly inFlight: InFlightBatches<T>,
    private readonly breaker: CircuitBreaker | undefined,
    private readonly delivery: Delivery<T>,
    private readonly spillLane: SpillLane<T> | undefined,
    private readonly report: DiagThrottle,
  ) {
    this.maxBatchSize = options.maxBatchSize;
    this.maxBatchBytes = Math.max(1, Math.floor(options.maxQueueBytes / 2 / options.maxConcurrentWrites));
    this.spillHighWaterItems = Math.max(1, Math.floor(options.maxQueueSize / 2));
    this.spillHighWaterBytes = options.maxQueueBytes / 2;
    breaker?.onChange(this.onBreakerChange);
    this.interval = setInterval(this.onInterval, options.flushIntervalMs);
    this.interval.unref();
  }

  /** After a record was queued: a full batch, or a queue filling up towards the spill, starts a drain soon. */
  afterAdmit(): void {
    if (this.queue.depth >= this.maxBatchSize || this.overSpillHighWater()) this.scheduleDrain();
  }

  /** Everything below `target` is to be written now, full batch or not (a flush asked for it). */
  drainThrough(target: number): void {
    this.drainTarget = Math.max(this.drainTarget, target);
  }

  /**
   * Starts writes, batches taken in order, while there is a reason to write now and room for another write in
   * flight and the breaker lets it through; then hands a batch to the spill if one should go there. Every write or
   * spill that settles calls it again.
   */
  drain(): void {
    try {
      while (!this.closed && this.queue.depth > 0) {
        if (this.canStartWrite() && this.hasWorkNow()) {
          const permit = requestPermit(this.breaker);
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

  /** Shutdown has begun: no more periodic writes (a flush still drains what it waits for). */
  stopInterval(): void {
    clearInterval(this.interval);
  }

  /** Shutdown's end: nothing starts any more. */
  close(): void {
    this.closed = true;
    clearInterval(this.interval);
    clearTimeout(this.probeTimer);
  }

  private readonly onInterval = (): void => {
    if (this.queue.depth === 0) return;
    this.drainThrough(this.queue.nextSequence);
    this.drain();
  };

  private readonly onDrainScheduled = (): void => {
    this.drainScheduled = false;
    this.drain();
  };

  /** Any state change can unblock someone: a batch waiting for the probe, or the drain itself. */
  private readonly onBreakerChange = (): void => {
    this.delivery.wakeAll();
    this.scheduleDrain();
  };

  /**
   * Starts a drain on the next turn of the event loop, never inside the caller's `enqueue`. Left ref'd on purpose:
   * it costs at most one more turn before exit, and gives a full batch the chance to start its write.
   */
  private scheduleDrain(): void {
    if (this.drainScheduled || this.closed || !(this.canStartWrite() || this.canStartSpill())) return;
    this.drainScheduled = true;
    setImmediate(this.onDrainScheduled);
  }

  private takeBatch(): TakenBatch<T> {
    return this.inFlight.take(this.maxBatchSize, this.maxBatchBytes);
  }

  private startWrite(batch: TakenBatch<T>): void {
    this.writing++;
    void this.delivery.deliver(batch).then(
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

  /** Only called with a spill lane: canStartSpill says so, and delivery answers 'spill' only when there is one. */
  private startSpill(batch: TakenBatch<T>): void {
    this.spilling++;
    void this.spillLane!.store(batch).then(this.afterSpill, this.afterSpill);
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
    this.probeTimer = setTimeout(
      () => {
        this.probeTimer = undefined;
        this.drain();
      },
      Math.min(Math.max(0, ms), MAX_TIMER_MS),
    );
    this.probeTimer.unref();
  }

  private canStartWrite(): boolean {
    return this.writing < this.options.maxConcurrentWrites && this.delivery.retrying === 0;
  }

  private canStartSpill(): boolean {
    return this.spillLane !== undefined && this.spilling === 0;
  }

  /** Spill when the database is known to be unreachable (at the pace writes would go), or the queue is filling up. */
  private shouldSpillNow(): boolean {
    if (this.breaker !== undefined && this.breaker.state !== 'closed') return this.hasWorkNow();
    return this.overSpillHighWater();
  }

  private overSpillHighWater(): boolean {
    return (
      this.spillLane !== undefined &&
      (this.queue.depth >= this.spillHighWaterItems || this.queue.bytes >= this.spillHighWaterBytes)
    );
  }

  private hasWorkNow(): boolean {
    const depth = this.queue.depth;
    return depth > 0 && (depth >= this.maxBatchSize || this.queue.headSequence < this.drainTarget);
  }
}
