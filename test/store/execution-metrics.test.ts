import { AgentRunRepository } from '../../src/query/agent-run-repository';
import { SpanWriter, type LoadMethod } from '../../src/store/write/span-writer';
import { finalSpan, newTraceId, runningSpan } from '../support/span-records';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';

let fixture: StoreFixture;

beforeAll(async () => {
  fixture = await createStoreFixture();
});

afterAll(async () => {
  await fixture?.close();
});

// PGlite's socket server cannot receive COPY data: there `auto` (the upsert) is what runs.
const LOAD_METHODS: LoadMethod[] = process.env.DATABASE_URL ? ['copy', 'upsert'] : ['auto'];

async function storedMetrics(traceId: string, spanId: string): Promise<unknown> {
  const [row] = await fixture.dataSource.query(
    `SELECT metrics FROM agent_executions WHERE trace_id = $1 AND span_id = $2`,
    [traceId, spanId],
  );
  return row?.metrics;
}

describe.each(LOAD_METHODS)('business metrics through the writer, loadMethod %s', (loadMethod) => {
  it('stores a span’s metrics as a jsonb object and reads them back as numbers', async () => {
    const writer = new SpanWriter(fixture.dataSource, { loadMethod });
    const traceId = newTraceId();
    const agent = finalSpan({ traceId, kind: 'agent', execution: { metrics: '{"competitors_analysed":12}' } });
    const tool = finalSpan({
      traceId,
      parentSpanId: agent.execution.spanId,
      kind: 'tool',
      execution: { metrics: '{"pages":3,"engagement_score":0.75}' },
    });
    const plain = finalSpan({ traceId, parentSpanId: agent.execution.spanId, kind: 'task' });
    expect(await writer.write([tool, plain, agent])).toEqual({ written: 3, rejected: [] });

    expect(await storedMetrics(traceId, tool.execution.spanId)).toEqual({ pages: 3, engagement_score: 0.75 });
    expect(await storedMetrics(traceId, plain.execution.spanId)).toBeNull();
    const run = await new AgentRunRepository(fixture.dataSource).getRun(traceId);
    expect(run!.roots[0]!.execution.metrics).toEqual({ competitors_analysed: 12 });
    expect(run!.roots[0]!.children.map((child) => child.execution.metrics)).toEqual(
      expect.arrayContaining([{ pages: 3, engagement_score: 0.75 }, null]),
    );
  });

  it('takes the final record’s metrics over a running row, and a late running record does not erase them', async () => {
    const writer = new SpanWriter(fixture.dataSource, { loadMethod });
    const traceId = newTraceId();
    const running = runningSpan({ traceId, kind: 'agent' });
    const spanId = running.execution.spanId;
    await writer.write([running]);
    expect(await storedMetrics(traceId, spanId)).toBeNull();

    const final = finalSpan({ traceId, spanId, kind: 'agent', execution: { metrics: '{"market_size":4500000000}' } });
    await writer.write([final]);
    expect(await storedMetrics(traceId, spanId)).toEqual({ market_size: 4_500_000_000 });

    await writer.write([running]);
    expect(await storedMetrics(traceId, spanId)).toEqual({ market_size: 4_500_000_000 });
    const { runs } = await new AgentRunRepository(fixture.dataSource).history({ limit: 1000 });
    expect(runs.find((run) => run.spanId === spanId)!.metrics).toEqual({ market_size: 4_500_000_000 });
  });
});
