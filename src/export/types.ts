import type { MeterProvider } from '@opentelemetry/api';
import type { DataSource } from 'typeorm';
import type { BreakerState, CircuitBreakerOptions } from '../pipeline/circuit-breaker';
import type { SpillOptions } from '../pipeline/spill/types';
import type { BatchPipelineOptions, DropCounts } from '../pipeline/types';
import type { SpanWriterOptions } from '../store/write/span-writer';

// The pipeline's figures as the processor reports them, for the layers above (the collector adds up its workers').
export type { BreakerState } from '../pipeline/circuit-breaker';
export type { DropCounts, FlushResult } from '../pipeline/types';
import type { StoreConnection } from '../store/connection/store-connection';

/** Sizes and timing of the queue between the processor and the database. */
export type QueueOptions = Pick<
  BatchPipelineOptions<unknown>,
  | 'maxQueueSize'
  | 'maxQueueBytes'
  | 'maxBatchSize'
  | 'flushIntervalMs'
  | 'maxConcurrentWrites'
  | 'writeTimeoutMs'
  | 'retry'
>;

export interface StaleRunOptions {
  /** Executions still `running` this long after they started are marked `abandoned`. Default 3_600_000 (1 h). */
  abandonAfterMs?: number;
  /** How often to look for them (the first look comes after at most 5 s). Default 60_000. */
  checkIntervalMs?: number;
}

export interface AgentSpanProcessorOptions {
  /** An initialized TypeORM DataSource on PostgreSQL with agentspan's migrations applied (see runMigrations). */
  dataSource?: DataSource;
  /** Instead of dataSource: a connection opened (and retried) on demand, as startAgentTelemetry uses. */
  connection?: StoreConnection;
  queue?: QueueOptions;
  writer?: SpanWriterOptions;
  /** How long shutdown() may take to write what is queued. Default 10,000 ms. */
  shutdownTimeoutMs?: number;
  /**
   * The circuit breaker in front of the database: after `failureThreshold` consecutive transient failures no write
   * is attempted until one probe, after a cool-down, succeeds. Default `{ failureThreshold: 5, cooldownMs: 1_000,
   * maxCooldownMs: 10_000 }`; `false` turns it off (writes then retry with backoff alone).
   */
  breaker?: CircuitBreakerOptions | false;
  /**
   * Durable spill to files in a directory while the database is unreachable or the queue is filling up, and at
   * shutdown; replayed (also by the next process) when the database takes writes again. Default: off.
   */
  spill?: SpillOptions | false;
  /** Marks runs left `running` by a crashed process as `abandoned`. Default on (see StaleRunOptions); `false`: off. */
  staleRuns?: StaleRunOptions | false;
  /** Where the health figures are published as OpenTelemetry metrics. Default: the global MeterProvider, if any. */
  meterProvider?: MeterProvider;
  /**
   * Print the first failure of each kind (the database unreachable, a write failing, records dropped) once as a
   * process warning (`AgentspanWarning`), with credentials masked. Default true; diag logging is unaffected.
   */
  warnings?: boolean;
}

export interface AgentSpanProcessorStats {
  /** Spans (and agent starts) queued for writing. */
  recorded: number;
  /** Of those, written to the database (directly, or replayed from the spill). */
  written: number;
  /** Write attempts that failed and were retried (replays included). */
  retried: number;
  /**
   * Not written, by reason: queue_full, rejected (by the database, or unmappable), write_failed, shutdown, invalid,
   * spill_full, spill_failed, spill_corrupt.
   */
  dropped: DropCounts;
  droppedTotal: number;
  queueDepth: number;
  queueBytes: number;
  /** Records in the batches being written or spilled. */
  inFlight: number;
  /** Records put in the spill by this processor. */
  spilled: number;
  /** Of those, not yet replayed. `recorded === written + droppedTotal + queueDepth + inFlight + spillPending`. */
  spillPending: number;
  /** Records that earlier processes left in the spill, written by this one (not part of `recorded`). */
  recovered: number;
  /** Spans that were neither agentspan's nor GenAI spans, and so not persisted. */
  ignored: number;
  /** The most recent write failure, with any credentials masked; null if no write failed. */
  lastError: string | null;
}

export interface AgentSpanProcessorHealth {
  queue: {
    /** Records waiting in the queue. */
    depth: number;
    /** Their estimated bytes. */
    bytes: number;
    /** Records in batches being written or spilled. */
    inFlight: number;
    inFlightBytes: number;
  };
  breaker: {
    /** `disabled` when the processor runs without a breaker. */
    state: BreakerState | 'disabled';
    consecutiveFailures: number;
    /** Times it opened since the processor started. */
    opened: number;
    /** When the next probe is due, while open. */
    nextProbeAt: Date | null;
  };
  /** The most recent write failure (credentials masked), or null. */
  lastError: string | null;
  spill: {
    enabled: boolean;
    directory: string | null;
    /** Spill files in the directory: bytes, records, files (this process's view). */
    bytes: number;
    records: number;
    files: number;
    /** Records this processor spilled that are not replayed yet. */
    pending: number;
    /** Damaged stretches of spill files skipped on replay, and their bytes. */
    corruptRegions: number;
    corruptBytes: number;
  };
  counters: {
    recorded: number;
    written: number;
    retried: number;
    spilled: number;
    recovered: number;
    dropped: DropCounts;
    droppedTotal: number;
    ignored: number;
    /** Executions this processor marked `abandoned`. */
    abandonedRuns: number;
  };
}
