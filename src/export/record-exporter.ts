import type { SpanRecord } from '../model/records';
import type { WriteResult } from '../pipeline/types';

/**
 * Where the processor's records are written, as a SpanExporter is where an OpenTelemetry BatchSpanProcessor's spans
 * go: the processor queues, batches, retries, spills and counts; the exporter only writes. The processor calls it
 * from the background, with tracing suppressed, never from the application's path. `PostgresRecordExporter` is the
 * one agentspan ships.
 */
export interface RecordExporter {
  /**
   * Writes records, idempotently (a batch may be written again after a timeout or a crash). Resolves with the records
   * refused for their own data; rejects when the whole write failed (retried while `isTransientError` says so). The
   * signal aborts when the processor gives up on the attempt (`queue.writeTimeoutMs`).
   */
  export(records: SpanRecord[], signal?: AbortSignal): Promise<WriteResult<SpanRecord>>;
  /** Whether a failed export is worth retrying: the destination is away or overloaded, not the data wrong. */
  isTransientError(error: unknown): boolean;
  /**
   * Resolves once a write can be attempted (for PostgreSQL: connected and migrated); rejecting fails the attempt.
   * Called before a batch is mapped to records, so an outage costs no mapping and holds no mapped records.
   */
  ready?(): Promise<void>;
  /** Marks runs left `running` by a crashed process as `abandoned`; without it, the processor checks for none. */
  abandonStaleRuns?(abandonAfterMs: number): Promise<number>;
}
