import type { CircuitBreakerOptions } from './circuit-breaker';

/**
 * Public types of the pipeline: what a writer returns, the options a pipeline takes, and what it reports.
 *
 * The pipeline is generic over its record type `T`: it sizes, queues, batches and retries records without knowing
 * what they describe.
 */

/** Why records left the pipeline without being written. */
export type DropReason =
  /** The queue was over `maxQueueSize` or `maxQueueBytes`; the oldest queued records made room for new ones. */
  | 'queue_full'
  /** The writer took the batch but refused these rows individually (bad data, constraint violation). */
  | 'rejected'
  /** The whole batch failed with an error `isTransientError` says will not go away by retrying. */
  | 'write_failed'
  /** Enqueued after shutdown began, or still unwritten when shutdown's time ran out. */
  | 'shutdown'
  /** `sizeOf` threw or returned something that is not a size, or the record alone is larger than `maxQueueBytes`. */
  | 'invalid'
  /** The spill would have gone over its size cap, so it refused the batch. */
  | 'spill_full'
  /** The spill could not store the batch (disk error, permissions). */
  | 'spill_failed'
  /** Spilled, then found unreadable (a corrupted or truncated file) when it was replayed. */
  | 'spill_corrupt';

export const DROP_REASONS: readonly DropReason[] = [
  'queue_full',
  'rejected',
  'write_failed',
  'shutdown',
  'invalid',
  'spill_full',
  'spill_failed',
  'spill_corrupt',
];

export interface RejectedRecord<T> {
  record: T;
  reason: string;
}

/**
 * What a writer reports for a batch it accepted. Every record of the batch not listed in `rejected` is accounted as
 * written: `written` is informational (an idempotent upsert may legitimately touch fewer rows than it was given).
 * To fail the whole batch, reject the promise instead.
 */
export interface WriteResult<T> {
  written: number;
  rejected: Array<RejectedRecord<T>>;
}

export type Jitter = 'full' | 'none';

/** What a spill did with a batch: every record not listed here is stored durably. */
export interface SpillResult<T> {
  /** Records that cannot be stored in any form (they failed to serialize); counted as `rejected`. */
  rejected: Array<RejectedRecord<T>>;
  /** Records refused because the spill is at its size cap; counted as `spill_full`. */
  refused: T[];
}

/**
 * Durable overflow for records that cannot be written now: the breaker is open, the queue is over half full, or
 * shutdown ran out of time. Whoever provides it also replays what it stored once the writer works again.
 */
export interface SpillSink<T> {
  /** Stores a batch. Rejecting means nothing of it was stored (counted as `spill_failed`). */
  store(batch: T[]): Promise<SpillResult<T>>;
  /** The same, synchronously: shutdown's last step, when nothing may be left waiting. Throwing counts as `shutdown`. */
  storeSync(batch: T[]): SpillResult<T>;
}

export interface RetryOptions {
  /** Ceiling of the first retry delay. Default 100. */
  initialBackoffMs?: number;
  /** Upper bound of any retry delay. Default 10_000. */
  maxBackoffMs?: number;
  /** Growth of the ceiling per failed attempt. Default 2. */
  multiplier?: number;
  /** `full`: the delay is uniform in [0, ceiling) so many processes do not retry in lockstep. Default `full`. */
  jitter?: Jitter;
}

export interface BatchPipelineOptions<T> {
  /**
   * Writes one batch. Resolve with the rows it refused individually; reject to fail the whole batch (retried while
   * `isTransientError` says so). Batches are taken in enqueue order and called with tracing suppressed; with the
   * default `maxConcurrentWrites` of 1 one at a time, so they also land in order. The array is a fresh copy per
   * attempt.
   */
  write: (batch: T[], signal: AbortSignal) => Promise<WriteResult<T>>;
  /** Whether a rejection of the whole batch is worth retrying. Default: every error is transient. */
  isTransientError?: (err: unknown) => boolean;
  /**
   * Estimated bytes a record holds in memory, for the `maxQueueBytes` bound. Runs on the caller's hot path inside
   * `enqueue`, so it must be cheap. Default: a bounded shallow walk that counts strings at two bytes a character.
   */
  sizeOf?: (item: T) => number;
  /** Most records held (queued plus in flight). Default 20_000. */
  maxQueueSize?: number;
  /** Most estimated bytes held (queued plus in flight). Default 64 MiB. */
  maxQueueBytes?: number;
  /** Most records per write; reaching it starts a write without waiting for the interval. Default 2_000. */
  maxBatchSize?: number;
  /** How often whatever is queued gets written. Default 500. */
  flushIntervalMs?: number;
  /**
   * Most batches written at once. Above 1, a batch may start while earlier ones are still being written, so batches
   * can land out of order: only for writers whose result does not depend on it. No new write starts while a batch
   * waits for its retry. Default 1.
   */
  maxConcurrentWrites?: number;
  /**
   * Longest one write attempt may take before the pipeline gives up on it and retries the batch (a transient
   * failure): a writer on a connection with no timeouts of its own cannot hold a batch forever. The attempt's
   * `signal` is aborted then, for the writer to drop its connection; the attempt may still finish later, so use this
   * only with writers that are idempotent. 0 (the default) sets no deadline.
   */
  writeTimeoutMs?: number;
  retry?: RetryOptions;
  /**
   * A circuit breaker shared by every write: after `failureThreshold` consecutive transient failures no write is
   * attempted until a single probe, after a cool-down, succeeds. Default: none (retries use the backoff alone).
   */
  breaker?: CircuitBreakerOptions | false;
  /**
   * Durable overflow. With it, batches go to the spill instead of waiting in memory while the breaker is open, when
   * the queue is more than half full (before drop-oldest has to act), and at shutdown for whatever is not written
   * by then. Default: none.
   */
  spill?: SpillSink<T>;
  /**
   * Told about every record that leaves the pipeline unwritten. Called synchronously (possibly from inside
   * `enqueue`), so it must be cheap; whatever it throws is swallowed and reported through `diag`.
   */
  onDrop?: (items: T[], reason: DropReason) => void;
}

export interface FlushResult {
  /** True when everything enqueued before the call was written or counted as dropped. */
  complete: boolean;
  /** Records enqueued before the call that were still queued or in flight when the flush gave up; 0 when complete. */
  pending: number;
}

export type DropCounts = Record<DropReason, number>;

/**
 * Counters since the pipeline was created. Invariant, at every moment:
 * `enqueued === written + droppedTotal + queueDepth + inFlight + spilled`.
 */
export interface PipelineStats {
  /** Every call to `enqueue`, including the ones dropped on the spot. */
  enqueued: number;
  /** Records the writer accepted. */
  written: number;
  /** Write attempts that failed with a transient error and were retried. */
  retried: number;
  /** Records handed to the spill, which stored them: out of the pipeline, written later by the spill's replay. */
  spilled: number;
  dropped: DropCounts;
  droppedTotal: number;
  /** Records waiting in the queue (not counting the batches in flight). */
  queueDepth: number;
  /** Estimated bytes of the records waiting in the queue. */
  queueBytes: number;
  /** Records in the batches being written or waiting to be retried. */
  inFlight: number;
  /** Estimated bytes of the batches in flight. */
  inFlightBytes: number;
  /** Message of the most recent failed write, kept after the writer recovers; null if no write ever failed. */
  lastError: string | null;
}
