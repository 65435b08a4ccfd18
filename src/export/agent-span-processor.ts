import type { Attributes, Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { runAttributesOf } from '../context/run-attributes';
import { reportOnce } from '../internal/report-once';
import { spanKindOf } from '../mapping/span-kind';
import { BatchPipeline } from '../pipeline/batch-pipeline';
import { timeoutOrDefault } from '../pipeline/options';
import type { DropReason, FlushResult } from '../pipeline/types';
import { TRACER_NAME } from '../semconv/tracer-name';
import { BatchExport } from './batch-export';
import { reasonOf, warnOnce } from './first-failure-warnings';
import { pendingSize, PendingRecord, type PendingSpan } from './pending-spans';
import { PostgresRecordExporter } from './postgres-record-exporter';
import { processorHealth, processorStats, spillPending, type HealthSources } from './processor-health';
import { publishHealthMetrics } from './processor-metrics';
import { resolveProcessorOptions } from './processor-options';
import type { RecordExporter } from './record-exporter';
import type { OfferOutcome, ReceivedBatch } from './received-spans';
import { SpanLineageTracker, type Placement } from './span-lineage';
import { SpanSpill } from './span-spill';
import { StaleRunSweeper } from './stale-run-sweeper';
import type { AgentSpanProcessorHealth, AgentSpanProcessorOptions, AgentSpanProcessorStats } from './types';

/** One warning per drop reason; the keys are made once, as drops happen on the application's path. */
const DROP_WARNING_KEYS: Record<DropReason, string> = {
  queue_full: 'dropped:queue_full',
  rejected: 'dropped:rejected',
  write_failed: 'dropped:write_failed',
  shutdown: 'dropped:shutdown',
  invalid: 'dropped:invalid',
  spill_full: 'dropped:spill_full',
  spill_failed: 'dropped:spill_failed',
  spill_corrupt: 'dropped:spill_corrupt',
};

/**
 * An OpenTelemetry SpanProcessor that persists agent runs into PostgreSQL.
 *
 * On the application's path it does O(1) work and never waits or throws: `onStart` queues a `running` record for
 * agent spans, `onEnd` queues the finished span. Mapping spans to records and writing them happen in the background,
 * batch by batch, through a bounded queue (drop-oldest, every drop counted), a circuit breaker and the exporter (the
 * bulk SpanWriter, by default); with a spill, what cannot be written now goes to files and is replayed later. Spans
 * that are neither agentspan's nor OTel GenAI spans are ignored.
 */
export class AgentSpanProcessor implements SpanProcessor {
  private readonly pipeline: BatchPipeline<PendingSpan>;
  private readonly shutdownTimeoutMs: number;
  /** withAgentContext attributes of other instrumentations' spans, kept from start to end. */
  private readonly runAttributes = new WeakMap<object, Attributes>();
  private readonly lineage = new SpanLineageTracker();
  private ignored = 0;
  private readonly export: BatchExport;
  private readonly spill: SpanSpill | undefined;
  private readonly sweeper: StaleRunSweeper | undefined;
  private readonly stopPublishingMetrics: () => void;
  private shutdownPromise: Promise<void> | undefined;

  /**
   * @param exporter where records are written instead of PostgreSQL (tests, other stores); `dataSource`,
   *   `connection` and `writer` are then not used, and stale runs are checked only if the exporter can.
   */
  constructor(options: AgentSpanProcessorOptions, exporter?: RecordExporter) {
    // The order matters: every option is checked before anything (a timer, the spill directory) is started.
    const settings = resolveProcessorOptions(options);
    const target = exporter ?? new PostgresRecordExporter(options);
    this.shutdownTimeoutMs = settings.shutdownTimeoutMs;
    const warn = settings.warnings;
    this.export = new BatchExport(target, (error) => {
      if (target.isTransientError(error)) {
        warnOnce(
          warn,
          'AGENTSPAN_DATABASE_UNAVAILABLE',
          `agentspan cannot write runs to the database: ${reasonOf(error)}. Records wait in the queue (within its bounds) ` +
            'and are written when it is back; telemetry.stats() and health() show the backlog.',
        );
      } else {
        warnOnce(warn, 'AGENTSPAN_WRITE_FAILED', `agentspan failed to write a batch of runs: ${reasonOf(error)}`);
      }
    });
    if (settings.spill !== undefined) this.spill = new SpanSpill(settings.spill);
    this.pipeline = new BatchPipeline<PendingSpan>({
      ...settings.queue,
      write: this.export.writeBatch,
      // Until the store is reachable, records wait (within the queue's bounds) rather than being dropped.
      isTransientError: this.export.isTransientError,
      sizeOf: pendingSize,
      breaker: settings.breaker ?? false,
      spill: this.spill,
      onDrop: (items, reason) =>
        warnOnce(
          warn,
          'AGENTSPAN_RECORDS_DROPPED',
          () =>
            `agentspan dropped ${items.length} record(s) that will never be stored (reason: ${reason}); ` +
            'telemetry.stats().dropped counts every drop by reason.',
          DROP_WARNING_KEYS[reason],
        ),
    });
    const breaker = this.pipeline.breaker;
    this.spill?.startReplay(this.export, breaker, settings.retry);
    if (settings.staleRuns !== undefined && target.abandonStaleRuns !== undefined) {
      const { abandonAfterMs, checkIntervalMs } = settings.staleRuns;
      this.sweeper = new StaleRunSweeper(
        () => target.abandonStaleRuns!(abandonAfterMs),
        checkIntervalMs,
        () => breaker === undefined || breaker.state === 'closed',
      );
      this.sweeper.start();
    }
    this.stopPublishingMetrics = publishHealthMetrics(() => this.health(), settings.meterProvider);
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

  /**
   * Queues ended spans received from elsewhere (the OTLP collector's requests), placed and mapped by
   * `prepareReceivedSpans`: all of them, or none when the queue has no room for them all without evicting records it
   * holds (`queue_full`: offer them again later) or the processor is shutting down (`stopped`). So a sender told to
   * retry still holds what was not taken, and nothing taken is dropped to make room.
   */
  offer(batch: ReceivedBatch): OfferOutcome {
    if (this.shutdownPromise) return 'stopped';
    const room = this.pipeline.room();
    if (batch.records.length > room.items || batch.bytes > room.bytes) return 'queue_full';
    this.ignored += batch.ignored;
    for (const record of batch.records) this.pipeline.enqueue(record);
    return 'queued';
  }

  /** Whether `count` more received spans would be queued now (see offer): for refusing a request before reading it. */
  hasRoomFor(count: number): boolean {
    return this.pipeline.room().items >= count;
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
    if (this.spill === undefined) return flushed;
    try {
      if (!flushed.complete) return { complete: false, pending: flushed.pending + this.spillPending() };
      const drained = await this.spill.whenOwnDrained(timeBox - (Date.now() - started));
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
    return processorStats(this.healthSources());
  }

  /** Queue, breaker, spill, last error and counters in one snapshot; the same figures are published as metrics. */
  health(): AgentSpanProcessorHealth {
    const breaker = this.pipeline.breaker?.snapshot();
    return processorHealth(this.healthSources(), breaker, this.spill, this.sweeper?.abandoned ?? 0);
  }

  /** Queues a finished span: the span itself when nothing goes with it (the common case: nothing allocated). */
  private enqueueEnded(span: ReadableSpan, placement: Placement | undefined): void {
    // Only other instrumentations' spans can have run attributes kept for them (see onStart).
    const run = span.instrumentationScope.name === TRACER_NAME ? undefined : this.runAttributes.get(span);
    this.pipeline.enqueue(
      run === undefined && placement === undefined ? span : new PendingRecord(span, 'end', run, placement),
    );
  }

  private healthSources(): HealthSources {
    return {
      pipeline: this.pipeline.stats(),
      replay: this.spill?.replayStats(),
      ignored: this.ignored,
      lastError: this.export.lastError,
    };
  }

  private spillPending(): number {
    return spillPending(this.pipeline.stats(), this.spill?.replayStats());
  }

  private async close(): Promise<void> {
    const deadline = Date.now() + this.shutdownTimeoutMs;
    try {
      this.sweeper?.stop();
      // Spans held for a model call whose outermost span never ended are written on their own rather than lost.
      for (const held of this.lineage.releaseAll()) this.enqueueEnded(held.span, held.placement);
      await this.pipeline.shutdown(this.shutdownTimeoutMs);
      await this.spill?.close(deadline - Date.now());
    } catch (error) {
      reportOnce('processor-shutdown', `AgentSpanProcessor.shutdown failed: ${String(error)}`);
    } finally {
      this.stopPublishingMetrics();
    }
  }
}
