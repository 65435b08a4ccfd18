import { describeValue } from '../internal/check-option';

export interface BoundedQueueOptions<T> {
  /** Most items held: queued plus taken and not yet released. */
  maxItems: number;
  /** Most bytes held, as measured by `sizeOf`: queued plus taken and not yet released. */
  maxBytes: number;
  /** Bytes an item holds; called once per push. Must return a finite number ≥ 0 (rounded up to an integer). */
  sizeOf: (item: T) => number;
}

/** Items removed from the head by `takeBatch`; they keep counting against the bounds until `release`d. */
export interface TakenBatch<T> {
  readonly items: readonly T[];
  readonly count: number;
  readonly bytes: number;
  /** Sequence number of the first item: the batch holds sequences [firstSequence, firstSequence + count). */
  readonly firstSequence: number;
}

const INITIAL_CAPACITY = 64;
const NO_EVICTIONS: readonly never[] = Object.freeze([]);

/**
 * A FIFO ring buffer bounded by item count and by bytes, that makes room by evicting its OLDEST items: under overload
 * the freshest telemetry is the most useful, and evicting from the head keeps every operation O(1).
 *
 * Every admitted item gets a sequence number in admission order. The queue always holds the contiguous range
 * [headSequence, nextSequence), which lets a caller ask "has everything admitted before now left the queue?" with
 * two integers instead of tagging items.
 *
 * Batches taken for writing stay "outstanding" and count against both bounds until released, so memory stays bounded
 * while a write is in flight or waiting to be retried. Outstanding items are never evicted (they are out of the
 * queue); when they alone leave no room, the newcomer is refused instead.
 */
export class BoundedQueue<T> {
  readonly maxItems: number;
  readonly maxBytes: number;
  private readonly sizeOf: (item: T) => number;

  private slots: Array<T | undefined>;
  private slotSizes: Float64Array;
  private head = 0;
  private length = 0;
  private queuedBytes = 0;
  private outstandingItemCount = 0;
  private outstandingByteCount = 0;
  private readonly outstanding = new Set<TakenBatch<T>>();
  private departed = 0;
  private evictedCount = 0;

  constructor(options: BoundedQueueOptions<T>) {
    if (!Number.isInteger(options.maxItems) || options.maxItems < 1) {
      throw new TypeError(
        `agentspan: BoundedQueue maxItems must be a positive integer, got ${describeValue(options.maxItems)}`,
      );
    }
    if (typeof options.maxBytes !== 'number' || !(options.maxBytes >= 1)) {
      throw new TypeError(
        `agentspan: BoundedQueue maxBytes must be a number ≥ 1, got ${describeValue(options.maxBytes)}`,
      );
    }
    if (typeof options.sizeOf !== 'function') {
      throw new TypeError('agentspan: BoundedQueue sizeOf must be a function');
    }
    this.maxItems = options.maxItems;
    this.maxBytes = options.maxBytes;
    this.sizeOf = options.sizeOf;
    const capacity = Math.min(INITIAL_CAPACITY, this.maxItems);
    this.slots = new Array<T | undefined>(capacity);
    this.slotSizes = new Float64Array(capacity);
  }

  /** Items waiting in the queue (outstanding batches not included). */
  get depth(): number {
    return this.length;
  }

  /** Bytes of the items waiting in the queue (outstanding batches not included). */
  get bytes(): number {
    return this.queuedBytes;
  }

  /** Items taken and not yet released. */
  get outstandingItems(): number {
    return this.outstandingItemCount;
  }

  /** Bytes of the items taken and not yet released. */
  get outstandingBytes(): number {
    return this.outstandingByteCount;
  }

  /** Sequence number of the oldest queued item (equals `nextSequence` when the queue is empty). */
  get headSequence(): number {
    return this.departed;
  }

  /** Sequence number the next admitted item will get; also the count of items ever admitted. */
  get nextSequence(): number {
    return this.departed + this.length;
  }

  /** Items ever evicted or refused for lack of room. */
  get evicted(): number {
    return this.evictedCount;
  }

  /** How many more items, and bytes, fit beside those queued and outstanding without evicting any. */
  room(): { items: number; bytes: number } {
    return {
      items: this.maxItems - this.length - this.outstandingItemCount,
      bytes: this.maxBytes - this.queuedBytes - this.outstandingByteCount,
    };
  }

  /**
   * Adds an item at the tail. Returns the items that lost their place, oldest first: evicted queued items, or the
   * new item itself when outstanding batches alone leave no room for it. Returns a shared empty array when nothing
   * was evicted, so the common case allocates nothing.
   *
   * Throws a RangeError, leaving the queue untouched, when `sizeOf` returns something that is not a size or the item
   * alone is larger than `maxBytes` (no amount of eviction could make room). Whatever `sizeOf` throws propagates.
   */
  push(item: T): readonly T[] {
    const size = this.measure(item);

    if (this.outstandingItemCount + 1 > this.maxItems || this.outstandingByteCount + size > this.maxBytes) {
      this.evictedCount++;
      return [item];
    }

    let evicted: T[] | undefined;
    while (
      this.length + this.outstandingItemCount + 1 > this.maxItems ||
      this.queuedBytes + this.outstandingByteCount + size > this.maxBytes
    ) {
      // Terminates: with the queue empty, the checks above guarantee the item fits.
      (evicted ??= []).push(this.removeHead());
      this.evictedCount++;
    }

    if (this.length === this.slots.length) this.grow();
    let tail = this.head + this.length;
    if (tail >= this.slots.length) tail -= this.slots.length;
    this.slots[tail] = item;
    this.slotSizes[tail] = size;
    this.length++;
    this.queuedBytes += size;
    return evicted ?? NO_EVICTIONS;
  }

  /**
   * Removes up to `maxItems` items from the head, stopping before the batch would exceed `maxBytes` (but always taking
   * at least one item when the queue is not empty, so an item larger than `maxBytes` cannot wedge the queue).
   * The batch stays outstanding, counting against the bounds, until `release`d.
   */
  takeBatch(maxItems: number, maxBytes: number = Number.POSITIVE_INFINITY): TakenBatch<T> {
    const firstSequence = this.departed;
    const items: T[] = [];
    let bytes = 0;
    while (this.length > 0 && items.length < maxItems) {
      const nextSize = this.slotSizes[this.head];
      if (items.length > 0 && bytes + nextSize > maxBytes) break;
      bytes += nextSize;
      items.push(this.removeHead());
    }
    const batch: TakenBatch<T> = { items, count: items.length, bytes, firstSequence };
    this.outstandingItemCount += batch.count;
    this.outstandingByteCount += batch.bytes;
    this.outstanding.add(batch);
    return batch;
  }

  /** Stops counting a taken batch against the bounds. Returns false (and does nothing) if it was already released. */
  release(batch: TakenBatch<T>): boolean {
    if (!this.outstanding.delete(batch)) return false;
    this.outstandingItemCount -= batch.count;
    this.outstandingByteCount -= batch.bytes;
    return true;
  }

  /** Removes and returns every queued item, oldest first. Outstanding batches are not affected. */
  takeAll(): T[] {
    const all: T[] = [];
    while (this.length > 0) all.push(this.removeHead());
    return all;
  }

  private measure(item: T): number {
    const raw = this.sizeOf(item);
    if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < 0) {
      throw new RangeError(`sizeOf returned ${String(raw)}; expected a finite number ≥ 0`);
    }
    // Whole bytes keep the running totals exact (no floating-point drift after millions of adds and subtracts).
    const size = Math.ceil(raw);
    if (size > this.maxBytes) {
      throw new RangeError(`an item of ${size} bytes can never fit in maxBytes ${this.maxBytes}`);
    }
    return size;
  }

  private removeHead(): T {
    const item = this.slots[this.head] as T;
    this.slots[this.head] = undefined; // let the item be collected
    this.queuedBytes -= this.slotSizes[this.head];
    this.head++;
    if (this.head === this.slots.length) this.head = 0;
    this.length--;
    this.departed++;
    return item;
  }

  /** Doubles the ring (up to maxItems), unrolling it so the head is at index 0; amortised O(1) per push. */
  private grow(): void {
    const capacity = Math.min(this.maxItems, this.slots.length * 2);
    const slots = new Array<T | undefined>(capacity);
    const sizes = new Float64Array(capacity);
    for (let i = 0; i < this.length; i++) {
      let from = this.head + i;
      if (from >= this.slots.length) from -= this.slots.length;
      slots[i] = this.slots[from];
      sizes[i] = this.slotSizes[from];
    }
    this.slots = slots;
    this.slotSizes = sizes;
    this.head = 0;
  }
}
