import { context, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { startCollectorService, type CollectorService } from '../../src/collect/collector-service';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';

/**
 * `agentspan collect` with worker threads: one process, its requests spread over several write paths (each with its
 * own connections and queue). A run whose spans come in different requests is written by different workers, and
 * must still be stored once, with its totals exact.
 */
let store: StoreFixture;

beforeAll(async () => {
  store = await createStoreFixture();
});

afterAll(async () => {
  await store?.close();
});

const CALLS_PER_RUN = 3;

/** Runs as another process's SDK ends them: per run three model calls and a tool call below an agent, agent last. */
function runs(count: number): { spans: ReadableSpan[]; traceIds: string[] } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'planner-go', 'telemetry.sdk.language': 'go' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('opentelemetry.instrumentation.openai_v2');
  const traceIds: string[] = [];
  for (let run = 0; run < count; run++) {
    const agent = tracer.startSpan('invoke_agent planner', {
      attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner' },
    });
    traceIds.push(agent.spanContext().traceId);
    const inAgent = trace.setSpan(context.active(), agent);
    for (let call = 0; call < CALLS_PER_RUN; call++) {
      tracer
        .startSpan(
          'chat gpt-4o-mini',
          {
            attributes: {
              'gen_ai.operation.name': 'chat',
              'gen_ai.provider.name': 'openai',
              'gen_ai.request.model': 'gpt-4o-mini',
              'gen_ai.usage.input_tokens': 100 + run,
              'gen_ai.usage.output_tokens': 10,
            },
          },
          inAgent,
        )
        .end();
    }
    tracer.startSpan('execute_tool search', { attributes: { 'gen_ai.operation.name': 'execute_tool' } }, inAgent).end();
    agent.end();
  }
  return { spans: exporter.getFinishedSpans(), traceIds };
}

/** The spans in requests of `size`: with five spans a run, most runs are split over two requests. */
function requests(spans: ReadableSpan[], size: number): Uint8Array[] {
  const bodies: Uint8Array[] = [];
  for (let start = 0; start < spans.length; start += size) {
    bodies.push(ProtobufTraceSerializer.serializeRequest(spans.slice(start, start + size))!);
  }
  return bodies;
}

/** Posts the bodies, `inFlight` at a time; every answer must be 200. */
async function send(service: CollectorService, bodies: Uint8Array[], inFlight: number): Promise<void> {
  let next = 0;
  const sender = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const response = await fetch(`${service.collector.url}v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body,
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, sender));
}

/** Per trace: its stored executions and its agent's totals. */
async function storedRuns(traceIds: string[]) {
  const rows: Array<{ trace_id: string; executions: number; input: number; llm: number; tools: number }> =
    await store.dataSource.query(
      `SELECT e.trace_id, (SELECT count(*) FROM agent_executions x WHERE x.trace_id = e.trace_id)::int AS executions,
              p.total_input_tokens::int AS input, p.llm_call_count AS llm, p.tool_call_count AS tools
       FROM agent_executions e JOIN agent_performance p ON p.trace_id = e.trace_id AND p.execution_id = e.id
       WHERE e.kind = 'agent' AND e.trace_id = ANY($1)`,
      [traceIds],
    );
  return new Map(rows.map((row) => [row.trace_id, row]));
}

const start = (flushIntervalMs: number) =>
  startCollectorService({
    port: 0,
    databaseUrl: store.database.url,
    migrate: false,
    workers: 2,
    processor: { queue: { flushIntervalMs }, warnings: false },
  });

it('stores runs split over requests taken by different workers once each, with exact totals', async () => {
  const service = await start(20);
  try {
    const { spans, traceIds } = runs(60);
    const bodies = requests(spans, 7);
    await send(service, bodies, 6);
    // The same requests again, as an exporter retrying after a lost answer: nothing is stored twice.
    await send(service, bodies.slice(0, 10), 6);
    expect((await service.flush(10_000)).complete).toBe(true);

    const stored = await storedRuns(traceIds);
    expect(stored.size).toBe(60);
    traceIds.forEach((traceId, run) => {
      expect(stored.get(traceId)).toEqual({
        trace_id: traceId,
        executions: CALLS_PER_RUN + 2,
        input: CALLS_PER_RUN * (100 + run),
        llm: CALLS_PER_RUN,
        tools: 1,
      });
    });
    const resent = 10 * 7;
    expect(service.stats()).toMatchObject({ recorded: 300 + resent, written: 300 + resent, droppedTotal: 0 });
    const health = (await (await fetch(`${service.collector.url}healthz`)).json()) as {
      workers: Array<{ requests: number; written: number }>;
    };
    // Both workers took requests and wrote.
    expect(health.workers).toHaveLength(2);
    for (const worker of health.workers) {
      expect(worker.requests).toBeGreaterThan(0);
      expect(worker.written).toBeGreaterThan(0);
    }
  } finally {
    await service.close();
  }
}, 60_000);

it('writes what every worker holds when it is closed, and counts it in the final figures', async () => {
  const service = await start(60_000);
  const { spans, traceIds } = runs(40);
  await send(service, requests(spans, 10), 4);
  expect((await storedRuns(traceIds)).size).toBe(0);
  await service.close();
  const stored = await storedRuns(traceIds);
  expect(stored.size).toBe(40);
  expect([...stored.values()].every((run) => run.executions === CALLS_PER_RUN + 2 && run.llm === 3)).toBe(true);
  expect(service.stats()).toMatchObject({ recorded: 200, written: 200, droppedTotal: 0, queueDepth: 0 });
  // Closed: no request is taken any more.
  await expect(fetch(`${service.collector.url}healthz`)).rejects.toThrow();
}, 60_000);
