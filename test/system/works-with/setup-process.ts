/**
 * Runs one third-party setup (a file of ./setups) in a fresh node process, as an application would: the real SDK and
 * instrumentation, an ordinary tracer provider with AgentSpanProcessor, fake providers on loopback. Each variant runs
 * inside its own `@Agent` run; the process prints `{ "<variant>": "<trace id>" }` once everything is written.
 * A process of its own because several of these packages are ES modules jest cannot load, and instrumentations
 * patch modules for the life of a process.
 *
 * With AGENTSPAN_TEST_OTLP_URL the same spans also go, as any OpenTelemetry application would send them, to an
 * OTLP/HTTP endpoint: `agentspan collect`, whose copy of each run must be the same. AGENTSPAN_TEST_OTLP_PROTOCOL
 * says which exporter: `http/protobuf` (exporter-trace-otlp-proto) or `http/json` (exporter-trace-otlp-http).
 *
 *   node -r ts-node/register/transpile-only setup-process.ts <setup>   (AGENTSPAN_TEST_DATABASE_URL: a migrated database)
 */
import 'reflect-metadata';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Agent, Trace } from '../../../src';
import { AgentSpanProcessor } from '../../../src/export/agent-span-processor';
import { createAgentspanDataSource } from '../../../src/store/connection/data-source';
import { startFakeAnthropic, startFakeOpenAI, type FakeServer } from '../../../examples/support/fake-providers';

export interface SetupContext {
  openai: FakeServer;
  anthropic: FakeServer;
  /** Runs `work` as the body of one agent run, recorded under `variant`. */
  inAgent(variant: string, work: () => Promise<unknown>): Promise<void>;
}

export type Setup = (setup: SetupContext) => Promise<void>;

@Agent({ name: 'WorksWith' })
class WorksWithAgent {
  @Trace()
  async run(work: () => Promise<unknown>): Promise<string> {
    const traceId = trace.getActiveSpan()!.spanContext().traceId;
    await work();
    return traceId;
  }
}

async function main(): Promise<void> {
  const [name] = process.argv.slice(2);
  const url = process.env.AGENTSPAN_TEST_DATABASE_URL;
  if (!name || !url) throw new Error('usage: setup-process.ts <setup>, with AGENTSPAN_TEST_DATABASE_URL');
  const dataSource = await createAgentspanDataSource({ url, poolSize: 1 });
  const processor = new AgentSpanProcessor({ dataSource, queue: { flushIntervalMs: 20 } });
  const otlpUrl = process.env.AGENTSPAN_TEST_OTLP_URL;
  const Exporter = process.env.AGENTSPAN_TEST_OTLP_PROTOCOL === 'http/json' ? JsonTraceExporter : ProtobufTraceExporter;
  const otlp: SpanProcessor | undefined = otlpUrl ? new BatchSpanProcessor(new Exporter({ url: otlpUrl })) : undefined;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const spanProcessors = otlp === undefined ? [processor] : [processor, otlp];
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors }));
  const [openai, anthropic] = await Promise.all([startFakeOpenAI(), startFakeAnthropic()]);
  const traces: Record<string, string> = {};
  const agent = new WorksWithAgent();
  try {
    // require: a dynamic import() would bypass ts-node here.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    const { setup } = require(`./setups/${name}`) as { setup: Setup };
    await setup({
      openai,
      anthropic,
      async inAgent(variant, work) {
        traces[variant] = await agent.run(work);
      },
    });
    await otlp?.forceFlush();
    const flushed = await processor.flush(30_000);
    const stats = processor.stats();
    if (!flushed.complete || stats.droppedTotal > 0)
      throw new Error(`not everything was written: ${JSON.stringify(stats)}`);
    process.stdout.write(`${JSON.stringify(traces)}\n`);
  } finally {
    await processor.shutdown();
    await otlp?.shutdown();
    await dataSource.destroy();
    await Promise.all([openai.close(), anthropic.close()]);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
