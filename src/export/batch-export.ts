import { maskUrlsIn } from '../capture/mask-url';
import { describeError } from '../internal/describe-error';
import type { SpanRecord } from '../model/records';
import type { WriteResult } from '../pipeline/types';
import { mapBatchInSlices, settleResources, type PendingSpan } from './pending-spans';
import type { RecordExporter } from './record-exporter';

const NOTHING_WRITTEN: WriteResult<SpanRecord> = Object.freeze({ written: 0, rejected: [] });

/**
 * The processor's side of every write, in the background: a batch of queued spans mapped to records and handed to
 * the exporter, and the records it refused traced back to the queued spans they came from (the pipeline counts
 * those). The spill's replay writes through the same exporter. The last failure is kept, credentials masked, for
 * `stats()` and `health()`.
 */
export class BatchExport {
  private lastFailure: string | null = null;

  /** @param onFailure told of every failed write, e.g. to warn; must not throw. */
  constructor(
    private readonly exporter: RecordExporter,
    private readonly onFailure: (error: unknown) => void = () => undefined,
  ) {}

  /** The most recent write failure, with any credentials masked; null if no write failed. */
  get lastError(): string | null {
    return this.lastFailure;
  }

  /** The pipeline's writer. */
  readonly writeBatch = (batch: PendingSpan[], signal: AbortSignal): Promise<WriteResult<PendingSpan>> =>
    this.noteFailure(() => this.exportBatch(batch, signal));

  /** The spill replay's writer: records as read back from the spill. */
  readonly writeRecords = (records: SpanRecord[]): Promise<WriteResult<SpanRecord>> =>
    this.noteFailure(() => this.exporter.export(records));

  readonly isTransientError = (error: unknown): boolean => this.exporter.isTransientError(error);

  private async exportBatch(batch: PendingSpan[], signal: AbortSignal): Promise<WriteResult<PendingSpan>> {
    await this.exporter.ready?.();
    await settleResources(batch);
    const { records, sources, rejected } = await mapBatchInSlices(batch, false);
    const result = records.length > 0 ? await this.exporter.export(records, signal) : NOTHING_WRITTEN;
    if (result.rejected.length > 0) {
      // Rare: only now is it worth a lookup table from record to span.
      const sourceOf = new Map(records.map((record, i) => [record, sources[i]!]));
      for (const { record, reason } of result.rejected) {
        const source = sourceOf.get(record);
        if (source) rejected.push({ record: source, reason });
      }
    }
    return { written: result.written, rejected };
  }

  /** Runs a write, remembering why it failed before passing the failure on. */
  private async noteFailure<R>(write: () => Promise<R>): Promise<R> {
    try {
      return await write();
    } catch (error) {
      this.lastFailure = maskUrlsIn(describeError(error));
      this.onFailure(error);
      throw error;
    }
  }
}
