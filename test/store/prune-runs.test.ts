import type { DataSource } from 'typeorm';
import { pruneRuns } from '../../src/store/maintenance/prune-runs';
import type { SpanRecord } from '../../src/model/records';
import { SpanWriter } from '../../src/store/write/span-writer';
import { finalSpan, llmSpan, newTraceId, runningSpan } from '../support/span-records';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';

let store: StoreFixture;
let dataSource: DataSource;

beforeAll(async () => {
  store = await createStoreFixture();
  dataSource = store.dataSource;
});

afterAll(() => store?.close());

const DAY = 86_400_000;

/** A run of three executions with a decision and an event, its rows written `ageMs` ago. */
async function run(ageMs: number, options: { running?: boolean } = {}): Promise<string> {
  const traceId = newTraceId();
  const agent = options.running ? runningSpan({ traceId }) : finalSpan({ traceId, kind: 'agent' });
  const records: SpanRecord[] = [
    agent,
    llmSpan(traceId, agent.execution.spanId),
    finalSpan({ traceId, kind: 'tool', parentSpanId: agent.execution.spanId }),
  ];
  records[1]!.decisions = [
    {
      ordinal: 0,
      name: 'pick',
      choice: '1',
      alternatives: null,
      reasoning: null,
      confidence: 0.5,
      context: null,
      occurredAt: new Date(),
    },
  ];
  records[2]!.events = [{ ordinal: 0, level: 'info', message: 'hi', attributes: null, occurredAt: new Date() }];
  await new SpanWriter(dataSource).write(records);
  await age(traceId, ageMs);
  return traceId;
}

async function age(traceId: string, ageMs: number, spanId?: string): Promise<void> {
  await dataSource.query(
    `UPDATE agent_executions SET created_at = now() - make_interval(secs => $2::float8 / 1000)
     WHERE trace_id = $1 AND ($3::text IS NULL OR span_id = $3)`,
    [traceId, ageMs, spanId ?? null],
  );
}

async function rowsOf(traceId: string): Promise<number> {
  const [{ n }] = await dataSource.query(
    `SELECT ((SELECT count(*) FROM agent_executions WHERE trace_id = $1)
           + (SELECT count(*) FROM agent_decisions WHERE trace_id = $1)
           + (SELECT count(*) FROM agent_events WHERE trace_id = $1))::int AS n`,
    [traceId],
  );
  return n;
}

async function orphans(): Promise<Record<string, number>> {
  const [row] = await dataSource.query(
    `SELECT (SELECT count(*) FROM agent_performance p WHERE NOT EXISTS (SELECT 1 FROM agent_executions e WHERE e.trace_id = p.trace_id AND e.id = p.execution_id))::int AS performance,
            (SELECT count(*) FROM agent_decisions d WHERE NOT EXISTS (SELECT 1 FROM agent_executions e WHERE e.trace_id = d.trace_id AND e.id = d.execution_id))::int AS decisions,
            (SELECT count(*) FROM agent_events v WHERE NOT EXISTS (SELECT 1 FROM agent_executions e WHERE e.trace_id = v.trace_id AND e.id = v.execution_id))::int AS events`,
  );
  return row;
}

describe('pruneRuns', () => {
  it('deletes old runs whole, with their performance, decisions and events, and leaves no orphans', async () => {
    const old = [await run(40 * DAY), await run(35 * DAY), await run(31 * DAY)];
    const recent = await run(2 * DAY);
    const stillRunning = await run(40 * DAY, { running: true });
    const straddling = await run(40 * DAY);
    const [, newerSpan] = (await dataSource.query(
      'SELECT span_id FROM agent_executions WHERE trace_id = $1 ORDER BY span_id',
      [straddling],
    )) as Array<{ span_id: string }>;
    await age(straddling, 1 * DAY, newerSpan!.span_id);

    const result = await pruneRuns(dataSource, { olderThan: 30 * DAY, batchSize: 2 });

    expect(result).toEqual({
      traces: 3,
      executions: 9,
      performance: 9,
      decisions: 3,
      events: 3,
      partitionsDropped: [],
      partitionKept: null,
    });
    for (const traceId of old) expect(await rowsOf(traceId)).toBe(0);
    expect(await rowsOf(recent)).toBe(5);
    expect(await rowsOf(stillRunning)).toBe(5);
    expect(await rowsOf(straddling)).toBe(5);
    expect(await orphans()).toEqual({ performance: 0, decisions: 0, events: 0 });
    // Nothing left to prune: a second pass deletes nothing.
    expect(await pruneRuns(dataSource, { olderThan: 30 * DAY })).toEqual({
      traces: 0,
      executions: 0,
      performance: 0,
      decisions: 0,
      events: 0,
      partitionsDropped: [],
      partitionKept: null,
    });
  });

  it('takes a point in time as well as an age, and walks many windows of creation time', async () => {
    const spread = [await run(400 * DAY), await run(200 * DAY), await run(100 * DAY)];
    const result = await pruneRuns(dataSource, { olderThan: new Date(Date.now() - 50 * DAY).toISOString() });
    expect(result.traces).toBe(3);
    for (const traceId of spread) expect(await rowsOf(traceId)).toBe(0);
  });

  it.each([[undefined], [-1], ['last week'], [new Date(Number.NaN)], [{}]])(
    'refuses olderThan %p with a clear message',
    async (olderThan) => {
      await expect(pruneRuns(dataSource, { olderThan } as never)).rejects.toThrow(
        /olderThan must be a Date, an ISO 8601 time or an age in milliseconds/,
      );
    },
  );
});
