import type { DataSource } from 'typeorm';
import type { BatchPipelineOptions, DropCounts } from '../pipeline/types';
import type { SpanWriterOptions } from '../store/span-writer';
import type { StoreConnection } from '../store/store-connection';

/** Sizes and timing of the queue between the processor and the database. */
export type QueueOptions = Pick<
  BatchPipelineOptions<unknown>,
  'maxQueueSize' | 'maxQueueBytes' | 'maxBatchSize' | 'flushIntervalMs' | 'maxConcurrentWrites' | 'retry'
>;

export interface AgentSpanProcessorOptions {
  /** An initialized TypeORM DataSource on PostgreSQL with agentspan's migrations applied (see runMigrations). */
  dataSource?: DataSource;
  /** Instead of dataSource: a connection opened (and retried) on demand, as startAgentTelemetry uses. */
  connection?: StoreConnection;
  queue?: QueueOptions;
  writer?: SpanWriterOptions;
  /** How long shutdown() may take to write what is queued. Default 10,000 ms. */
  shutdownTimeoutMs?: number;
}

export interface AgentSpanProcessorStats {
  /** Spans (and agent starts) queued for writing. */
  recorded: number;
  /** Of those, written to the database. */
  written: number;
  /** Write attempts that failed and were retried. */
  retried: number;
  /** Not written, by reason: queue_full, rejected (by the database, or unmappable), write_failed, shutdown, invalid. */
  dropped: DropCounts;
  droppedTotal: number;
  queueDepth: number;
  queueBytes: number;
  /** Records in the batches being written. */
  inFlight: number;
  /** Spans that were neither agentspan's nor GenAI spans, and so not persisted. */
  ignored: number;
  lastError: string | null;
}
