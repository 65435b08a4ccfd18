import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AgentRunRepository } from '../../src/query/agent-run-repository';
import { Agent, Trace } from '../../src/instrument';
import { AgentSpanProcessor, ScrubbingSpanExporter, createAgentspanDataSource, runMigrations } from '../../src';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startCollector } from '../support/otlp-collector';

/**
 * The README's snippet for an application that already runs OpenTelemetry's NodeSDK, as written (inside a function:
 * the README's module has top-level await): agentspan's processor beside a scrubbed OTLP exporter.
 */
@Agent({ name: 'OwnSdkAgent' })
class OwnSdkAgent {
  @Trace() async run(topic: string) {
    return `key sk-${'a'.repeat(24)} for ${topic}`;
  }
}

let database: TestDatabase;
let collector: Awaited<ReturnType<typeof startCollector>>;

beforeAll(async () => {
  database = await createTestDatabase();
  collector = await startCollector();
  process.env.DATABASE_URL_FOR_SNIPPET = database.url;
  process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = collector.url;
});

afterAll(async () => {
  delete process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  delete process.env.DATABASE_URL_FOR_SNIPPET;
  await new Promise((resolve) => collector.server.close(resolve));
  await database.close();
});

it('persists runs and exports scrubbed spans with the README’s NodeSDK set-up', async () => {
  // --- the README's snippet (DATABASE_URL read from the test's database) ---
  const dataSource = await createAgentspanDataSource({ url: process.env.DATABASE_URL_FOR_SNIPPET });
  await runMigrations(dataSource);
  const otlp = new ScrubbingSpanExporter(new OTLPTraceExporter()); // secrets scrubbed before they reach the collector
  const sdk = new NodeSDK({ spanProcessors: [new AgentSpanProcessor({ dataSource }), new BatchSpanProcessor(otlp)] });
  sdk.start();
  // --- end of the snippet ---
  try {
    expect(await new OwnSdkAgent().run('retail')).toMatch(/^key sk-a+ for retail$/);
    await sdk.shutdown();
    const { runs } = await new AgentRunRepository(dataSource).history({ agent: 'OwnSdkAgent' });
    expect(runs.map((run) => [run.agentName, run.status])).toEqual([['OwnSdkAgent', 'completed']]);
    expect(collector.bodies.join('')).toContain('OwnSdkAgent');
    expect(collector.bodies.join('')).not.toContain(`sk-${'a'.repeat(24)}`);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    trace.disable();
    context.disable();
    propagation.disable();
  }
});
