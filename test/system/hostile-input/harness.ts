import 'reflect-metadata';
import {
  context,
  diag,
  DiagLogLevel,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type HrTime,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type IdGenerator,
  type ReadableSpan,
  type TimedEvent,
} from '@opentelemetry/sdk-trace-base';
import { AgentSpanProcessor } from '../../../src/export/agent-span-processor';
import { resetReportedProblems } from '../../../src/internal/report-once';
import { createStoreFixture, type StoreFixture } from '../../support/store-fixture';
import { newSpanId, newTraceId } from '../../support/span-records';

/**
 * The whole path for hostile values: decorators and OTel SDK → AgentSpanProcessor → pipeline → SpanWriter → a real,
 * migrated PostgreSQL (or PGlite). The processor's interval is an hour, so nothing is written until flush(): every
 * case of a table lands in one batch, and a row refused there must not take the others with it.
 */
export interface HostileHarness {
  readonly store: StoreFixture;
  readonly processor: AgentSpanProcessor;
  /** Messages agentspan and the SDK sent through diag (warn and error). */
  readonly diagMessages: string[];
  /** Spans of another instrumentation whose provider has a hostile resource (service.name) and normal ids. */
  foreignTracer(name?: string): ReturnType<BasicTracerProvider['getTracer']>;
  /** A tracer whose provider's id generator returns ids of the wrong length. */
  brokenIdTracer(): ReturnType<BasicTracerProvider['getTracer']>;
  /** Hands a span made without the SDK (a bridge from another tracing system) to the processor. */
  emit(span: ReadableSpan): void;
  /** Runs `run` in a fresh root context and returns the spans it finished (in end order) and what it returned. */
  capture(run: () => unknown): Promise<{ spans: ReadableSpan[]; result: Settled }>;
  close(): Promise<void>;
}

export type Settled = { returned: unknown } | { threw: unknown };

/** service.name of the foreign provider: NUL, a lone surrogate, and longer than the column. */
export const HOSTILE_SERVICE_NAME = `svc\u0000\ud800${'s'.repeat(9_995)}`;

export async function createHostileHarness(): Promise<HostileHarness> {
  const store = await createStoreFixture();
  const processor = new AgentSpanProcessor({
    dataSource: store.dataSource,
    queue: { flushIntervalMs: 3_600_000, maxBatchSize: 5_000 },
  });
  const exporter = new InMemorySpanExporter();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const provider = new BasicTracerProvider({ spanProcessors: [processor, new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);
  const foreignProvider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': HOSTILE_SERVICE_NAME }),
    spanProcessors: [processor, new SimpleSpanProcessor(exporter)],
  });
  const brokenProvider = new BasicTracerProvider({
    idGenerator: new WrongLengthIds(),
    spanProcessors: [processor, new SimpleSpanProcessor(exporter)],
  });

  const diagMessages: string[] = [];
  const record = (...args: unknown[]) => diagMessages.push(args.map(String).join(' '));
  diag.setLogger(
    { error: record, warn: record, info: () => {}, debug: () => {}, verbose: () => {} },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  resetReportedProblems();

  return {
    store,
    processor,
    diagMessages,
    foreignTracer: (name = '@example/instrumentation-genai') => foreignProvider.getTracer(name, '0.1.0'),
    brokenIdTracer: () => brokenProvider.getTracer('@example/instrumentation-genai'),
    emit(span) {
      processor.onEnd(span);
      exporter.export([span], () => {});
    },
    async capture(run) {
      const before = exporter.getFinishedSpans().length;
      let result: Settled;
      try {
        result = { returned: await context.with(ROOT_CONTEXT, run) };
      } catch (error) {
        result = { threw: error };
      }
      return { spans: exporter.getFinishedSpans().slice(before), result };
    },
    async close() {
      await processor.shutdown();
      diag.disable();
      await store.close();
    },
  };
}

class WrongLengthIds implements IdGenerator {
  generateTraceId(): string {
    return 'trace-id-longer-than-32-characters-is-not-an-id';
  }
  generateSpanId(): string {
    return 'span';
  }
}

/** The HrTime of an ISO instant, to the microsecond. */
export function hrTimeOf(iso: string, extraMicros = 0): HrTime {
  const ms = Date.parse(iso);
  return [Math.floor(ms / 1_000), (ms % 1_000) * 1_000_000 + extraMicros * 1_000];
}

export interface HandmadeSpan {
  name?: string;
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  startTime: HrTime;
  endTime: HrTime;
  attributes?: Attributes;
  events?: TimedEvent[];
}

/**
 * A finished span that did not come from the OTel SDK: what a bridge from another tracing system, or a replay of
 * exported data, hands to span processors. Nothing in it has been checked by the SDK.
 */
export function handmadeSpan(given: HandmadeSpan): ReadableSpan {
  const traceId = given.traceId ?? newTraceId();
  const spanId = given.spanId ?? newSpanId();
  const start = given.startTime;
  const end = given.endTime;
  return {
    name: given.name ?? 'chat bridged-model',
    kind: SpanKind.CLIENT,
    spanContext: () => ({ traceId, spanId, traceFlags: 1 }),
    parentSpanContext:
      given.parentSpanId === undefined ? undefined : { traceId, spanId: given.parentSpanId, traceFlags: 1 },
    startTime: start,
    endTime: end,
    // As the bridge computed it: the raw difference, negative when the clocks disagree.
    duration: [end[0] - start[0], end[1] - start[1]],
    status: { code: SpanStatusCode.UNSET },
    attributes: { 'gen_ai.operation.name': 'chat', ...given.attributes },
    links: [],
    events: given.events ?? [],
    ended: true,
    resource: resourceFromAttributes({ 'service.name': 'bridge' }),
    instrumentationScope: { name: '@example/bridge' },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}
