import { diag } from '@opentelemetry/api';
import { waitBriefly } from '../internal/wait-briefly';
import { isSpanRecord } from '../mapping/span-record-shape';
import type { SpanRecord } from '../model/records';
import type { BackoffPolicy } from '../pipeline/backoff';
import type { CircuitBreaker } from '../pipeline/circuit-breaker';
import { SpillReplayer, type ReplayStats } from '../pipeline/spill/spill-replayer';
import { SpillStore } from '../pipeline/spill/spill-store';
import type { ResolvedSpillOptions } from '../pipeline/spill/types';
import type { SpillResult, SpillSink } from '../pipeline/types';
import type { BatchExport } from './batch-export';
import { mapBatch, mapBatchInSlices, settleResources, type MappedBatch, type PendingSpan } from './pending-spans';

// Closing the spill (a last sync, then giving up the session) gets at least this long, even after a full time box.
const MIN_SPILL_CLOSE_MS = 250;

/**
 * The processor's durable spill: the pipeline's spill sink (queued spans mapped to records first, so the files hold
 * plain JSON that outlives the process) and the replay that writes them back through the exporter, behind the
 * pipeline's breaker. Building one opens the spill directory (a directory it cannot use throws here).
 */
export class SpanSpill implements SpillSink<PendingSpan> {
  private readonly files: SpillStore<SpanRecord>;
  private replayer: SpillReplayer<SpanRecord> | undefined;

  constructor(options: ResolvedSpillOptions) {
    this.files = new SpillStore<SpanRecord>(options);
  }

  get directory(): string {
    return this.files.directory;
  }

  /** Spill files in the directory: bytes, records, files (this process's view). */
  size(): { bytes: number; records: number; files: number } {
    return this.files.size();
  }

  /** Replays what the spill holds (this session's and earlier ones'), now and whenever the breaker lets it. */
  startReplay(exporter: BatchExport, breaker: CircuitBreaker | undefined, retry: BackoffPolicy): void {
    const target = {
      write: exporter.writeRecords,
      isTransientError: exporter.isTransientError,
      isRecord: isSpanRecord,
    };
    this.replayer = new SpillReplayer<SpanRecord>(this.files, target, breaker, retry);
    this.replayer.start();
  }

  replayStats(): ReplayStats | undefined {
    return this.replayer?.stats();
  }

  /** True once nothing this session spilled is left to replay, false after `timeoutMs`. Never rejects. */
  whenOwnDrained(timeoutMs: number): Promise<boolean> {
    return this.replayer?.whenOwnDrained(timeoutMs) ?? Promise.resolve(true);
  }

  /** The pipeline's spill sink: maps the batch's spans to records and appends them. */
  async store(batch: PendingSpan[]): Promise<SpillResult<PendingSpan>> {
    await settleResources(batch);
    const mapped = await mapBatchInSlices(batch, true);
    const stored = mapped.records.length === 0 || (await this.files.append(mapped.records));
    return spillResult(mapped, stored);
  }

  /** The same, synchronously: shutdown's last step. */
  storeSync(batch: PendingSpan[]): SpillResult<PendingSpan> {
    const mapped = mapBatch(batch, true);
    const stored = mapped.records.length === 0 || this.files.appendSync(mapped.records);
    return spillResult(mapped, stored);
  }

  /** Stops the replay and closes the spill (a last sync, then the session lock is released), within `timeoutMs`. */
  async close(timeoutMs: number): Promise<void> {
    this.replayer?.stop();
    await waitBriefly(this.files.close(), Math.max(MIN_SPILL_CLOSE_MS, timeoutMs)).catch((error: unknown) => {
      diag.warn(`agentspan: closing the spill did not finish cleanly: ${String(error)}`);
    });
  }
}

/** What the pipeline counts: unmappable spans as rejected, and every mapped one as refused if the spill was full. */
function spillResult(mapped: MappedBatch, stored: boolean): SpillResult<PendingSpan> {
  return { rejected: mapped.rejected, refused: stored ? [] : mapped.sources };
}
