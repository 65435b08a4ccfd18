import type { Attributes, Context } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { DataSource } from 'typeorm';
import { runAttributesOf } from '../context/run-attributes';
import { reportOnce } from '../internal/report-once';
import { BatchPipeline } from '../pipeline/batch-pipeline';
import type { FlushResult, RejectedRecord } from '../pipeline/types';
import { ATTR_AGENTSPAN_INPUT, ATTR_AGENTSPAN_KIND, ATTR_AGENTSPAN_OUTPUT, ATTR_GEN_AI_OPERATION_NAME } from '../semconv/attributes';
import { TRACER_NAME } from '../semconv/tracer-name';
import { isTransientError } from '../store/errors';
import type { SpanRecord } from '../store/records';
import { SpanWriter, type SpanWriterOptions } from '../store/span-writer';
import { StoreConnection, StoreUnavailableError } from '../store/store-connection';
import { mapSpan, type SpanPhase } from './map-span';
import { spanKindOf } from './span-kind';
import type { AgentSpanProcessorOptions, AgentSpanProcessorStats } from './types';

/**
 * A span waiting to be written, mapped to its record only when its batch is written: the finished span itself (the
 * common case: nothing allocated, nothing more for the garbage collector to copy while it waits), or a
 * PendingRecord for an agent's start or a span that came with withAgentContext attributes.
 */
type PendingSpan = ReadableSpan | PendingRecord;

class PendingRecord {
  constructor(
    readonly span: ReadableSpan,
    readonly phase: SpanPhase,
    readonly runAttributes: Attributes | undefined,
  ) {}
}

function spanOf(pending: PendingSpan): ReadableSpan {
  return pending instanceof PendingRecord ? pending.span : pending;
}

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * An OpenTelemetry SpanProcessor that persists agent runs into PostgreSQL.
 *
 * On the application's path it does O(1) work and never waits or throws: `onStart` queues a `running` record for
 * agent spans, `onEnd` queues the finished span. Mapping spans to records and writing them happen in the background,
 * batch by batch, through a bounded queue (drop-oldest, every drop counted) and the bulk SpanWriter. Spans that are
 * neither agentspan's nor OTel GenAI spans are ignored.
 */
export class AgentSpanProcessor implements SpanProcessor {
  private readonly pipeline: BatchPipeline<PendingSpan>;
  private readonly shutdownTimeoutMs: number;
  /** withAgentContext attributes of other instrumentations' spans, kept from start to end. */
  private readonly runAttributes = new WeakMap<object, Attributes>();
  private ignored = 0;
  private writerOptions: SpanWriterOptions | undefined;
  private writer: { dataSource: DataSource; writer: SpanWriter } | undefined;

  constructor(options: AgentSpanProcessorOptions) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError('agentspan: AgentSpanProcessor expects an options object with a dataSource');
    }
    // The order matters: options are checked before anything (the pipeline's timer) is started.
    const connection = options.connection ?? connectionOf(options.dataSource);
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    if (!Number.isFinite(this.shutdownTimeoutMs) || this.shutdownTimeoutMs <= 0) {
      throw new TypeError('agentspan: AgentSpanProcessor option shutdownTimeoutMs must be a positive number');
    }
    this.pipeline = new BatchPipeline<PendingSpan>({
      // Bigger batches than the pipeline's defaults: the bulk writer is several times faster per span at 5,000.
      maxQueueSize: 50_000,
      maxBatchSize: 5_000,
      // The next batch is mapped while the previous one is in the database, so Node and PostgreSQL work at once.
      // Order across batches does not matter to the writer: a running record never overwrites a final one, and
      // totals are recomputed under per-trace locks after whichever batch commits last.
      maxConcurrentWrites: 2,
      ...options.queue,
      write: async (batch) => this.write(await this.writerFor(connection), batch),
      // Until the store is reachable, records wait (within the queue's bounds) rather than being dropped.
      isTransientError: (error) => error instanceof StoreUnavailableError || isTransientError(error),
      sizeOf: pendingSize,
    });
    this.writerOptions = options.writer;
  }

  onStart(span: Span, parentContext: Context): void {
    try {
      const own = span.instrumentationScope.name === TRACER_NAME;
      if (!own) {
        const run = runAttributesOf(parentContext);
        if (run) this.runAttributes.set(span, run);
      }
      const isAgent = own
        ? span.attributes[ATTR_AGENTSPAN_KIND] === 'agent'
        : span.attributes[ATTR_GEN_AI_OPERATION_NAME] === 'invoke_agent';
      if (isAgent) this.pipeline.enqueue(new PendingRecord(span, 'start', own ? undefined : this.runAttributes.get(span)));
    } catch (error) {
      reportOnce('processor-start', `AgentSpanProcessor.onStart failed: ${String(error)}`);
    }
  }

  onEnd(span: ReadableSpan): void {
    try {
      const scope = span.instrumentationScope.name;
      if (spanKindOf(span.attributes, scope) === undefined) {
        this.ignored++;
        return;
      }
      // Only other instrumentations' spans can have run attributes kept for them (see onStart).
      const run = scope === TRACER_NAME ? undefined : this.runAttributes.get(span);
      this.pipeline.enqueue(run === undefined ? span : new PendingRecord(span, 'end', run));
    } catch (error) {
      reportOnce('processor-end', `AgentSpanProcessor.onEnd failed: ${String(error)}`);
    }
  }

  /** Resolves when everything recorded before the call is written or counted as dropped, or after the timeout. */
  flush(timeoutMs?: number): Promise<FlushResult> {
    return this.pipeline.forceFlush(timeoutMs);
  }

  async forceFlush(): Promise<void> {
    await this.pipeline.forceFlush();
  }

  /** Flushes within the timeout, then counts what is left as dropped. Idempotent; never rejects, never hangs. */
  shutdown(): Promise<void> {
    return this.pipeline.shutdown(this.shutdownTimeoutMs);
  }

  stats(): AgentSpanProcessorStats {
    const pipeline = this.pipeline.stats();
    return {
      recorded: pipeline.enqueued,
      written: pipeline.written,
      retried: pipeline.retried,
      dropped: { ...pipeline.dropped },
      droppedTotal: pipeline.droppedTotal,
      queueDepth: pipeline.queueDepth,
      queueBytes: pipeline.queueBytes,
      inFlight: pipeline.inFlight,
      ignored: this.ignored,
      lastError: pipeline.lastError,
    };
  }

  private async writerFor(connection: StoreConnection): Promise<SpanWriter> {
    const dataSource = await connection.dataSource();
    if (this.writer?.dataSource !== dataSource) {
      this.writer = { dataSource, writer: new SpanWriter(dataSource, this.writerOptions) };
    }
    return this.writer.writer;
  }

  /** Runs in the background: maps the batch's spans to records and writes them in bulk. */
  private async write(writer: SpanWriter, batch: PendingSpan[]) {
    await settleResources(batch);
    const records: SpanRecord[] = [];
    const sources = new Map<SpanRecord, PendingSpan>();
    const rejected: Array<RejectedRecord<PendingSpan>> = [];
    for (const pending of batch) {
      try {
        const record =
          pending instanceof PendingRecord
            ? mapSpan(pending.span, pending.phase, pending.runAttributes)
            : mapSpan(pending, 'end');
        if (record) {
          records.push(record);
          sources.set(record, pending);
        }
      } catch (error) {
        rejected.push({ record: pending, reason: `mapping failed: ${String(error)}` });
      }
    }
    const result = records.length > 0 ? await writer.write(records) : { written: 0, rejected: [] };
    for (const { record, reason } of result.rejected) {
      const source = sources.get(record);
      if (source) rejected.push({ record: source, reason });
    }
    return { written: result.written, rejected };
  }
}

/**
 * The SDK detects some resource attributes asynchronously (host id, say); reading them before they settle is an
 * error, so the batch waits for them here, in the background, as the SDK's own exporters do.
 */
async function settleResources(batch: PendingSpan[]): Promise<void> {
  const pending = new Set<Resource>();
  for (const item of batch) {
    const resource = spanOf(item).resource;
    if (resource?.asyncAttributesPending) pending.add(resource);
  }
  for (const resource of pending) await resource.waitForAsyncAttributes?.();
}

/** What a queued span holds on to, roughly: its captured payloads plus a fixed overhead. */
function pendingSize(pending: PendingSpan): number {
  const span = spanOf(pending);
  const attributes = span.attributes;
  const input = attributes[ATTR_AGENTSPAN_INPUT];
  const output = attributes[ATTR_AGENTSPAN_OUTPUT];
  return (
    1_024 +
    (typeof input === 'string' ? input.length * 2 : 0) +
    (typeof output === 'string' ? output.length * 2 : 0) +
    span.events.length * 256
  );
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
