import { context, trace, type Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

export interface EndedRunsOptions {
  /** The instrumentation scope of the spans. */
  scope: string;
  /** Attributes of each run's agent span, and of the model call below it. */
  agent: Attributes;
  call: Attributes;
  resource?: Attributes;
  agentSpanName?: string;
  callSpanName?: string;
}

/**
 * `count` agent runs as another process's OpenTelemetry SDK ends them (for sending over OTLP): per run an agent span
 * and one model call below it, made by a real tracer with the attributes given.
 */
export function endedRuns(count: number, options: EndedRunsOptions): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(options.resource ?? {}),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer(options.scope);
  for (let i = 0; i < count; i++) {
    const agent = tracer.startSpan(options.agentSpanName ?? 'invoke_agent', { attributes: options.agent });
    tracer
      .startSpan(options.callSpanName ?? 'chat', { attributes: options.call }, trace.setSpan(context.active(), agent))
      .end();
    agent.end();
  }
  return exporter.getFinishedSpans();
}
