import { SpanKind, trace } from '@opentelemetry/api';
import type { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { Agent, Trace, withAgentContext } from '../../src/instrument';
import type { AgentSpanProcessor } from '../../src/export/agent-span-processor';
import { DIALECT_CHAT_SPANS, emitDialectSpan } from '../support/dialect-spans';
import { createProcessorFixture, type ProcessorFixture } from '../support/processor-fixture';
import type { StoreFixture } from '../support/store-fixture';

let fixture: ProcessorFixture;
let store: StoreFixture;
let processor: AgentSpanProcessor;
let exporter: InMemorySpanExporter;

beforeAll(async () => {
  fixture = await createProcessorFixture();
  ({ store, processor, exporter } = fixture);
});

afterAll(() => fixture.close());

/** What an OpenAI instrumentation does inside an agent: its own CLIENT span with OTel GenAI attributes. */
function instrumentedChatCall(): Promise<string> {
  const tracer = trace.getTracer('@opentelemetry/instrumentation-openai', '0.1.0');
  return tracer.startActiveSpan(
    'chat gpt-4o',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
      },
    },
    async (span) => {
      span.setAttributes({
        'gen_ai.usage.input_tokens': 500,
        'gen_ai.usage.output_tokens': 70,
        'gen_ai.response.model': 'gpt-4o-2024-08-06',
      });
      span.end();
      return 'answer';
    },
  );
}

@Agent({ name: 'Host' })
class Host {
  @Trace() async run() {
    return instrumentedChatCall();
  }
}

it('persists a GenAI span of another instrumentation inside an agent run, with the run attributes and in the totals', async () => {
  await withAgentContext({ userId: 'carol', tenantId: 'globex' }, () => new Host().run());
  await processor.flush(30_000);
  const agent = exporter.getFinishedSpans().find((s) => s.name === 'invoke_agent Host')!;
  const rows = (await store.dataSource.query(
    `SELECT e.name, e.kind, e.parent_span_id, e.user_id, e.tenant_id, p.input_tokens, p.output_tokens, p.response_model,
            p.total_input_tokens::int AS total_input, p.llm_call_count
     FROM agent_executions e JOIN agent_performance p ON p.trace_id = e.trace_id AND p.execution_id = e.id
     WHERE e.trace_id = $1 ORDER BY e.started_at, e.parent_span_id NULLS FIRST`, // start times can tie (milliseconds)
    [agent.spanContext().traceId],
  )) as Array<Record<string, unknown>>;
  expect(rows).toEqual([
    expect.objectContaining({
      name: 'invoke_agent Host',
      kind: 'agent',
      user_id: 'carol',
      total_input: 500,
      llm_call_count: 1,
    }),
    expect.objectContaining({
      name: 'chat gpt-4o',
      kind: 'llm',
      parent_span_id: agent.spanContext().spanId,
      user_id: 'carol',
      tenant_id: 'globex',
      input_tokens: 500,
      output_tokens: 70,
      response_model: 'gpt-4o-2024-08-06',
    }),
  ]);
});

@Agent({ name: 'Polyglot' })
class Polyglot {
  @Trace() async run() {
    for (const dialect of Object.keys(DIALECT_CHAT_SPANS)) emitDialectSpan(dialect);
    return 'done';
  }
}

it('stores a chat span of each dialect inside an agent run as the same priced LLM row, counted in the run', async () => {
  await new Polyglot().run();
  await processor.flush(30_000);
  const agent = exporter.getFinishedSpans().find((s) => s.name === 'invoke_agent Polyglot')!;
  const rows = (await store.dataSource.query(
    `SELECT e.name, e.kind, e.parent_span_id = $2 AS "childOfRun", p.input_tokens AS input, p.cache_read_tokens AS "cacheRead",
            p.output_tokens AS output, p.reasoning_tokens AS reasoning, p.cost_usd::text AS cost, p.cost_source AS "costSource"
     FROM agent_executions e JOIN agent_performance p ON p.trace_id = e.trace_id AND p.execution_id = e.id
     WHERE e.trace_id = $1 AND e.kind = 'llm' ORDER BY e.name`,
    [agent.spanContext().traceId, agent.spanContext().spanId],
  )) as Array<Record<string, unknown>>;
  // 1,000 × $2.50 + 500 cached × $1.25 + 150 × $10 + 50 reasoning × $10, per million
  const row = {
    kind: 'llm',
    childOfRun: true,
    input: 1000,
    cacheRead: 500,
    output: 150,
    reasoning: 50,
    cost: '0.0051250000',
    costSource: 'calculated',
  };
  expect(rows).toEqual(
    ['OpenAI Chat Completions', 'OpenAI-generation', 'chat gpt-4o', 'openai.chat'].map((name) => ({ name, ...row })),
  );
  const [totals] = (await store.dataSource.query(
    `SELECT p.total_cost_usd::text AS cost, p.llm_call_count AS calls, p.unknown_cost_count AS unknown,
            p.total_input_tokens::int AS input
     FROM agent_executions e JOIN agent_performance p ON p.trace_id = e.trace_id AND p.execution_id = e.id WHERE e.span_id = $1`,
    [agent.spanContext().spanId],
  )) as Array<Record<string, unknown>>;
  expect(totals).toEqual({ cost: '0.0205000000', calls: 4, unknown: 0, input: 4000 });
});

/** Spans that are not stored (an HTTP client span, a plain span of the application) between an agent and its calls. */
@Agent({ name: 'Layered' })
class Layered {
  @Trace() async run() {
    const plain = trace.getTracer('my-app');
    return plain.startActiveSpan('load context', async (outer) => {
      const answer = await plain.startActiveSpan(
        'GET /context',
        { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'GET' } },
        async (http) => {
          const result = await instrumentedChatCall();
          http.end();
          return result;
        },
      );
      outer.end();
      return answer;
    });
  }
}

it('a call below spans that are not stored hangs below the nearest stored ancestor and counts in its run', async () => {
  await new Layered().run();
  await processor.flush(30_000);
  const agent = exporter.getFinishedSpans().find((s) => s.name === 'invoke_agent Layered')!;
  const rows = (await store.dataSource.query(
    `SELECT e.name, e.parent_span_id, p.total_input_tokens::int AS total_input, p.llm_call_count
     FROM agent_executions e JOIN agent_performance p ON p.trace_id = e.trace_id AND p.execution_id = e.id
     WHERE e.trace_id = $1 ORDER BY e.started_at, e.parent_span_id NULLS FIRST`,
    [agent.spanContext().traceId],
  )) as Array<Record<string, unknown>>;
  expect(rows).toEqual([
    expect.objectContaining({
      name: 'invoke_agent Layered',
      parent_span_id: null,
      total_input: 500,
      llm_call_count: 1,
    }),
    expect.objectContaining({ name: 'chat gpt-4o', parent_span_id: agent.spanContext().spanId }),
  ]);
});

it('an agent below an unstored root span (an HTTP server span) is a root run', async () => {
  const server = trace.getTracer('@opentelemetry/instrumentation-http');
  await server.startActiveSpan('POST /ask', { kind: SpanKind.SERVER }, async (span) => {
    await new Host().run();
    span.end();
  });
  await processor.flush(30_000);
  const agent = exporter
    .getFinishedSpans()
    .filter((s) => s.name === 'invoke_agent Host')
    .at(-1)!;
  const [row] = (await store.dataSource.query(
    `SELECT parent_span_id, status FROM agent_executions WHERE trace_id = $1 AND span_id = $2`,
    [agent.spanContext().traceId, agent.spanContext().spanId],
  )) as Array<Record<string, unknown>>;
  expect(row).toEqual({ parent_span_id: null, status: 'completed' });
});
