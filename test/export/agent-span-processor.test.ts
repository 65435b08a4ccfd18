import { trace } from '@opentelemetry/api';
import type { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { Agent, Decision, LLM, log, recordUsage, Tool, Trace, withAgentContext } from '../../src/instrument';
import type { AgentSpanProcessor } from '../../src/export/agent-span-processor';
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

beforeEach(() => exporter.reset());

async function flushed(): Promise<void> {
  const result = await processor.flush(30_000);
  expect(result.complete).toBe(true);
}

const query = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
  store.dataSource.query(sql, params) as Promise<T[]>;

const executionsOf = (traceId: string) =>
  query<{ span_id: string; parent_span_id: string | null; kind: string; name: string; status: string }>(
    'SELECT span_id, parent_span_id, kind, name, status FROM agent_executions WHERE trace_id = $1 ORDER BY started_at',
    [traceId],
  );

/** bigint columns come back from pg as strings; the totals are compared as numbers. */
function numbers(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([key, value]) => [
      key,
      key.startsWith('total_') && typeof value === 'string' ? Number(value) : value,
    ]),
  );
}

function deferred(): { promise: Promise<void>; release: () => void } {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

@Agent({ name: 'Planner', version: '1.2' })
class Planner {
  constructor(private readonly gate?: Promise<void>) {}

  @Trace() async plan(goal: string) {
    log('info', 'planning', { goal });
    const research = await this.research(goal);
    const [a, b] = await Promise.all([this.think(`${goal}: ${research}`), this.think('second opinion')]);
    const pick = await this.pick([a, b]);
    if (this.gate) await this.gate;
    return { goal, pick: pick.choice };
  }
  @Trace() async research(goal: string) {
    return this.lookup(goal);
  }
  @Tool({ name: 'lookup' }) async lookup(q: string) {
    return `facts about ${q}`;
  }
  @LLM({ provider: 'openai', model: 'gpt-4o-mini' }) async think(prompt: string) {
    recordUsage({ costUsd: 0.00042 });
    return {
      object: 'chat.completion',
      id: `cmpl-${prompt.length}`,
      model: 'gpt-4o-mini-2024-07-18',
      usage: {
        prompt_tokens: 200,
        completion_tokens: 50,
        prompt_tokens_details: { cached_tokens: 120 },
        completion_tokens_details: { reasoning_tokens: 10 },
      },
      choices: [{ message: { content: prompt.toUpperCase() }, finish_reason: 'stop' }],
    };
  }
  @Decision({ name: 'which_plan' }) async pick(options: unknown[]) {
    return { choice: 0, alternatives: options.map((_, i) => i), reasoning: 'first is cheaper', confidence: 0.72 };
  }
  @Trace() async explode(): Promise<never> {
    await this.lookup('doomed');
    throw new TypeError('the plan exploded');
  }
}

describe('AgentSpanProcessor on a real database', () => {
  it('records a running agent, then its final state: running → completed', async () => {
    const gate = deferred();
    const pending = withAgentContext({ userId: 'alice', tenantId: 'acme', metadata: { issueNumber: 123, pr: 9 } }, () =>
      new Planner(gate.promise).plan('launch'),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    await flushed();
    const [running] = await query<{
      status: string;
      completed_at: Date | null;
      input: unknown;
      user_id: string;
      metadata: unknown;
    }>(
      `SELECT status, completed_at, input, user_id, metadata FROM agent_executions WHERE kind = 'agent' AND name = 'invoke_agent Planner' AND status = 'running'`,
    );
    expect(running).toMatchObject({ status: 'running', completed_at: null, input: ['launch'], user_id: 'alice' });
    expect(running.metadata).toEqual({ issueNumber: 123, pr: 9 });

    gate.release();
    await expect(pending).resolves.toEqual({ goal: 'launch', pick: 0 });
    await flushed();
    const agentSpan = exporter.getFinishedSpans().find((s) => s.name === 'invoke_agent Planner')!;
    const [final] = await query<{
      status: string;
      completed_at: Date;
      output: unknown;
      agent_version: string;
      tenant_id: string;
    }>('SELECT status, completed_at, output, agent_version, tenant_id FROM agent_executions WHERE span_id = $1', [
      agentSpan.spanContext().spanId,
    ]);
    expect(final).toMatchObject({
      status: 'completed',
      output: { goal: 'launch', pick: 0 },
      agent_version: '1.2',
      tenant_id: 'acme',
    });
    expect(final.completed_at).toBeInstanceOf(Date);
  });

  it('records a failure with its error type and message: running → failed', async () => {
    await expect(new Planner().explode()).rejects.toThrow('the plan exploded');
    await flushed();
    const span = exporter.getFinishedSpans().find((s) => s.name === 'invoke_agent Planner')!;
    const [row] = await query<{ status: string; error_type: string; error_message: string; id: string }>(
      'SELECT id, status, error_type, error_message FROM agent_executions WHERE span_id = $1',
      [span.spanContext().spanId],
    );
    expect(row).toMatchObject({ status: 'failed', error_type: 'TypeError', error_message: 'the plan exploded' });
    const events = await query<{ level: string; message: string }>(
      'SELECT level, message FROM agent_events WHERE execution_id = $1',
      [row.id],
    );
    expect(events).toEqual([{ level: 'error', message: 'the plan exploded' }]);
    const [perf] = await query<{ error_count: number; tool_call_count: number }>(
      'SELECT error_count, tool_call_count FROM agent_performance WHERE execution_id = $1',
      [row.id],
    );
    expect(perf).toEqual({ error_count: 1, tool_call_count: 1 });
  });

  it('stores the nested tree with parent links, token buckets, run totals, decisions and events', async () => {
    await new Planner().plan('tree');
    await flushed();
    const spans = exporter.getFinishedSpans();
    const traceId = spans[0].spanContext().traceId;
    const rows = await executionsOf(traceId);
    expect(rows).toHaveLength(spans.length);
    const byName = (name: string) => rows.filter((r) => r.name === name);
    const agent = byName('invoke_agent Planner')[0];
    expect(agent.parent_span_id).toBeNull();
    expect(byName('Planner.research')[0].parent_span_id).toBe(agent.span_id);
    expect(byName('execute_tool lookup')[0].parent_span_id).toBe(byName('Planner.research')[0].span_id);
    expect(byName('chat gpt-4o-mini').map((r) => r.parent_span_id)).toEqual([agent.span_id, agent.span_id]);
    expect(Object.fromEntries(rows.map((r) => [r.name, r.kind]))).toEqual({
      'invoke_agent Planner': 'agent',
      'Planner.research': 'task',
      'execute_tool lookup': 'tool',
      'chat gpt-4o-mini': 'llm',
      'decision which_plan': 'decision',
    });

    const [llm] = await query(
      `SELECT p.* FROM agent_performance p JOIN agent_executions e ON e.trace_id = p.trace_id AND e.id = p.execution_id
       WHERE e.trace_id = $1 AND e.kind = 'llm' LIMIT 1`,
      [traceId],
    );
    expect(llm).toMatchObject({
      provider: 'openai',
      request_model: 'gpt-4o-mini',
      response_model: 'gpt-4o-mini-2024-07-18',
      input_tokens: 80,
      cache_read_tokens: 120,
      cache_write_tokens: null,
      output_tokens: 40,
      reasoning_tokens: 10,
      cost_source: 'provided',
    });
    expect(Number(llm.cost_usd)).toBe(0.00042);

    const [totals] = await query(
      `SELECT p.* FROM agent_performance p JOIN agent_executions e ON e.trace_id = p.trace_id AND e.id = p.execution_id WHERE e.span_id = $1`,
      [agent.span_id],
    );
    expect(numbers(totals)).toMatchObject({
      total_input_tokens: 160,
      total_cache_read_tokens: 240,
      total_output_tokens: 80,
      total_reasoning_tokens: 10 * 2,
      llm_call_count: 2,
      tool_call_count: 1,
      error_count: 0,
    });
    expect(Number(totals.total_cost_usd)).toBeCloseTo(0.00084, 10);

    const decisions = await query(
      `SELECT d.name, d.choice, d.alternatives, d.reasoning, d.confidence, d.agent_name, e.name AS execution
       FROM agent_decisions d JOIN agent_executions e ON e.trace_id = d.trace_id AND e.id = d.execution_id WHERE d.trace_id = $1`,
      [traceId],
    );
    expect(decisions).toEqual([
      {
        name: 'which_plan',
        choice: 0,
        alternatives: [0, 1],
        reasoning: 'first is cheaper',
        confidence: 0.72,
        agent_name: 'Planner',
        execution: 'decision which_plan',
      },
    ]);
    const events = await query(
      `SELECT ev.level, ev.message, ev.attributes, e.name AS execution FROM agent_events ev
       JOIN agent_executions e ON e.trace_id = ev.trace_id AND e.id = ev.execution_id WHERE e.trace_id = $1`,
      [traceId],
    );
    expect(events).toEqual([
      { level: 'info', message: 'planning', attributes: { goal: 'tree' }, execution: 'invoke_agent Planner' },
    ]);
  });

  it('keeps run totals right when a child ends after its agent was written', async () => {
    const late = deferred();
    let child: Promise<unknown> | undefined;
    @Agent({ name: 'FireAndForget' })
    class FireAndForget {
      @Trace() async run() {
        child = this.slowCall();
        return 'returned before the child ended';
      }
      @LLM({ provider: 'openai', model: 'gpt-4o' }) async slowCall() {
        await late.promise;
        return { object: 'chat.completion', usage: { prompt_tokens: 1000, completion_tokens: 100 } };
      }
    }
    await new FireAndForget().run();
    await flushed();
    const agentSpan = exporter.getFinishedSpans().find((s) => s.name === 'invoke_agent FireAndForget')!;
    const totalsSql = `SELECT p.total_input_tokens, p.llm_call_count FROM agent_performance p
      JOIN agent_executions e ON e.trace_id = p.trace_id AND e.id = p.execution_id WHERE e.span_id = $1`;
    const [before] = await query(totalsSql, [agentSpan.spanContext().spanId]);
    expect(numbers(before)).toEqual({ total_input_tokens: null, llm_call_count: 0 });
    late.release();
    await child;
    await flushed();
    const [after] = await query(totalsSql, [agentSpan.spanContext().spanId]);
    expect(numbers(after)).toEqual({ total_input_tokens: 1000, llm_call_count: 1 });
  });

  it('is idempotent: the same spans delivered again give the same rows', async () => {
    await new Planner().plan('twice');
    await flushed();
    const spans = exporter.getFinishedSpans();
    const traceId = spans[0].spanContext().traceId;
    const snapshot = async () => ({
      executions: await query('SELECT * FROM agent_executions WHERE trace_id = $1 ORDER BY span_id', [traceId]),
      decisions: await query('SELECT id, name, choice FROM agent_decisions WHERE trace_id = $1', [traceId]),
      events: await query(
        'SELECT ev.id, ev.message FROM agent_events ev JOIN agent_executions e ON e.trace_id = ev.trace_id AND e.id = ev.execution_id WHERE e.trace_id = $1',
        [traceId],
      ),
    });
    const first = await snapshot();
    for (const span of spans) processor.onEnd(span);
    for (const span of spans) processor.onEnd(span);
    await flushed();
    const second = await snapshot();
    expect(second.decisions).toEqual(first.decisions);
    expect(second.events).toEqual(first.events);
    expect(second.executions.map(({ updated_at: _u, ...row }) => row)).toEqual(
      first.executions.map(({ updated_at: _u, ...row }) => row),
    );
  });

  it('persists a burst of 10,000 spans exactly once', async () => {
    const before = processor.stats();
    @Agent({ name: 'Burst' })
    class Burst {
      @Trace() async run(n: number) {
        await Promise.all(Array.from({ length: 99 }, (_, i) => this.step(n * 100 + i)));
      }
      @Tool() async step(i: number) {
        return i;
      }
    }
    await Promise.all(Array.from({ length: 100 }, (_, n) => new Burst().run(n)));
    await flushed();
    const [{ spans, distinct }] = await query<{ spans: number; distinct: number }>(
      `SELECT count(*)::int AS spans, count(DISTINCT (trace_id, span_id))::int AS distinct
       FROM agent_executions WHERE agent_name = 'Burst'`,
    );
    expect(spans).toBe(10_000);
    expect(distinct).toBe(10_000);
    const [{ tools }] = await query<{ tools: number }>(
      `SELECT sum(p.tool_call_count)::int AS tools FROM agent_performance p
       JOIN agent_executions e ON e.trace_id = p.trace_id AND e.id = p.execution_id WHERE e.agent_name = 'Burst' AND e.kind = 'agent'`,
    );
    expect(tools).toBe(9_900);
    const after = processor.stats();
    expect(after.recorded - before.recorded).toBe(10_100); // 10,000 ends and 100 agent starts
    expect(after.written - before.written).toBe(10_100);
    expect(after.droppedTotal).toBe(before.droppedTotal);
    expect(after.queueDepth).toBe(0);
  });

  it('ignores spans that are neither agentspan nor GenAI spans', async () => {
    const ignoredBefore = processor.stats().ignored;
    trace.getTracer('http').startActiveSpan('GET /health', (span) => span.end());
    await flushed();
    expect(processor.stats().ignored).toBe(ignoredBefore + 1);
    const rows = await query(`SELECT 1 FROM agent_executions WHERE name = 'GET /health'`);
    expect(rows).toHaveLength(0);
  });
});
