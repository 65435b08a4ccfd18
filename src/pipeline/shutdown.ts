import { describeError } from '../internal/describe-error';
import type { BoundedQueue } from './bounded-queue';
import type { Delivery } from './delivery';
import type { DiagThrottle } from './diag-throttle';
import type { DrainScheduler } from './drain-scheduler';
import type { InFlightBatches } from './in-flight-batches';
import { timeoutOrDefault } from './options';
import type { RecordLedger } from './record-ledger';
import type { SpillLane } from './spill-lane';
import type { FlushResult } from './types';

// Shutdown keeps this share of its time box (at most MAX_SPILL_RESERVE_MS) to spill what was not written.
const SPILL_RESERVE_SHARE = 0.2;
const MAX_SPILL_RESERVE_MS = 1_000;

/** The parts of a pipeline shutdown stops, empties and counts. */
export interface ShutdownParts<T> {
  readonly queue: BoundedQueue<T>;
  readonly scheduler: DrainScheduler<T>;
  readonly inFlight: InFlightBatches<T>;
  readonly delivery: Delivery<T>;
  readonly spillLane: SpillLane<T> | undefined;
  readonly ledger: RecordLedger<T>;
  readonly report: DiagThrottle;
}

/**
 * A pipeline's shutdown, time-boxed and idempotent (the pipeline has stopped admitting records before it runs): flush
 * what is queued, then hand whatever is left, the in-flight batches included, to the spill synchronously, or count it
 * as dropped (`shutdown`). A write still pending then is abandoned: its late outcome is ignored (a spilled copy of it
 * is replayed idempotently).
 */
export class PipelineShutdown<T> {
  private promise: Promise<void> | null = null;

  constructor(
    private readonly parts: ShutdownParts<T>,
    private readonly flush: (timeoutMs: number) => Promise<FlushResult>,
  ) {}

  /** Every call returns the same promise; it never rejects and settles within the time box. */
  run(timeoutMs: number): Promise<void> {
    if (this.promise !== null) return this.promise;
    this.parts.scheduler.stopInterval();
    const timeBox = timeoutOrDefault(timeoutMs);
    const reserve =
      this.parts.spillLane === undefined ? 0 : Math.min(MAX_SPILL_RESERVE_MS, timeBox * SPILL_RESERVE_SHARE);
    this.promise = this.flush(timeBox - reserve).then(
      (result) => this.close(result),
      () => this.close(null),
    );
    return this.promise;
  }

  /** The end of shutdown: whatever was not written in time is spilled or counted as dropped, and nothing runs after. */
  private close(flushed: FlushResult | null): void {
    const { queue, scheduler, inFlight, delivery, spillLane, ledger, report } = this.parts;
    try {
      scheduler.close();
      if (flushed?.complete !== true) {
        const pending = flushed?.pending ?? queue.depth + inFlight.count;
        report.report('warn', 'shutdown', () => `shutdown ran out of time with ${pending} records unwritten`);
      }
      const unwritten = inFlight.takeAll();
      if (unwritten.length > 0) {
        if (spillLane === undefined) ledger.drop(unwritten, 'shutdown');
        else spillLane.storeAtClose(unwritten);
      }
      delivery.wakeAll();
      inFlight.resolveWaiters();
    } catch (err) {
      report.report('error', 'shutdown', () => `unexpected error in shutdown: ${describeError(err)}`);
    }
  }
}
