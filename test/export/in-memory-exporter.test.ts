import { context, trace, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, type ReadableSpan, type Span, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AgentSpanProcessor } from '../../src/export/agent-span-processor';
import type { RecordExporter } from '../../src/export/record-exporter';
import type { AgentSpanProcessorOptions, AgentSpanProcessorStats } from '../../src/export/types';
import { Agent, LLM, Tool, Trace } from '../../src/instrument';
import type { SpanRecord } from '../../src/model/records';
import type { WriteResult } from '../../src/pipeline/types';

/**
 * The processor and its pipeline against an exporter that keeps records in memory: no database anywhere, so what is
 * checked here is the processor's own part (lineage, queueing, batching, retries, counting, shutdown).
 */

class Unreachable extends Error {
  override readonly name = 'Unreachable';
}

class InMemoryRecordExporter implements RecordExporter {
  readonly records: SpanRecord[] = [];
  exports = 0;
  /** Errors the next exports fail with, in order. */
  readonly failures: unknown[] = [];
  /** A reason for each record it refuses, undefined for the ones it keeps. */
  refuse: (record: SpanRecord) => string | undefined = () => undefined;
  /** While set, exports wait for it. */
  gate: Promise<void> | undefined;

  async export(records: SpanRecord[]): Promise<WriteResult<SpanRecord>> {
    this.exports++;
    if (this.gate) await this.gate;
    if (this.failures.length > 0) throw this.failures.shift();
    const rejected: Array<{ record: SpanRecord; reason: string }> = [];
    for (const record of records) {
      const reason = this.refuse(record);
      if (reason === undefined) this.records.push(record);
      else rejected.push({ record, reason });
    }
    return { written: records.length - rejected.length, rejected };
  }

  isTransientError(error: unknown): boolean {
    return error instanceof Unreachable;
  }

  names(status?: SpanRecord['execution']['status']): string[] {
    return this.records
      .filter((r) => status === undefined || r.execution.status === status)
      .map((r) => r.execution.name);
  }
}

/** The global provider's one processor, switched per test: decorators resolve their tracer once, globally. */
class SwitchedProcessor implements SpanProcessor {
  current: SpanProcessor | undefined;
  onStart(span: Span, parentContext: Context): void {
    this.current?.onStart(span, parentContext);
  }
  onEnd(span: ReadableSpan): void {
    this.current?.onEnd(span);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const switched = new SwitchedProcessor();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [switched] }));

@Agent({ name: 'Researcher', version: '2' })
class Researcher {
  @Trace() async run(topic: string) {
    const facts = await this.search(topic);
    return this.summarize(facts);
  }
  @Tool({ name: 'search' }) async search(query: string) {
    return `facts about ${query}`;
  }
  @LLM({ provider: 'openai', model: 'gpt-4o-mini' }) async summarize(text: string) {
    return {
      object: 'chat.completion',
      model: 'gpt-4o-mini',
      usage: { prompt_tokens: 12, completion_tokens: 3 },
      text,
    };
  }
}

let processor: AgentSpanProcessor;
let exporter: InMemoryRecordExporter;

function start(options: Partial<AgentSpanProcessorOptions> = {}): void {
  exporter = new InMemoryRecordExporter();
  processor = new AgentSpanProcessor({ staleRuns: false, queue: { flushIntervalMs: 10 }, ...options }, exporter);
  switched.current = processor;
}

afterEach(async () => {
  await processor.shutdown();
  switched.current = undefined;
});

function expectInvariant(stats: AgentSpanProcessorStats): void {
  const droppedSum = Object.values(stats.dropped).reduce((a, b) => a + b, 0);
  expect(stats.droppedTotal).toBe(droppedSum);
  expect(stats.recorded).toBe(
    stats.written + stats.droppedTotal + stats.queueDepth + stats.inFlight + stats.spillPending,
  );
}

it('writes an agent run to the exporter through the pipeline, with no database', async () => {
  start();
  await new Researcher().run('tides');
  expect(await processor.flush(5_000)).toEqual({ complete: true, pending: 0 });

  expect(exporter.names('running')).toEqual(['invoke_agent Researcher']);
  expect(exporter.names('completed').sort()).toEqual([
    'chat gpt-4o-mini',
    'execute_tool search',
    'invoke_agent Researcher',
  ]);
  const agent = exporter.records.find((r) => r.execution.kind === 'agent' && r.execution.status === 'completed')!;
  expect(agent.execution).toMatchObject({ agentName: 'Researcher', agentVersion: '2', parentSpanId: null });
  for (const child of exporter.records.filter((r) => r.execution.kind !== 'agent')) {
    expect(child.execution.parentSpanId).toBe(agent.execution.spanId);
  }
  const llm = exporter.records.find((r) => r.execution.kind === 'llm')!;
  expect(llm.performance).toMatchObject({ inputTokens: 12, outputTokens: 3 });

  const stats = processor.stats();
  expect(stats).toMatchObject({
    recorded: 4,
    written: 4,
    droppedTotal: 0,
    queueDepth: 0,
    inFlight: 0,
    lastError: null,
  });
  expectInvariant(stats);
});

it('retries an export that failed transiently, and remembers why it failed with credentials masked', async () => {
  start({ breaker: false, queue: { flushIntervalMs: 10, retry: { initialBackoffMs: 1, maxBackoffMs: 5 } } });
  exporter.failures.push(new Unreachable('cannot reach postgres://agent:s3cret@db.internal:5432/runs'));
  await new Researcher().run('retries');
  expect(await processor.flush(5_000)).toEqual({ complete: true, pending: 0 });

  expect(exporter.names('completed')).toHaveLength(3);
  const stats = processor.stats();
  expect(stats.retried).toBeGreaterThanOrEqual(1);
  expect(stats.lastError).toContain('Unreachable: cannot reach');
  expect(stats.lastError).not.toContain('s3cret');
  expect(processor.health().lastError).toBe(stats.lastError);
  expectInvariant(stats);
});

it('asks an exporter that has ready() before each batch, and retries the batch when it is not ready', async () => {
  start({ breaker: false, queue: { flushIntervalMs: 10, retry: { initialBackoffMs: 1, maxBackoffMs: 5 } } });
  let readyCalls = 0;
  const notReady = [new Unreachable('still connecting')];
  Object.assign(exporter, {
    ready: async () => {
      readyCalls++;
      if (notReady.length > 0) throw notReady.shift();
    },
  });
  await new Researcher().run('readiness');
  expect(await processor.flush(5_000)).toEqual({ complete: true, pending: 0 });
  expect(readyCalls).toBeGreaterThanOrEqual(2);
  expect(exporter.names('completed')).toHaveLength(3);
  expect(processor.stats()).toMatchObject({ written: 4, lastError: 'Unreachable: still connecting' });
});

it('counts every record it could not write, by reason', async () => {
  start({ breaker: false });
  exporter.refuse = (record) => (record.execution.kind === 'tool' ? 'tools are not welcome here' : undefined);
  await new Researcher().run('refusals');
  await processor.flush(5_000);
  expect(processor.stats().dropped.rejected).toBe(1);
  expect(exporter.names()).not.toContain('execute_tool search');

  // A failure that is not transient drops its batch as write_failed.
  exporter.refuse = () => undefined;
  exporter.failures.push(new Error('the exporter is broken for good'));
  await new Researcher().run('broken');
  await processor.flush(5_000);
  expect(processor.stats().dropped.write_failed).toBe(4);

  const stats = processor.stats();
  expect(stats).toMatchObject({ recorded: 8, written: 3, droppedTotal: 5 });
  expectInvariant(stats);
});

it('drops the oldest queued records when the queue is full, and counts them', async () => {
  start({ breaker: false, queue: { maxQueueSize: 8, maxBatchSize: 4, flushIntervalMs: 10 } });
  let release!: () => void;
  exporter.gate = new Promise<void>((resolve) => (release = resolve));
  for (let i = 0; i < 5; i++) await new Researcher().run(`overload ${i}`);
  const during = processor.stats();
  expect(during.recorded).toBe(20);
  expect(during.dropped.queue_full).toBeGreaterThan(0);
  expectInvariant(during);

  release();
  exporter.gate = undefined;
  expect(await processor.flush(5_000)).toEqual({ complete: true, pending: 0 });
  const after = processor.stats();
  expect(after.written).toBe(exporter.records.length);
  expect(after.written + after.dropped.queue_full).toBe(20);
  expectInvariant(after);
});

it('shuts down once: the same promise every time, later spans counted as dropped, nothing exported after', async () => {
  start();
  await new Researcher().run('before');
  const first = processor.shutdown();
  const second = processor.shutdown();
  expect(second).toBe(first);
  await first;
  expect(exporter.names('completed')).toHaveLength(3);
  const exports = exporter.exports;

  await new Researcher().run('after');
  await expect(processor.shutdown()).resolves.toBeUndefined();
  const stats = processor.stats();
  expect(stats.dropped.shutdown).toBe(4);
  expect(exporter.exports).toBe(exports);
  expectInvariant(stats);
});

it('drops what a hung exporter holds at shutdown, within the time box', async () => {
  start({ breaker: false, shutdownTimeoutMs: 200 });
  exporter.gate = new Promise<void>(() => undefined);
  await new Researcher().run('stuck');
  const started = Date.now();
  await processor.shutdown();
  expect(Date.now() - started).toBeLessThan(2_000);
  const stats = processor.stats();
  expect(stats).toMatchObject({ recorded: 4, written: 0, queueDepth: 0, inFlight: 0 });
  expect(stats.dropped.shutdown).toBe(4);
  expectInvariant(stats);
});
