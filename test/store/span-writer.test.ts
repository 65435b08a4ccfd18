import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { AgentExecution } from '../../src/store/schema/entities';
import type { SpanRecord } from '../../src/model/records';
import { SpanWriter, type LoadMethod } from '../../src/store/write/span-writer';
import { TRACE_LOCK_NAMESPACE, traceLockBucket } from '../../src/store/write/trace-locks';
import { finalSpan, llmSpan, newSpanId, newTraceId, runningSpan } from '../support/span-records';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';

let fixture: StoreFixture;
let dataSource: DataSource;
let writer: SpanWriter;

beforeAll(async () => {
  fixture = await createStoreFixture();
  dataSource = fixture.dataSource;
});

// Every behaviour holds for both ways of loading new spans. PGlite's socket server cannot receive COPY data, so
// there `auto` (which picks the upsert) is what runs.
const LOAD_METHODS: LoadMethod[] = process.env.DATABASE_URL ? ['copy', 'upsert'] : ['auto'];

afterAll(async () => {
  await fixture?.close();
});

/** Every stored row of a trace, in a stable order, without the bookkeeping timestamps. */
async function snapshotTrace(traceId: string): Promise<unknown> {
  const strip = 'created_at, updated_at';
  const [executions, performance, decisions, events] = await Promise.all([
    dataSource.query(
      `SELECT to_jsonb(e) - '{${strip}}'::text[] AS row FROM agent_executions e WHERE trace_id = $1 ORDER BY span_id`,
      [traceId],
    ),
    dataSource.query(
      `SELECT to_jsonb(p) - '{${strip}}'::text[] AS row FROM agent_performance p
       JOIN agent_executions e ON e.trace_id = p.trace_id AND e.id = p.execution_id WHERE e.trace_id = $1 ORDER BY e.span_id`,
      [traceId],
    ),
    dataSource.query(
      `SELECT to_jsonb(d) - 'created_at' AS row FROM agent_decisions d WHERE trace_id = $1 ORDER BY span_id, ordinal`,
      [traceId],
    ),
    dataSource.query(
      `SELECT to_jsonb(v) - 'created_at' AS row FROM agent_events v WHERE trace_id = $1 ORDER BY span_id, ordinal`,
      [traceId],
    ),
  ]);
  return { executions, performance, decisions, events };
}

async function execution(traceId: string, spanId: string): Promise<AgentExecution | null> {
  return dataSource.getRepository(AgentExecution).findOne({
    where: { traceId, spanId },
    relations: { performance: true, decisions: true, events: true },
  });
}

async function totalsOf(traceId: string, spanId: string): Promise<Record<string, unknown>> {
  const [row] = await dataSource.query(
    `SELECT p.total_input_tokens::int AS "input", p.total_output_tokens::int AS "output",
            p.total_cache_read_tokens::int AS "cacheRead", p.total_cache_write_tokens::int AS "cacheWrite",
            p.total_reasoning_tokens::int AS "reasoning", p.total_cost_usd::text AS "cost",
            p.llm_call_count AS "llmCalls", p.tool_call_count AS "toolCalls", p.error_count AS "errors"
     FROM agent_performance p JOIN agent_executions e ON e.trace_id = p.trace_id AND e.id = p.execution_id
     WHERE e.trace_id = $1 AND e.span_id = $2`,
    [traceId, spanId],
  );
  return row ?? {};
}

async function countRows(traceId: string): Promise<Record<string, number>> {
  const [row] = await dataSource.query(
    `SELECT (SELECT count(*) FROM agent_executions WHERE trace_id = $1)::int AS executions,
            (SELECT count(*) FROM agent_performance p JOIN agent_executions e ON e.trace_id = p.trace_id AND e.id = p.execution_id
              WHERE e.trace_id = $1)::int AS performance,
            (SELECT count(*) FROM agent_decisions WHERE trace_id = $1)::int AS decisions,
            (SELECT count(*) FROM agent_events WHERE trace_id = $1)::int AS events`,
    [traceId],
  );
  return row;
}

/** An agent with a decision, an event, an LLM call and a failing tool call. */
function smallRun(traceId = newTraceId()): { traceId: string; agentSpanId: string; records: SpanRecord[] } {
  const agent = finalSpan({ traceId, kind: 'agent', execution: { qualityScore: 92.5 } });
  agent.decisions = [
    {
      ordinal: 0,
      name: 'choose_channel',
      choice: '"linkedin"',
      alternatives: '["linkedin","email"]',
      reasoning: 'B2B audience',
      confidence: 0.85,
      context: '{"budget":100}',
      occurredAt: new Date('2026-11-01T10:00:01.000Z'),
    },
  ];
  agent.events = [
    {
      ordinal: 0,
      level: 'info',
      message: 'started',
      attributes: '{"step":1}',
      occurredAt: new Date('2026-11-01T10:00:00.500Z'),
    },
    {
      ordinal: 1,
      level: 'error',
      message: 'tool failed',
      attributes: null,
      occurredAt: new Date('2026-11-01T10:00:01.200Z'),
    },
  ];
  const agentSpanId = agent.execution.spanId;
  const llm = llmSpan(traceId, agentSpanId);
  const tool = finalSpan({
    traceId,
    parentSpanId: agentSpanId,
    kind: 'tool',
    execution: { status: 'failed', errorType: 'TimeoutError', errorMessage: 'search timed out' },
  });
  return { traceId, agentSpanId, records: [llm, tool, agent] };
}

describe.each(LOAD_METHODS)('SpanWriter, loadMethod %s', (loadMethod) => {
  beforeAll(() => {
    writer = new SpanWriter(dataSource, { loadMethod });
  });

  it('stores a final record without any running record completely, in all four tables', async () => {
    const { traceId, agentSpanId, records } = smallRun();
    const result = await writer.write(records);
    expect(result).toEqual({ written: 3, rejected: [] });

    const agent = await execution(traceId, agentSpanId);
    expect(agent).toMatchObject({
      kind: 'agent',
      name: 'invoke_agent ResearchAgent',
      agentName: 'ResearchAgent',
      agentVersion: '1.0',
      status: 'completed',
      parentSpanId: null,
      startedAt: new Date('2026-11-01T10:00:00.000Z'),
      completedAt: new Date('2026-11-01T10:00:01.500Z'),
      input: { topic: 'AI' },
      output: { summary: 'done' },
      qualityScore: 92.5,
      userId: 'user-1',
      sessionId: 'session-1',
      tenantId: 'acme',
      conversationId: 'conversation-1',
      metadata: { issueNumber: 123 },
      serviceName: 'marketing',
    });
    expect(agent!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(agent!.performance).toMatchObject({ durationMs: 120, costSource: 'unknown', inputTokens: null });
    expect(agent!.decisions).toEqual([
      expect.objectContaining({
        ordinal: 0,
        agentName: 'ResearchAgent',
        name: 'choose_channel',
        choice: 'linkedin',
        alternatives: ['linkedin', 'email'],
        reasoning: 'B2B audience',
        confidence: 0.85,
        context: { budget: 100 },
        occurredAt: new Date('2026-11-01T10:00:01.000Z'),
      }),
    ]);
    expect(agent!.events!.sort((a, b) => a.ordinal - b.ordinal)).toEqual([
      expect.objectContaining({ ordinal: 0, level: 'info', message: 'started', attributes: { step: 1 } }),
      expect.objectContaining({ ordinal: 1, level: 'error', message: 'tool failed', attributes: null }),
    ]);

    const llm = await execution(traceId, records[0]!.execution.spanId);
    expect(llm!.parentSpanId).toBe(agentSpanId);
    expect(llm!.performance).toMatchObject({
      provider: 'openai',
      requestModel: 'gpt-4o',
      responseModel: 'gpt-4o-2024-08-06',
      inputTokens: 100,
      outputTokens: 20,
      cacheReadTokens: 10,
      cacheWriteTokens: 0,
      reasoningTokens: 5,
      costUsd: '0.0012500000',
      costSource: 'calculated',
    });
    const tool = await execution(traceId, records[1]!.execution.spanId);
    expect(tool).toMatchObject({ status: 'failed', errorType: 'TimeoutError', errorMessage: 'search timed out' });
  });

  it('gives the same rows and counts when the same batch is delivered twice', async () => {
    const { traceId, records } = smallRun();
    await writer.write(records);
    const before = await snapshotTrace(traceId);
    const second = await writer.write(records);
    expect(second).toEqual({ written: 3, rejected: [] });
    expect(await snapshotTrace(traceId)).toEqual(before);
    expect(await countRows(traceId)).toEqual({ executions: 3, performance: 3, decisions: 1, events: 2 });
  });

  it('never lets a running record written after the final one change it', async () => {
    const traceId = newTraceId();
    const spanId = newSpanId();
    const final = finalSpan({
      traceId,
      spanId,
      execution: { output: '{"result":42}', qualityScore: 80, input: null, tenantId: null },
    });
    await writer.write([final]);
    const before = await snapshotTrace(traceId);
    const [{ updatedAt: updatedBefore }] = await dataSource.query(
      `SELECT updated_at AS "updatedAt" FROM agent_executions WHERE trace_id = $1`,
      [traceId],
    );

    const late = runningSpan({
      traceId,
      spanId,
      execution: { name: 'late start', input: '{"late":true}', tenantId: 'late-tenant', userId: 'x' },
    });
    expect(await writer.write([late])).toEqual({ written: 1, rejected: [] });
    expect(await snapshotTrace(traceId)).toEqual(before);
    expect(await execution(traceId, spanId)).toMatchObject({
      status: 'completed',
      name: 'invoke_agent ResearchAgent',
      input: null,
      tenantId: null,
      output: { result: 42 },
      qualityScore: 80,
      completedAt: final.execution.completedAt,
    });
    // Not even touched: the guard skips the update altogether.
    const [{ updatedAt: updatedAfter }] = await dataSource.query(
      `SELECT updated_at AS "updatedAt" FROM agent_executions WHERE trace_id = $1`,
      [traceId],
    );
    expect(updatedAfter).toEqual(updatedBefore);
  });

  it('keeps the final state when running and final records share a batch, in either order', async () => {
    for (const order of ['running-first', 'final-first'] as const) {
      const traceId = newTraceId();
      const spanId = newSpanId();
      const running = runningSpan({ traceId, spanId });
      const final = finalSpan({ traceId, spanId, execution: { status: 'failed', errorType: 'Boom' } });
      const batch = order === 'running-first' ? [running, final] : [final, running];
      expect(await writer.write(batch)).toEqual({ written: 2, rejected: [] });
      expect(await execution(traceId, spanId)).toMatchObject({ status: 'failed', errorType: 'Boom' });
      expect(await countRows(traceId)).toMatchObject({ executions: 1, performance: 1 });
    }
  });

  it('completes a running row with the final record and keeps what only the start knew', async () => {
    const traceId = newTraceId();
    const spanId = newSpanId();
    await writer.write([runningSpan({ traceId, spanId, execution: { input: '{"prompt":"hi"}' } })]);
    expect(await execution(traceId, spanId)).toMatchObject({ status: 'running', completedAt: null, performance: null });

    await writer.write([finalSpan({ traceId, spanId, execution: { input: null, output: '{"answer":"hello"}' } })]);
    expect(await execution(traceId, spanId)).toMatchObject({
      status: 'completed',
      input: { prompt: 'hi' },
      output: { answer: 'hello' },
      performance: expect.objectContaining({ durationMs: 120 }),
    });
  });

  it('stores finished agents without their start in one write: completing a running row, or new (as OTLP sends them)', async () => {
    // One agent's running row is stored (an application's long run); another's trace is new; a third's children
    // came in an earlier write. Each must end as one completed row with its totals.
    const waiting = { traceId: newTraceId(), spanId: newSpanId() };
    await writer.write([runningSpan({ ...waiting, execution: { input: '{"task":"plan"}' } })]);
    const early = { traceId: newTraceId(), spanId: newSpanId() };
    await writer.write([llmSpan(early.traceId, early.spanId, { inputTokens: 7, outputTokens: 1 })]);
    const fresh = { traceId: newTraceId(), spanId: newSpanId() };
    const batch = [
      llmSpan(waiting.traceId, waiting.spanId, { inputTokens: 30, outputTokens: 3 }),
      finalSpan({ ...waiting, kind: 'agent', execution: { input: null } }),
      llmSpan(fresh.traceId, fresh.spanId, { inputTokens: 20, outputTokens: 2 }),
      finalSpan({ ...fresh, kind: 'agent' }),
      finalSpan({ ...early, kind: 'agent' }),
    ];
    expect(await writer.write(batch)).toEqual({ written: 5, rejected: [] });
    expect(await execution(waiting.traceId, waiting.spanId)).toMatchObject({
      status: 'completed',
      input: { task: 'plan' },
    });
    for (const [run, input] of [
      [waiting, 30],
      [fresh, 20],
      [early, 7],
    ] as const) {
      expect(await countRows(run.traceId)).toMatchObject({ executions: 2, performance: 2 });
      expect(await totalsOf(run.traceId, run.spanId)).toMatchObject({ input, llmCalls: 1, toolCalls: 0 });
    }
  });

  it('lets a second running record fill only what the first one lacked', async () => {
    const traceId = newTraceId();
    const spanId = newSpanId();
    await writer.write([runningSpan({ traceId, spanId, execution: { tenantId: null, userId: 'first' } })]);
    await writer.write([runningSpan({ traceId, spanId, execution: { tenantId: 'acme', userId: 'second' } })]);
    expect(await execution(traceId, spanId)).toMatchObject({ status: 'running', tenantId: 'acme', userId: 'first' });
  });

  describe('subtree totals on agent rows', () => {
    /** agent → task → (2 LLM calls, 1 failed tool), agent → nested agent → 1 LLM call. */
    function tree() {
      const traceId = newTraceId();
      const agent = finalSpan({ traceId, kind: 'agent', performance: { inputTokens: 7, costUsd: '0.0000000001' } });
      const task = finalSpan({ traceId, parentSpanId: agent.execution.spanId, kind: 'task' });
      const llm1 = llmSpan(traceId, task.execution.spanId, {
        inputTokens: 100,
        outputTokens: 10,
        costUsd: '0.0010000000',
      });
      const llm2 = llmSpan(traceId, task.execution.spanId, {
        inputTokens: 200,
        outputTokens: 20,
        cacheReadTokens: null,
        costUsd: '0.0020000000',
      });
      const tool = finalSpan({
        traceId,
        parentSpanId: task.execution.spanId,
        kind: 'tool',
        execution: { status: 'failed' },
      });
      const nested = finalSpan({ traceId, parentSpanId: agent.execution.spanId, kind: 'agent' });
      const llm3 = llmSpan(traceId, nested.execution.spanId, {
        inputTokens: 1000,
        outputTokens: 100,
        costUsd: '0.0100000000',
      });
      return { traceId, agent, task, llm1, llm2, tool, nested, llm3 };
    }

    const expectedAgentTotals = {
      input: 1307,
      output: 130,
      cacheRead: 20,
      cacheWrite: 0,
      reasoning: 15,
      cost: '0.0130000001',
      llmCalls: 3,
      toolCalls: 1,
      errors: 1,
    };
    const expectedNestedTotals = {
      input: 1000,
      output: 100,
      cacheRead: 10,
      cacheWrite: 0,
      reasoning: 5,
      cost: '0.0100000000',
      llmCalls: 1,
      toolCalls: 0,
      errors: 0,
    };

    it('cap a total cost too large for its column instead of failing the batch', async () => {
      const traceId = newTraceId();
      const agent = finalSpan({ traceId, kind: 'agent' });
      // 10,001 children at the largest cost a span can carry: their sum overflows numeric(24, 10).
      await dataSource.query(
        `WITH children AS (
           INSERT INTO agent_executions (trace_id, span_id, parent_span_id, kind, name, status, started_at)
           SELECT $1, lpad(to_hex(n), 16, '0'), $2, 'tool', 'costly', 'completed', now()
           FROM generate_series(1, 10001) AS n RETURNING id, trace_id)
         INSERT INTO agent_performance (execution_id, trace_id, cost_usd, cost_source)
         SELECT id, trace_id, 9999999999.9999999999, 'provided' FROM children`,
        [traceId, agent.execution.spanId],
      );
      expect(await writer.write([agent])).toEqual({ written: 1, rejected: [] });
      expect(await totalsOf(traceId, agent.execution.spanId)).toMatchObject({
        cost: '99999999999999.9999999999',
        toolCalls: 10001,
      });
    });

    it('leave the total cost unknown (null, not zero, not the cap) when no span of the run has a known cost', async () => {
      const traceId = newTraceId();
      const agent = finalSpan({ traceId, kind: 'agent' });
      const tool = finalSpan({ traceId, parentSpanId: agent.execution.spanId, kind: 'tool' });
      expect(await writer.write([tool, agent])).toEqual({ written: 2, rejected: [] });
      expect(await totalsOf(traceId, agent.execution.spanId)).toMatchObject({ cost: null, toolCalls: 1 });
    });

    it('are right when everything arrives in one batch', async () => {
      const t = tree();
      await writer.write([t.llm1, t.llm2, t.tool, t.task, t.llm3, t.nested, t.agent]);
      expect(await totalsOf(t.traceId, t.agent.execution.spanId)).toEqual(expectedAgentTotals);
      expect(await totalsOf(t.traceId, t.nested.execution.spanId)).toEqual(expectedNestedTotals);
    });

    /** The agents' start records too, merged into the same write as the processor does: what the COPY path takes. */
    const started = (t: ReturnType<typeof tree>) =>
      [t.agent, t.nested].map((agent) =>
        runningSpan({ traceId: t.traceId, spanId: agent.execution.spanId, parentSpanId: agent.execution.parentSpanId }),
      );

    it('are right when whole runs, started and ended, arrive in one batch (summed in Node on the COPY path)', async () => {
      const t = tree();
      await writer.write([...started(t), t.llm1, t.llm2, t.tool, t.task, t.llm3, t.nested, t.agent]);
      expect(await totalsOf(t.traceId, t.agent.execution.spanId)).toEqual(expectedAgentTotals);
      expect(await totalsOf(t.traceId, t.nested.execution.spanId)).toEqual(expectedNestedTotals);
    });

    it('count children stored before, when the rest of the run arrives whole-looking in a later batch', async () => {
      const t = tree();
      // The LLM calls and the tool first: their parents are not there yet.
      await writer.write([t.llm1, t.llm2, t.tool, t.llm3]);
      // Then the agents and the task: no parent outside this write, but the database holds four more spans of it.
      await writer.write([...started(t), t.task, t.nested, t.agent]);
      expect(await totalsOf(t.traceId, t.agent.execution.spanId)).toEqual(expectedAgentTotals);
      expect(await totalsOf(t.traceId, t.nested.execution.spanId)).toEqual(expectedNestedTotals);
    });

    it('are right when children are written after the parent, in separate batches', async () => {
      const t = tree();
      await writer.write([t.agent]);
      await writer.write([t.nested]);
      await writer.write([t.task]);
      await writer.write([t.llm1, t.tool]);
      await writer.write([t.llm2]);
      await writer.write([t.llm3]);
      expect(await totalsOf(t.traceId, t.agent.execution.spanId)).toEqual(expectedAgentTotals);
      expect(await totalsOf(t.traceId, t.nested.execution.spanId)).toEqual(expectedNestedTotals);
    });

    it('are right when the parent is written after its children, in separate batches', async () => {
      const t = tree();
      await writer.write([t.llm3]);
      await writer.write([t.llm1, t.llm2]);
      await writer.write([t.tool]);
      await writer.write([t.task]);
      await writer.write([t.nested]);
      await writer.write([t.agent]);
      expect(await totalsOf(t.traceId, t.agent.execution.spanId)).toEqual(expectedAgentTotals);
      expect(await totalsOf(t.traceId, t.nested.execution.spanId)).toEqual(expectedNestedTotals);
    });

    /** A second span of llm1's model call (an SDK's own span inside it) and a wrapper's summed usage: not counted. */
    const uncounted = (t: ReturnType<typeof tree>) => [
      llmSpan(t.traceId, t.llm1.execution.spanId, {
        inputTokens: 100,
        outputTokens: 10,
        costUsd: '0.0010000000',
        counted: false,
      }),
      finalSpan({
        traceId: t.traceId,
        parentSpanId: t.agent.execution.spanId,
        kind: 'task',
        performance: {
          inputTokens: 1307,
          outputTokens: 130,
          costUsd: '0.0130000000',
          costSource: 'provided',
          counted: false,
        },
      }),
    ];

    it('leave out rows marked not counted, summed in Node (one batch) and in SQL (separate batches)', async () => {
      const whole = tree();
      await writer.write([
        ...started(whole),
        whole.llm1,
        whole.llm2,
        whole.tool,
        whole.task,
        whole.llm3,
        whole.nested,
        whole.agent,
        ...uncounted(whole),
      ]);
      expect(await totalsOf(whole.traceId, whole.agent.execution.spanId)).toEqual(expectedAgentTotals);
      const apart = tree();
      for (const record of [
        apart.agent,
        apart.nested,
        apart.task,
        ...uncounted(apart),
        apart.llm1,
        apart.llm2,
        apart.tool,
        apart.llm3,
      ]) {
        await writer.write([record]);
      }
      expect(await totalsOf(apart.traceId, apart.agent.execution.spanId)).toEqual(expectedAgentTotals);
      const [row] = await dataSource.query(
        `SELECT count(*) FILTER (WHERE NOT p.counted)::int AS uncounted, count(*)::int AS rows
         FROM agent_performance p JOIN agent_executions e ON e.trace_id = p.trace_id AND e.id = p.execution_id WHERE e.trace_id = $1`,
        [apart.traceId],
      );
      expect(row).toEqual({ uncounted: 2, rows: 9 });
    });

    it('are recomputed, not incremented, when children are delivered again', async () => {
      const t = tree();
      const all = [t.llm1, t.llm2, t.tool, t.task, t.llm3, t.nested, t.agent];
      await writer.write(all);
      await writer.write([t.llm1, t.llm3]);
      await writer.write(all);
      expect(await totalsOf(t.traceId, t.agent.execution.spanId)).toEqual(expectedAgentTotals);
    });

    it('stay right when batches for the same trace are written concurrently', async () => {
      // Without the per-trace lock, each transaction's recompute can miss the other's uncommitted rows.
      for (let round = 0; round < 20; round++) {
        const t = tree();
        await Promise.all([
          writer.write([t.agent]),
          writer.write([t.llm1, t.llm2]),
          writer.write([t.task, t.tool]),
          writer.write([t.nested, t.llm3]),
        ]);
        expect(await totalsOf(t.traceId, t.agent.execution.spanId)).toEqual(expectedAgentTotals);
      }
    });

    it('appear for a running agent once it ends, or on every write with liveTotals', async () => {
      const traceId = newTraceId();
      const agentSpanId = newSpanId();
      const running = runningSpan({ traceId, spanId: agentSpanId });
      const llm = llmSpan(traceId, agentSpanId, { inputTokens: 40, outputTokens: 4, costUsd: '0.5' });
      await writer.write([running, llm]);
      expect(await totalsOf(traceId, agentSpanId)).toEqual({});

      await new SpanWriter(dataSource, { liveTotals: true, loadMethod }).write([llm]);
      expect(await totalsOf(traceId, agentSpanId)).toMatchObject({ input: 40, llmCalls: 1, cost: '0.5000000000' });

      await writer.write([finalSpan({ traceId, spanId: agentSpanId, performance: { inputTokens: 1 } })]);
      expect(await totalsOf(traceId, agentSpanId)).toMatchObject({ input: 41, output: 4, llmCalls: 1, errors: 0 });
    });
  });

  describe('bad rows', () => {
    it('rejects a row violating a CHECK constraint alone and writes the rest of its batch', async () => {
      const traceId = newTraceId();
      // Tools go through COPY where it is used, agents through the upsert: both must set the bad row aside.
      const good = Array.from({ length: 9 }, (_, i) => finalSpan({ traceId, kind: i % 3 === 0 ? 'agent' : 'tool' }));
      const bad = finalSpan({ traceId, kind: 'tool', execution: { qualityScore: 150 } });
      const batch = [...good.slice(0, 4), bad, ...good.slice(4)];

      const result = await writer.write(batch);
      expect(result.written).toBe(9);
      expect(result.rejected).toHaveLength(1);
      expect(result.rejected[0]!.record).toBe(bad);
      expect(result.rejected[0]!.reason).toMatch(/23514.*chk_agent_executions_quality_score/);
      expect(await countRows(traceId)).toMatchObject({ executions: 9, performance: 9 });
      expect(await execution(traceId, bad.execution.spanId)).toBeNull();
    });

    it('rejects several bad rows of different kinds, each with its own reason, and keeps the good ones', async () => {
      const traceId = newTraceId();
      const badJson = finalSpan({ traceId, kind: 'tool', execution: { input: '{not json' } });
      const tooLong = finalSpan({ traceId, kind: 'task', execution: { agentName: 'x'.repeat(300) } });
      const badDecision = finalSpan({ traceId, kind: 'decision' });
      badDecision.decisions = [
        {
          ordinal: 0,
          name: 'pick',
          choice: null,
          alternatives: null,
          reasoning: null,
          confidence: 1.5,
          context: null,
          occurredAt: new Date(),
        },
      ];
      const negativeTokens = llmSpan(traceId, newSpanId(), { inputTokens: -5 });
      const good = Array.from({ length: 20 }, (_, i) => finalSpan({ traceId, kind: i % 4 === 0 ? 'agent' : 'tool' }));
      const batch = [
        ...good.slice(0, 5),
        badJson,
        ...good.slice(5, 10),
        tooLong,
        badDecision,
        ...good.slice(10),
        negativeTokens,
      ];

      const result = await new SpanWriter(dataSource, { chunkSize: 7, loadMethod }).write(batch);
      expect(result.written).toBe(20);
      const reasons = new Map(result.rejected.map(({ record, reason }) => [record, reason]));
      expect(reasons.size).toBe(4);
      expect(reasons.get(badJson)).toMatch(/22P02.*json/i);
      expect(reasons.get(tooLong)).toMatch(/22001/);
      expect(reasons.get(badDecision)).toMatch(/chk_agent_decisions_confidence/);
      expect(reasons.get(negativeTokens)).toMatch(/chk_agent_performance_tokens/);
      // A rejected record leaves nothing behind, not even its execution row.
      expect(await countRows(traceId)).toEqual({ executions: 20, performance: 20, decisions: 0, events: 0 });
    });

    it('rejects every original record of a merged span that is bad', async () => {
      const traceId = newTraceId();
      const spanId = newSpanId();
      const running = runningSpan({ traceId, spanId });
      const final = finalSpan({ traceId, spanId, execution: { qualityScore: -1 } });
      const result = await writer.write([running, final, finalSpan({ traceId })]);
      expect(result.written).toBe(1);
      expect(result.rejected.map(({ record }) => record)).toEqual([running, final]);
    });
  });

  it('writes a batch far beyond the 65,535-parameter limit exactly once', async () => {
    const traceId = newTraceId();
    const batch = Array.from({ length: 10_000 }, () => finalSpan({ traceId, kind: 'tool' }));
    const result = await writer.write(batch);
    expect(result).toEqual({ written: 10_000, rejected: [] });
    expect(await countRows(traceId)).toMatchObject({ executions: 10_000, performance: 10_000 });
    const [{ distinct }] = await dataSource.query(
      `SELECT count(DISTINCT span_id)::int AS distinct FROM agent_executions WHERE trace_id = $1`,
      [traceId],
    );
    expect(distinct).toBe(10_000);
  });

  // PGlite shares one session between connections (advisory locks are re-entrant there) and runs one query at a time.
  const onServer = process.env.DATABASE_URL ? it : it.skip;
  onServer('waits for the lock of a trace another transaction is writing', async () => {
    const traceId = newTraceId();
    const other = new Client({ connectionString: fixture.database.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock($1, $2)', [TRACE_LOCK_NAMESPACE, traceLockBucket(traceId)]);
      let done = false;
      const writing = writer.write([finalSpan({ traceId })]).then((result) => {
        done = true;
        return result;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(done).toBe(false);
      await other.query('COMMIT');
      expect(await writing).toEqual({ written: 1, rejected: [] });
    } finally {
      await other.end();
    }
  });

  it('stores text with tabs, newlines, backslashes, quotes and non-ASCII characters exactly', async () => {
    const traceId = newTraceId();
    const awkward = 'tab\there\nnew line\r\\N not null \\. \\\\ "quoted" ünïcødé 🚀 \u2028';
    const records = [
      finalSpan({
        traceId,
        kind: 'tool',
        execution: { name: awkward, errorMessage: awkward, input: JSON.stringify({ text: awkward, path: 'C:\\x' }) },
      }),
      finalSpan({ traceId, kind: 'tool', execution: { name: '\\.', errorMessage: '' } }),
    ];
    expect(await writer.write(records)).toEqual({ written: 2, rejected: [] });
    const rows = await dataSource.query(
      `SELECT name, error_message, input FROM agent_executions WHERE trace_id = $1 ORDER BY span_id`,
      [traceId],
    );
    const bySpan = new Map(records.map((record) => [record.execution.name, record]));
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      const record = bySpan.get(row.name)!;
      expect(record).toBeDefined();
      expect(row.error_message).toBe(record.execution.errorMessage);
      expect(row.input).toEqual(record.execution.input === null ? null : JSON.parse(record.execution.input));
    }
  });

  it('merges new spans and spans already stored in one batch, without duplicates', async () => {
    const traceId = newTraceId();
    const stored = Array.from({ length: 5 }, () => finalSpan({ traceId, kind: 'tool' }));
    await writer.write(stored);
    const changed = { ...stored[2]!, execution: { ...stored[2]!.execution, status: 'failed' as const } };
    const fresh = Array.from({ length: 5 }, () => finalSpan({ traceId, kind: 'llm' }));
    const result = await writer.write([...fresh.slice(0, 2), ...stored.slice(0, 2), changed, ...fresh.slice(2)]);
    expect(result).toEqual({ written: 8, rejected: [] });
    expect(await countRows(traceId)).toMatchObject({ executions: 10, performance: 10 });
    expect(await execution(traceId, changed.execution.spanId)).toMatchObject({ status: 'failed' });
  });

  it('does nothing for an empty batch', async () => {
    expect(await writer.write([])).toEqual({ written: 0, rejected: [] });
  });
});
