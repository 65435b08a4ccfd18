import { diag, type Attributes, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { DataSource } from 'typeorm';
import { runAttributesOf } from '../context/run-attributes';
import { reportOnce } from '../internal/report-once';
import { waitBriefly } from '../internal/wait-briefly';
import { BatchPipeline } from '../pipeline/batch-pipeline';
import { resolvePipelineOptions, timeoutOrDefault } from '../pipeline/options';
import { SpillReplayer } from '../pipeline/spill/spill-replayer';
import { SpillStore } from '../pipeline/spill/spill-store';
import type { BatchPipelineOptions, DropCounts, FlushResult, SpillResult } from '../pipeline/types';
import { TRACER_NAME } from '../semconv/tracer-name';
import { isTransientError } from '../store/connection/errors';
import { maskUrlsIn } from '../capture/mask-url';
import type { SpanRecord } from '../model/records';
import { abandonStaleRuns } from '../store/maintenance/stale-runs';
import { checkSpanWriterOptions, SpanWriter, type SpanWriterOptions } from '../store/write/span-writer';
import { StoreConnection, StoreUnavailableError } from '../store/connection/store-connection';
import {
  mapBatch,
  mapBatchInSlices,
  PendingRecord,
  pendingSize,
  settleResources,
  type MappedBatch,
  type PendingSpan,
} from './pending-spans';
import { publishHealthMetrics } from './processor-metrics';
import { resolveReliabilityOptions } from './processor-options';
import { spanKindOf } from '../mapping/span-kind';
import { SpanLineageTracker, type Placement } from './span-lineage';
import { isSpanRecord } from '../mapping/span-record-shape';
import { StaleRunSweeper } from './stale-run-sweeper';
import type { AgentSpanProcessorHealth, AgentSpanProcessorOptions, AgentSpanProcessorStats } from './types';

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
const DEFAULT_WRITE_TIMEOUT_MS = 120_000;
// Closing the spill (a last sync, then giving up the session) gets at least this long, even after a full time box.
const MIN_SPILL_CLOSE_MS = 250;

/**
 * An OpenTelemetry SpanProcessor that persists agent runs into PostgreSQL.
 *
 * On the application's path it does O(1) work and never waits or throws: `onStart` queues a `running` record for
 * agent spans, `onEnd` queues the finished span. Mapping spans to records and writing them happen in the background,
 * batch by batch, through a bounded queue (drop-oldest, every drop counted), a circuit breaker and the bulk
 * SpanWriter; with a spill, what cannot be written now goes to files and is replayed later. Spans that are neither
 * agentspan's nor OTel GenAI spans are ignored.
 */
export class AgentSpanProcessor implements SpanProcessor {
  private readonly pipeline: BatchPipeline<PendingSpan>;
  private readonly shutdownTimeoutMs: number;
  /** withAgentContext attributes of other instrumentations' spans, kept from start to end. */
  private readonly runAttributes = new WeakMap<object, Attributes>();
  private readonly lineage = new SpanLineageTracker();
  private ignored = 0;
  private writerOptions: SpanWriterOptions | undefined;
  private writer: { dataSource: DataSource; writer: SpanWriter } | undefined;
  private readonly spillStore: SpillStore<SpanRecord> | undefined;
  private readonly replayer: SpillReplayer<SpanRecord> | undefined;
  private readonly sweeper: StaleRunSweeper | undefined;
  private readonly stopPublishingMetrics: () => void;
  private lastError: string | null = null;
  private shutdownPromise: Promise<void> | undefined;

  constructor(options: AgentSpanProcessorOptions) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError('agentspan: AgentSpanProcessor expects an options object with a dataSource');
    }
    // The order matters: every option is checked before anything (a timer, the spill directory) is started.
    const connection = options.connection ?? connectionOf(options.dataSource);
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    if (!Number.isFinite(this.shutdownTimeoutMs) || this.shutdownTimeoutMs <= 0) {
      throw new TypeError('agentspan: AgentSpanProcessor option shutdownTimeoutMs must be a positive number');
    }
    const reliability = resolveReliabilityOptions(options);
    const pipelineOptions: BatchPipelineOptions<PendingSpan> = {
      // Bigger batches than the pipeline's defaults: the bulk writer is several times faster per span at 5,000.
      maxQueueSize: 50_000,
      maxBatchSize: 5_000,
      // The next batch is mapped while the previous one is in the database, so Node and PostgreSQL work at once.
      // Order across batches does not matter to the writer: a running record never overwrites a final one, and
      // totals are recomputed under per-trace locks after whichever batch commits last.
      maxConcurrentWrites: 2,
      // Our own connections time out every statement; an application's DataSource may have no timeouts at all, and a
      // database that stops answering must not hold a batch forever. The writer is idempotent, so a retry is safe.
      writeTimeoutMs: DEFAULT_WRITE_TIMEOUT_MS,
      ...options.queue,
      write: async (batch, signal) =>
        this.noteFailure(connection, async () => this.write(await this.writerFor(connection), batch, signal)),
      // Until the store is reachable, records wait (within the queue's bounds) rather than being dropped.
      isTransientError: isStoreTransient,
      sizeOf: pendingSize,
      breaker: reliability.breaker ?? false,
      spill:
        reliability.spill === undefined
          ? undefined
          : { store: (batch) => this.spill(batch), storeSync: (batch) => this.spillSync(batch) },
    };
    // Throws on a bad queue option before the spill directory is touched.
    const { retry } = resolvePipelineOptions(pipelineOptions);
    checkSpanWriterOptions(options.writer);
    this.writerOptions = options.writer;

    if (reliability.spill !== undefined) this.spillStore = new SpillStore<SpanRecord>(reliability.spill);
    this.pipeline = new BatchPipeline<PendingSpan>(pipelineOptions);
    const breaker = this.pipeline.breaker;
    if (this.spillStore !== undefined) {
      this.replayer = new SpillReplayer<SpanRecord>(
        this.spillStore,
        {
          write: (records) => this.noteFailure(connection, async () => (await this.writerFor(connection)).write(records)),
          isTransientError: isStoreTransient,
          isRecord: isSpanRecord,
        },
        breaker,
        retry,
      );
      this.replayer.start();
    }
    if (reliability.staleRuns !== undefined) {
      const { abandonAfterMs, checkIntervalMs } = reliability.staleRuns;
      this.sweeper = new StaleRunSweeper(
        async () => abandonStaleRuns(await connection.dataSource(), { abandonAfterMs }),
        checkIntervalMs,
        () => breaker === undefined || breaker.state === 'closed',
      );
      this.sweeper.start();
    }
    this.stopPublishingMetrics = publishHealthMetrics(() => this.health(), reliability.meterProvider);
  }

  onStart(span: Span, parentContext: Context): void {
    try {
      const scope = span.instrumentationScope.name;
      const own = scope === TRACER_NAME;
      let run: Attributes | undefined;
      if (!own) {
        run = runAttributesOf(parentContext);
        if (run) this.runAttributes.set(span, run);
      }
      // agentspan's own role first (one attribute read for its own spans), else what another dialect says.
      const kind = spanKindOf(span.attributes, scope, span.name);
      const placement = this.lineage.start(span, parentContext, kind, own);
      if (kind === 'agent') this.pipeline.enqueue(new PendingRecord(span, 'start', run, placement));
    } catch (error) {
      reportOnce('processor-start', `AgentSpanProcessor.onStart failed: ${String(error)}`);
    }
  }

  onEnd(span: ReadableSpan): void {
    try {
      const scope = span.instrumentationScope.name;
      const kind = spanKindOf(span.attributes, scope, span.name);
      if (kind === undefined) {
        this.ignored++;
        return;
      }
      const decision = this.lineage.end(span, kind);
      if (decision.kind === 'held') return;
      if (decision.kind === 'release') {
        for (const member of decision.spans) this.enqueueEnded(member.span, member.placement);
        return;
      }
      this.enqueueEnded(span, decision.placement);
    } catch (error) {
      reportOnce('processor-end', `AgentSpanProcessor.onEnd failed: ${String(error)}`);
    }
  }

  /** Queues a finished span: the span itself when nothing goes with it (the common case: nothing allocated). */
  private enqueueEnded(span: ReadableSpan, placement: Placement | undefined): void {
    // Only other instrumentations' spans can have run attributes kept for them (see onStart).
    const run = span.instrumentationScope.name === TRACER_NAME ? undefined : this.runAttributes.get(span);
    this.pipeline.enqueue(run === undefined && placement === undefined ? span : new PendingRecord(span, 'end', run, placement));
  }

  /**
   * Resolves when everything recorded before the call is written or counted as dropped, or after the timeout. With a
   * spill, what went there must have been replayed too; `pending` then also counts this processor's records still
   * in the spill. Never rejects.
   */
  async flush(timeoutMs?: number): Promise<FlushResult> {
    const timeBox = timeoutOrDefault(timeoutMs);
    const started = Date.now();
    const flushed = await this.pipeline.forceFlush(timeBox);
    if (this.replayer === undefined) return flushed;
    try {
      if (!flushed.complete) return { complete: false, pending: flushed.pending + this.spillPending() };
      const drained = await this.replayer.whenOwnDrained(timeBox - (Date.now() - started));
      return drained ? { complete: true, pending: 0 } : { complete: false, pending: Math.max(1, this.spillPending()) };
    } catch (error) {
      reportOnce('processor-flush', `AgentSpanProcessor.flush failed: ${String(error)}`);
      return { complete: false, pending: this.spillPending() };
    }
  }

  async forceFlush(): Promise<void> {
    await this.flush();
  }

  /**
   * Writes what is queued within the time box; what is not written by then goes to the spill (when there is one) or
   * is counted as dropped (`shutdown`). Then stops the replay and the stale-run checks and closes the spill.
   * Idempotent; never rejects, never hangs.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.close();
    return this.shutdownPromise;
  }

  /** Runs one stale-run check now (they also run periodically); resolves with the executions it abandoned. */
  abandonStaleRuns(): Promise<number> {
    return this.sweeper?.runOnce() ?? Promise.resolve(0);
  }

  stats(): AgentSpanProcessorStats {
    const pipeline = this.pipeline.stats();
    const replay = this.replayer?.stats();
    const dropped: DropCounts = { ...pipeline.dropped };
    let droppedTotal = pipeline.droppedTotal;
    if (replay !== undefined) {
      for (const reason of ['rejected', 'write_failed', 'spill_corrupt'] as const) {
        dropped[reason] += replay.ownDropped[reason];
        droppedTotal += replay.ownDropped[reason];
      }
    }
    return {
      recorded: pipeline.enqueued,
      written: pipeline.written + (replay?.ownWritten ?? 0),
      retried: pipeline.retried + (replay?.retried ?? 0),
      dropped,
      droppedTotal,
      queueDepth: pipeline.queueDepth,
      queueBytes: pipeline.queueBytes,
      inFlight: pipeline.inFlight,
      spilled: pipeline.spilled,
      spillPending: this.spillPending(),
      recovered: replay?.recovered ?? 0,
      ignored: this.ignored,
      lastError: this.lastError,
    };
  }

  /** Queue, breaker, spill, last error and counters in one snapshot; the same figures are published as metrics. */
  health(): AgentSpanProcessorHealth {
    const stats = this.stats();
    const pipeline = this.pipeline.stats();
    const breaker = this.pipeline.breaker?.snapshot();
    const replay = this.replayer?.stats();
    const spillSize = this.spillStore?.size() ?? { bytes: 0, records: 0, files: 0 };
    return {
      queue: {
        depth: pipeline.queueDepth,
        bytes: pipeline.queueBytes,
        inFlight: pipeline.inFlight,
        inFlightBytes: pipeline.inFlightBytes,
      },
      breaker: {
        state: breaker?.state ?? 'disabled',
        consecutiveFailures: breaker?.consecutiveFailures ?? 0,
        opened: breaker?.opened ?? 0,
        nextProbeAt: breaker?.nextProbeAt == null ? null : new Date(breaker.nextProbeAt),
      },
      lastError: stats.lastError,
      spill: {
        enabled: this.spillStore !== undefined,
        directory: this.spillStore?.directory ?? null,
        ...spillSize,
        pending: stats.spillPending,
        corruptRegions: replay?.corruptRegions ?? 0,
        corruptBytes: replay?.corruptBytes ?? 0,
      },
      counters: {
        recorded: stats.recorded,
        written: stats.written,
        retried: stats.retried,
        spilled: stats.spilled,
        recovered: stats.recovered,
        dropped: stats.dropped,
        droppedTotal: stats.droppedTotal,
        ignored: stats.ignored,
        abandonedRuns: this.sweeper?.abandoned ?? 0,
      },
    };
  }

  private async close(): Promise<void> {
    const deadline = Date.now() + this.shutdownTimeoutMs;
    try {
      this.sweeper?.stop();
      // Spans held for a model call whose outermost span never ended are written on their own rather than lost.
      for (const held of this.lineage.releaseAll()) this.enqueueEnded(held.span, held.placement);
      await this.pipeline.shutdown(this.shutdownTimeoutMs);
      this.replayer?.stop();
      if (this.spillStore !== undefined) {
        const left = Math.max(MIN_SPILL_CLOSE_MS, deadline - Date.now());
        await waitBriefly(this.spillStore.close(), left).catch((error: unknown) => {
          diag.warn(`agentspan: closing the spill did not finish cleanly: ${String(error)}`);
        });
      }
    } catch (error) {
      reportOnce('processor-shutdown', `AgentSpanProcessor.shutdown failed: ${String(error)}`);
    } finally {
      this.stopPublishingMetrics();
    }
  }

  /** Records this processor spilled that were neither replayed nor counted as dropped yet. */
  private spillPending(): number {
    const replay = this.replayer?.stats();
    if (replay === undefined) return 0;
    const { rejected, write_failed, spill_corrupt } = replay.ownDropped;
    return this.pipeline.stats().spilled - replay.ownWritten - rejected - write_failed - spill_corrupt;
  }

  /** Runs a write, remembering why it failed (with credentials masked) before passing the failure on. */
  private async noteFailure<R>(connection: StoreConnection, write: () => Promise<R>): Promise<R> {
    try {
      return await write();
    } catch (error) {
      connection.noteFailure(error);
      this.lastError = maskUrlsIn(describeError(error));
      throw error;
    }
  }

  /** The spill sink of the pipeline: maps the batch's spans to records and appends them to the spill. */
  private async spill(batch: PendingSpan[]): Promise<SpillResult<PendingSpan>> {
    await settleResources(batch);
    const mapped = await mapBatchInSlices(batch, true);
    const stored = mapped.records.length === 0 || (await this.spillStore!.append(mapped.records));
    return spillResult(mapped, stored);
  }

  private spillSync(batch: PendingSpan[]): SpillResult<PendingSpan> {
    const mapped = mapBatch(batch, true);
    const stored = mapped.records.length === 0 || this.spillStore!.appendSync(mapped.records);
    return spillResult(mapped, stored);
  }

  private async writerFor(connection: StoreConnection): Promise<SpanWriter> {
    const dataSource = await connection.dataSource();
    if (this.writer?.dataSource !== dataSource) {
      this.writer = { dataSource, writer: new SpanWriter(dataSource, this.writerOptions) };
    }
    return this.writer.writer;
  }

  /** Runs in the background: maps the batch's spans to records and writes them in bulk. */
  private async write(writer: SpanWriter, batch: PendingSpan[], signal: AbortSignal) {
    await settleResources(batch);
    const { records, sources, rejected } = await mapBatchInSlices(batch, false);
    const result = records.length > 0 ? await writer.write(records, { signal }) : { written: 0, rejected: [] };
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
}

/** What the pipeline counts: unmappable spans as rejected, and every mapped one as refused if the spill was full. */
function spillResult(mapped: MappedBatch, stored: boolean): SpillResult<PendingSpan> {
  return { rejected: mapped.rejected, refused: stored ? [] : mapped.sources };
}

function isStoreTransient(error: unknown): boolean {
  return error instanceof StoreUnavailableError || isTransientError(error);
}

function describeError(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return 'an error that cannot be described';
  }
}

function connectionOf(dataSource: unknown): StoreConnection {
  const usable =
    typeof dataSource === 'object' &&
    dataSource !== null &&
    typeof (dataSource as DataSource).query === 'function' &&
    (dataSource as DataSource).isInitialized === true;
  if (!usable) {
    throw new TypeError('agentspan: AgentSpanProcessor option dataSource must be an initialized TypeORM DataSource');
  }
  return StoreConnection.of(dataSource as DataSource);
}
