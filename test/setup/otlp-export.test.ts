import { Agent, LLM, Trace } from '../../src/instrument';
import { startAgentTelemetry, type AgentTelemetry } from '../../src/setup/start-agent-telemetry';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startCollector, type OtlpSpan } from '../support/otlp-collector';

@Agent({ name: 'Exporter', version: '7' })
class Exporter {
  @Trace() async run(topic: string) {
    return this.ask(topic);
  }
  @LLM({ provider: 'openai', model: 'gpt-4o' }) async ask(prompt: string) {
    return {
      object: 'chat.completion',
      model: 'gpt-4o-2024-08-06',
      usage: { prompt_tokens: 12, completion_tokens: 3 },
      prompt,
    };
  }
}

let database: TestDatabase;
let collector: Awaited<ReturnType<typeof startCollector>>;
let telemetry: AgentTelemetry;

beforeAll(async () => {
  database = await createTestDatabase();
  collector = await startCollector();
});

afterAll(async () => {
  await telemetry?.shutdown();
  await new Promise((resolve) => collector.server.close(resolve));
  await database.close();
});

it('sends the same spans to an OTLP collector, with the GenAI attributes, and to the database', async () => {
  telemetry = await startAgentTelemetry({
    serviceName: 'otlp-test',
    databaseUrl: database.url,
    otlp: { url: collector.url },
  });
  await new Exporter().run('export me');
  await telemetry.shutdown(); // flushes both processors

  const spans = collector.requests.flatMap((r) =>
    r.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)),
  );
  const attributes = (span: OtlpSpan) =>
    Object.fromEntries(
      span.attributes.map((a) => [a.key, a.value.stringValue ?? Number(a.value.intValue ?? a.value.doubleValue)]),
    );
  const agent = spans.find((s) => s.name === 'invoke_agent Exporter')!;
  const llm = spans.find((s) => s.name === 'chat gpt-4o')!;
  expect(attributes(agent)).toMatchObject({
    'gen_ai.operation.name': 'invoke_agent',
    'gen_ai.agent.name': 'Exporter',
    'gen_ai.agent.version': '7',
    'agentspan.kind': 'agent',
  });
  expect(attributes(llm)).toMatchObject({
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.response.model': 'gpt-4o-2024-08-06',
    'gen_ai.usage.input_tokens': 12,
    'gen_ai.usage.output_tokens': 3,
  });
  expect(llm.parentSpanId).toBe(agent.spanId);
  const resource = collector.requests[0].resourceSpans[0].resource.attributes;
  expect(resource.find((a) => a.key === 'service.name')?.value.stringValue).toBe('otlp-test');

  // The very same spans (same ids) are the rows in PostgreSQL.
  const { Client } = await import('pg');
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ trace_id: string; span_id: string }>(
      'SELECT trace_id, span_id FROM agent_executions ORDER BY span_id',
    );
    const exported = spans
      .map((s) => ({ trace_id: s.traceId, span_id: s.spanId }))
      .sort((a, b) => a.span_id.localeCompare(b.span_id));
    expect(rows).toEqual(exported);
  } finally {
    await client.end();
  }
});
