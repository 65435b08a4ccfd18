import { describeError } from '../internal/describe-error';
import type { TakenBatch } from './bounded-queue';
import type { InFlightBatches } from './in-flight-batches';
import type { RecordLedger } from './record-ledger';
import type { RejectedRecord, SpillResult, SpillSink } from './types';

/**
 * Hands batches to the spill sink: while the breaker is not closed, when the queue fills up, and at shutdown. What
 * the sink stores counts as `spilled`; what it cannot serialize as `rejected`, what it refuses for room as
 * `spill_full`, and a batch it fails to store as `spill_failed` (at shutdown: `shutdown`).
 */
export class SpillLane<T> {
  constructor(
    private readonly sink: SpillSink<T>,
    private readonly inFlight: InFlightBatches<T>,
    private readonly ledger: RecordLedger<T>,
  ) {}

  /** Stores one batch in flight; what the spill cannot store is counted as dropped. */
  async store(batch: TakenBatch<T>): Promise<void> {
    let result: SpillResult<T> | undefined;
    let failure: { error: unknown } | null = null;
    try {
      result = await this.invokeSink(batch.items.slice());
    } catch (error) {
      failure = { error };
    }
    // Shutdown took the batch over and spilled it itself: a second copy in the spill is replayed idempotently.
    if (!this.inFlight.has(batch)) return;
    this.inFlight.settle(batch);
    if (failure !== null) {
      this.ledger.drop(batch.items, 'spill_failed', describeError(failure.error));
      return;
    }
    this.count(batch.items, result);
  }

  /** Shutdown's last step: the spill takes what is left, synchronously; if it fails, that is dropped (`shutdown`). */
  storeAtClose(unwritten: T[]): void {
    let result: SpillResult<T>;
    try {
      result = this.sink.storeSync(unwritten);
    } catch (err) {
      this.ledger.drop(unwritten, 'shutdown', `the spill failed: ${describeError(err)}`);
      return;
    }
    this.count(unwritten, result);
  }

  private invokeSink(items: T[]): Promise<SpillResult<T>> {
    try {
      return Promise.resolve(this.sink.store(items));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Counts a spill's outcome for `items`: stored, rejected (unserializable) or refused (the spill is full). */
  private count(items: readonly T[], result: SpillResult<T> | undefined): void {
    const rejected: Array<RejectedRecord<T>> = Array.isArray(result?.rejected)
      ? result.rejected.slice(0, items.length)
      : [];
    const refused = Array.isArray(result?.refused) ? result.refused.slice(0, items.length - rejected.length) : [];
    this.ledger.spilled += items.length - rejected.length - refused.length;
    if (rejected.length > 0) this.ledger.dropRejected(rejected);
    if (refused.length > 0) this.ledger.drop(refused, 'spill_full');
  }
}
