import type { BoundedQueue, TakenBatch } from './bounded-queue';
import type { FlushWaiters } from './flush-waiters';

/**
 * The batches taken from the queue and not settled yet (being written, waiting for a retry, being spilled), oldest
 * first. They keep counting against the queue's bounds until settled. Because batches are taken in order, the oldest
 * one in flight marks how far everything has settled, which is what flush waiters wait for.
 */
export class InFlightBatches<T> {
  private batches: Array<TakenBatch<T>> = [];
  private itemCount = 0;
  private byteCount = 0;

  constructor(
    private readonly queue: BoundedQueue<T>,
    private readonly waiters: FlushWaiters,
  ) {}

  /** Records in flight. */
  get count(): number {
    return this.itemCount;
  }

  /** Estimated bytes of the records in flight. */
  get bytes(): number {
    return this.byteCount;
  }

  /** Takes the next batch from the head of the queue and puts it in flight. */
  take(maxItems: number, maxBytes: number): TakenBatch<T> {
    const batch = this.queue.takeBatch(maxItems, maxBytes);
    this.batches.push(batch);
    this.itemCount += batch.count;
    this.byteCount += batch.bytes;
    return batch;
  }

  /** False once the batch settled or shutdown took it over: whatever its write does later is of no interest. */
  has(batch: TakenBatch<T>): boolean {
    return this.batches.includes(batch);
  }

  /** Takes the batch out of flight; the caller counts it as written, spilled or dropped in the same synchronous step. */
  settle(batch: TakenBatch<T>): void {
    this.queue.release(batch);
    const index = this.batches.indexOf(batch);
    if (index >= 0) {
      this.batches.splice(index, 1);
      this.itemCount -= batch.count;
      this.byteCount -= batch.bytes;
    }
    // Safe before the caller's counting: resolved flushes run their callbacks on a later microtask.
    this.resolveWaiters();
  }

  /** Everything with a sequence number below this has been written or dropped. */
  settledThrough(): number {
    return this.batches.length > 0 ? this.batches[0]!.firstSequence : this.queue.headSequence;
  }

  /** Records with a sequence number below `target` still queued or in flight. */
  pendingBefore(target: number): number {
    let pending = Math.max(0, target - this.queue.headSequence);
    for (const batch of this.batches) {
      if (batch.firstSequence < target) {
        pending += Math.min(target, batch.firstSequence + batch.count) - batch.firstSequence;
      }
    }
    return pending;
  }

  resolveWaiters(): void {
    this.waiters.resolveThrough(this.settledThrough());
  }

  /**
   * Shutdown's take-over: every batch in flight and everything queued, oldest first, out of the pipeline. Writes
   * still running for those batches are abandoned (`has` turns false for them).
   */
  takeAll(): T[] {
    const abandoned = this.batches;
    let everything: T[] = this.queue.takeAll();
    this.batches = [];
    this.itemCount = 0;
    this.byteCount = 0;
    for (let i = abandoned.length - 1; i >= 0; i--) {
      this.queue.release(abandoned[i]!);
      everything = abandoned[i]!.items.concat(everything);
    }
    return everything;
  }
}
