import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { batchTotals } from '../../src/store/write/batch-totals';
import { copyFromStdin } from '../../src/store/write/copy-from-stdin';
import { dedupeRecords, type MergedSpan } from '../../src/store/write/dedupe-records';
import type { SpanRecord } from '../../src/model/records';
import { buildCopyStatements, encodeCopyChunk } from '../../src/store/write/span-copy';
import { SpanWriter, type LoadMethod } from '../../src/store/write/span-writer';
import { finalSpan, llmSpan, newSpanId, newTraceId, runningSpan } from '../support/span-records';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';

/**
 * The binary COPY encoding against the server: rows the encoder writes are accepted as they are, and store exactly
 * what the upsert stores for the same records — every column, for awkward text, times far from 2000, costs past
 * their column's scale, totals. PGlite's socket server cannot receive COPY data, so this runs on a server only.
 */
const onServer = process.env.DATABASE_URL ? describe : describe.skip;

onServer('binary COPY against the server', () => {
  const fixtures: StoreFixture[] = [];
  afterAll(async () => {
    await Promise.all(fixtures.map((fixture) => fixture.close()));
  });

  async function freshStore(): Promise<DataSource> {
    const fixture = await createStoreFixture();
    fixtures.push(fixture);
    return fixture.dataSource;
  }

  it("stores from the encoder's own COPY data exactly what the upsert stores, and so does the writer's COPY path", async () => {
    const records = awkwardRun();
    const spans = dedupeRecords(records);
    const totals = batchTotals(spans);
    const totalsOf = (span: MergedSpan) => totals.get(span.record.execution.traceId)?.agents.get(span);
    const { data, refused } = encodeCopyChunk(spans, totalsOf);
    expect(refused).toEqual([]);
    expect(totals.size).toBe(1); // the agent's totals are in the COPY data

    const copied = await freshStore();
    const client = new Client({ connectionString: fixtures.at(-1)!.database.url });
    await client.connect();
    try {
      const statements = buildCopyStatements(copied);
      await client.query('BEGIN');
      await copyFromStdin(client as never, statements.executions, data.executions);
      await copyFromStdin(client as never, statements.performance, data.performance);
      await copyFromStdin(client as never, statements.decisions, data.decisions);
      await copyFromStdin(client as never, statements.events, data.events);
      await client.query('COMMIT');
    } finally {
      await client.end();
    }

    const byWriter = async (loadMethod: LoadMethod) => {
      const store = await freshStore();
      expect(await new SpanWriter(store, { loadMethod }).write(records)).toEqual({
        written: records.length,
        rejected: [],
      });
      return snapshot(store);
    };
    const upserted = await byWriter('upsert');
    expect(await snapshot(copied)).toEqual(upserted);
    expect(await byWriter('copy')).toEqual(upserted);
    // The comparison covers what it is meant to: every row of the run.
    const { executions, performance, decisions, events } = upserted as Record<string, unknown[]>;
    expect([executions!.length, performance!.length, decisions!.length, events!.length]).toEqual([6, 5, 1, 2]); // the task has no performance row
  });

  it('lets the server refuse what it refuses from text too: a value too long for its column fails the COPY', async () => {
    const store = await freshStore();
    const record = finalSpan({ traceId: newTraceId(), kind: 'tool', execution: { agentName: 'x'.repeat(300) } });
    const { data, refused } = encodeCopyChunk(dedupeRecords([record]));
    expect(refused).toEqual([]);
    const client = new Client({ connectionString: fixtures.at(-1)!.database.url });
    await client.connect();
    try {
      await expect(
        copyFromStdin(client as never, buildCopyStatements(store).executions, data.executions),
      ).rejects.toMatchObject({
        code: '22001', // string_data_right_truncation, as for text input: the writer then bisects it out
      });
    } finally {
      await client.end();
    }
  });
});

/** Every row of the store, without generated ids and bookkeeping timestamps, in a stable order. */
async function snapshot(store: DataSource): Promise<unknown> {
  const rows = (sql: string) => store.query(sql).then((result: Array<{ row: unknown }>) => result.map((r) => r.row));
  return {
    executions: await rows(
      `SELECT to_jsonb(e) - '{id,created_at,updated_at}'::text[] AS row FROM agent_executions e ORDER BY span_id`,
    ),
    performance: await rows(
      `SELECT to_jsonb(p) - '{execution_id,created_at,updated_at}'::text[] || jsonb_build_object('span', e.span_id) AS row
       FROM agent_performance p JOIN agent_executions e ON e.trace_id = p.trace_id AND e.id = p.execution_id ORDER BY e.span_id`,
    ),
    decisions: await rows(
      `SELECT to_jsonb(d) - '{id,execution_id,created_at}'::text[] AS row FROM agent_decisions d ORDER BY span_id, ordinal`,
    ),
    events: await rows(
      `SELECT to_jsonb(v) - '{id,execution_id,created_at}'::text[] AS row FROM agent_events v ORDER BY span_id, ordinal`,
    ),
  };
}

/** A whole run (its agent's start and end in the batch, so COPY takes the agent too) full of awkward values. */
function awkwardRun(): SpanRecord[] {
  const traceId = newTraceId();
  const agentSpanId = newSpanId();
  const awkward = 'tab\there\nnew line\r\\N not null \\. \\\\ "quoted" ünïcødé 🚀 \u2028';
  const started = runningSpan({
    traceId,
    spanId: agentSpanId,
    execution: { startedAt: '2026-11-22T04:30:42.000001Z' },
  });
  const agent = finalSpan({
    traceId,
    spanId: agentSpanId,
    kind: 'agent',
    execution: {
      startedAt: '2026-11-22T04:30:42.000001Z',
      completedAt: '2026-11-22T04:30:43.999999Z',
      qualityScore: 92.5,
      metadata: JSON.stringify({ issue: 7, note: awkward }),
      metrics: '{"leads":3,"ratio":0.125}',
      input: JSON.stringify({ prompt: awkward.repeat(20), list: [1, 2.5, -3e-7, null, true] }),
    },
    performance: { durationMs: 1999.998 },
  });
  agent.decisions = [
    {
      ordinal: 0,
      name: 'choose_channel',
      choice: '"linkedin"',
      alternatives: '["linkedin","email"]',
      reasoning: awkward,
      confidence: 1 / 3,
      context: '{"budget":100}',
      occurredAt: new Date('2026-11-22T04:30:43.123Z'),
    },
  ];
  agent.events = [
    {
      ordinal: 0,
      level: 'info',
      message: awkward,
      attributes: '{"step":1}',
      occurredAt: '2026-11-22T04:30:42.500000Z',
    },
    {
      ordinal: 1,
      level: 'error',
      message: 'x'.repeat(5_000),
      attributes: null,
      occurredAt: '1999-12-31T23:59:59.999999Z',
    },
  ];
  return [
    started,
    agent,
    llmSpan(traceId, agentSpanId, { costUsd: '0.00000000005', inputTokens: 2_000_000_000 }, { name: awkward }),
    llmSpan(
      traceId,
      agentSpanId,
      { costUsd: '123.45678901234', durationMs: 0.123456789 },
      {
        startedAt: '9999-12-31T23:59:59.999999Z',
        completedAt: null,
        output: JSON.stringify('ü'.repeat(100)),
      },
    ),
    // A model no price is known for: the writer's pricing (which the direct COPY above skips) leaves it unknown.
    llmSpan(
      traceId,
      agentSpanId,
      { costUsd: null, costSource: 'unknown', usageSource: 'estimated', requestModel: 'in-house', responseModel: null },
      {
        startedAt: '0001-01-01T00:00:00.000001Z',
        qualityScore: Number.NaN,
      },
    ),
    finalSpan({
      traceId,
      parentSpanId: agentSpanId,
      kind: 'tool',
      execution: {
        status: 'failed',
        errorType: 'TimeoutError',
        errorMessage: awkward,
        startedAt: new Date('1970-01-01T00:00:00.001Z'),
      },
    }),
    finalSpan({
      traceId,
      parentSpanId: agentSpanId,
      kind: 'task',
      performance: null,
      execution: { input: null, output: null },
    }),
  ];
}
