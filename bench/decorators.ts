import 'reflect-metadata';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { Trace } from '../src';
import { compare } from './measure';

export interface DecoratorBenchResult {
  /** No OTel SDK registered: what instrumented code costs where nobody collects traces. */
  bareNoSdkNs: number;
  decoratedNoSdkNs: number;
  bareNs: number;
  plainSpanNs: number;
  decoratedNs: number;
  /** decorated / plain span: the target is at most 1.5 */
  ratio: number;
}

/** Exports nothing: the benchmark measures the cost on the caller's path, not an exporter's. */
const discard: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: async () => {},
};

/**
 * One bare async method, the same method inside a plain `startActiveSpan` wrapper, and decorated with @Trace (default
 * capture and redaction on), all under a real SDK with a BatchSpanProcessor.
 */
export async function benchDecorators(options: { calls?: number; rounds?: number } = {}): Promise<DecoratorBenchResult> {
  const brief = { topic: 'AI agents in retail', region: 'EU', depth: 2 };
  async function research(request: typeof brief) {
    return { topic: request.topic, competitors: 7, score: 0.82 };
  }
  class Researcher {
    @Trace() async research(request: typeof brief) {
      return { topic: request.topic, competitors: 7, score: 0.82 };
    }
  }
  const researcher = new Researcher();
  const noSdk = await compare(
    { bare: () => research(brief), decorated: () => researcher.research(brief) },
    options,
  );
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const provider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(discard)],
  });
  trace.setGlobalTracerProvider(provider);
  const tracer = trace.getTracer('bench');


  const result = await compare(
    {
      bare: () => research(brief),
      plainSpan: () =>
        tracer.startActiveSpan('research', async (span) => {
          try {
            return await research(brief);
          } finally {
            span.end();
          }
        }),
      decorated: () => researcher.research(brief),
    },
    options,
  );
  await provider.shutdown();
  trace.disable();
  context.disable();
  return {
    bareNoSdkNs: noSdk.bare,
    decoratedNoSdkNs: noSdk.decorated,
    bareNs: result.bare,
    plainSpanNs: result.plainSpan,
    decoratedNs: result.decorated,
    ratio: result.decorated / result.plainSpan,
  };
}

if (require.main === module) {
  void benchDecorators().then((r) => console.log(r));
}
