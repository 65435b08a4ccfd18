import { trace } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { Trace } from '../src/instrument';

/** Exports nothing: the benchmarks measure the cost on the caller's path, not an exporter's. */
export const discard: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: async () => {},
};

const brief = { topic: 'AI agents in retail', region: 'EU', depth: 2 };

async function research(request: typeof brief) {
  return { topic: request.topic, competitors: 7, score: 0.82 };
}

class Researcher {
  @Trace() async research(request: typeof brief) {
    return { topic: request.topic, competitors: 7, score: 0.82 };
  }
}

/**
 * The same small async method three ways: bare, inside a plain OpenTelemetry `startActiveSpan` wrapper, and
 * decorated with @Trace (default capture and redaction on). The tracer is looked up when a variant runs, so the
 * variants use whatever SDK is registered at that moment.
 */
export function callVariants(): {
  bare: () => Promise<unknown>;
  plainSpan: () => Promise<unknown>;
  decorated: () => Promise<unknown>;
} {
  const researcher = new Researcher();
  return {
    bare: () => research(brief),
    plainSpan: () =>
      trace.getTracer('bench').startActiveSpan('research', async (span) => {
        try {
          return await research(brief);
        } finally {
          span.end();
        }
      }),
    decorated: () => researcher.research(brief),
  };
}
