import { context, diag, DiagLogLevel, trace, type DiagLogger } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { resetReportedProblems } from '../../src/internal/report-once';

/** Counts how often each span reaches onEnd, so "ends exactly once" is checked, not assumed. */
class EndCounter implements SpanProcessor {
  readonly ends = new Map<string, number>();
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    const id = span.spanContext().spanId;
    this.ends.set(id, (this.ends.get(id) ?? 0) + 1);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface TracingHarness {
  exporter: InMemorySpanExporter;
  provider: BasicTracerProvider;
  /** Messages agentspan and the SDK sent through diag (warnings and errors). */
  diagMessages: string[];
  spans(): ReadableSpan[];
  span(name: string): ReadableSpan;
  /** Fails if any span ended more than once or the SDK complained about an operation on an ended span. */
  assertEachSpanEndedOnce(): void;
  reset(): void;
}

/** Registers a real OTel SDK (in-memory exporter, async-hooks context) for the calling test file. */
export function installTracing(): TracingHarness {
  const exporter = new InMemorySpanExporter();
  const counter = new EndCounter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter), counter],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(provider);
  const diagMessages: string[] = [];
  const record = (...args: unknown[]) => diagMessages.push(args.map(String).join(' '));
  const logger: DiagLogger = { error: record, warn: record, info: () => {}, debug: () => {}, verbose: () => {} };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });

  const harness: TracingHarness = {
    exporter,
    provider,
    diagMessages,
    spans: () => exporter.getFinishedSpans(),
    span(name) {
      const found = exporter.getFinishedSpans().filter((s) => s.name === name);
      if (found.length !== 1) {
        const names = exporter.getFinishedSpans().map((s) => s.name);
        throw new Error(`expected one span named ${name}, found ${found.length} among [${names.join(', ')}]`);
      }
      return found[0];
    },
    assertEachSpanEndedOnce() {
      for (const [id, count] of counter.ends) {
        if (count !== 1) throw new Error(`span ${id} ended ${count} times`);
      }
      const complaints = diagMessages.filter((m) => /ended Span|already ended/i.test(m));
      if (complaints.length > 0) throw new Error(`SDK complained: ${complaints.join('; ')}`);
    },
    reset() {
      exporter.reset();
      counter.ends.clear();
      diagMessages.length = 0;
      resetReportedProblems();
    },
  };
  return harness;
}

export function attr(span: ReadableSpan, key: string): unknown {
  return span.attributes[key];
}

export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

export function idOf(span: ReadableSpan): string {
  return span.spanContext().spanId;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
