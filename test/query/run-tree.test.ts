import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { suppressionProbe } from '../support/suppression-probe';
import type { DataSource } from 'typeorm';
import { AgentRunRepository } from '../../src/query/agent-run-repository';
import { AgentspanQueryError } from '../../src/query/agentspan-query-error';
import type { RunNode, RunTree } from '../../src/query/types';
import type { SpanRecord } from '../../src/model/records';
import { finalSpan, llmSpan, newSpanId, newTraceId, runningSpan } from '../support/span-records';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';
import { agentRun, caught, decisionRecord, eventRecord, seed } from './run-seeds';

let fixture: StoreFixture;
let dataSource: DataSource;
let runs: AgentRunRepository;

const T0 = new Date('2026-11-01T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

/**
 * Planner (agent)
 *   ├─ search (tool, failed, +50 ms)
 *   ├─ chat (llm, +100 ms)
 *   └─ Critic (nested agent, +200 ms)            decision
 *        ├─ review (task, +300 ms)
 *        │    └─ chat (llm, +310 ms)
 *        └─ chat (llm, +250 ms)
 * late (tool, +900 ms) whose parent span never arrived: a second root
 */
interface SampleRun {
  traceId: string;
  planner: SpanRecord;
  critic: SpanRecord;
  records: SpanRecord[];
}

function sampleRun(): SampleRun {
  const traceId = newTraceId();
  const planner = agentRun({ agentName: 'Planner', startedAt: T0, traceId, execution: { qualityScore: 90 } });
  // Written out of order: the tree must order them by ordinal.
  planner.decisions = [
    decisionRecord(1, { name: 'pick_model', choice: '"gpt-4o"', confidence: 0.7 }),
    decisionRecord(0, { name: 'choose_channel', confidence: 0.9 }),
  ];
  planner.events = [eventRecord(2, { level: 'error', message: 'search failed' }), eventRecord(0), eventRecord(1)];
  const p = planner.execution.spanId;
  const search = finalSpan({
    traceId,
    parentSpanId: p,
    kind: 'tool',
    execution: { name: 'execute_tool search', startedAt: at(50), status: 'failed', errorType: 'TimeoutError' },
  });
  const plannerChat = llmSpan(
    traceId,
    p,
    { inputTokens: 100, outputTokens: 20, costUsd: '0.0010000000' },
    { startedAt: at(100) },
  );
  const critic = agentRun({ agentName: 'Critic', startedAt: at(200), traceId, parentSpanId: p });
  critic.decisions = [decisionRecord(0, { name: 'approve', choice: 'true', confidence: 0.6 })];
  const c = critic.execution.spanId;
  const review = finalSpan({
    traceId,
    parentSpanId: c,
    kind: 'task',
    execution: { name: 'Critic.review', startedAt: at(300) },
  });
  const reviewChat = llmSpan(
    traceId,
    review.execution.spanId,
    { inputTokens: 7, outputTokens: 3, costUsd: '0.0000500000' },
    { startedAt: at(310) },
  );
  const criticChat = llmSpan(
    traceId,
    c,
    { inputTokens: 40, outputTokens: 10, costUsd: '0.0004000000' },
    { startedAt: at(250) },
  );
  const late = finalSpan({
    traceId,
    parentSpanId: newSpanId(),
    kind: 'tool',
    execution: { name: 'late', startedAt: at(900) },
  });
  return {
    traceId,
    planner,
    critic,
    records: [reviewChat, late, critic, search, planner, criticChat, plannerChat, review],
  };
}

let sample: SampleRun;

beforeAll(async () => {
  fixture = await createStoreFixture();
  dataSource = fixture.dataSource;
  runs = new AgentRunRepository(dataSource);
  sample = sampleRun();
  await seed(dataSource, sample.records);
});

afterAll(async () => {
  await fixture?.close();
});

/** The tree as (name, children) only, to compare shapes at a glance. */
function shape(node: RunNode): unknown {
  return node.children.length === 0 ? node.execution.name : { [node.execution.name]: node.children.map(shape) };
}

function everyNode(tree: RunTree): RunNode[] {
  const all: RunNode[] = [];
  const visit = (node: RunNode) => {
    all.push(node);
    node.children.forEach(visit);
  };
  tree.roots.forEach(visit);
  return all;
}

describe('getRun by trace id', () => {
  let tree: RunTree;

  beforeAll(async () => {
    tree = (await runs.getRun(sample.traceId))!;
  });

  it('builds the whole trace as a tree: children by start time, orphans as further roots', () => {
    expect(tree.traceId).toBe(sample.traceId);
    expect(tree.roots.map(shape)).toEqual([
      {
        'invoke_agent Planner': [
          'execute_tool search',
          'chat gpt-4o',
          { 'invoke_agent Critic': ['chat gpt-4o', { 'Critic.review': ['chat gpt-4o'] }] },
        ],
      },
      'late',
    ]);
    expect(everyNode(tree)).toHaveLength(sample.records.length);
  });

  it('links every child to its parent and carries the execution fields', () => {
    for (const node of everyNode(tree)) {
      expect(node.execution.traceId).toBe(sample.traceId);
      for (const child of node.children) expect(child.execution.parentSpanId).toBe(node.execution.spanId);
    }
    const [planner] = tree.roots;
    expect(planner!.execution).toMatchObject({
      kind: 'agent',
      agentName: 'Planner',
      parentSpanId: null,
      status: 'completed',
      qualityScore: 90,
      startedAt: T0,
      input: { topic: 'AI' },
      metadata: { issueNumber: 123 },
    });
    expect(planner!.children[0]!.execution).toMatchObject({
      kind: 'tool',
      status: 'failed',
      errorType: 'TimeoutError',
    });
  });

  it('orders decisions and events by ordinal, with their views complete', () => {
    const planner = tree.roots[0]!;
    expect(planner.decisions.map((decision) => [decision.ordinal, decision.name])).toEqual([
      [0, 'choose_channel'],
      [1, 'pick_model'],
    ]);
    expect(planner.decisions[0]).toEqual({
      decisionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      executionId: planner.execution.executionId,
      traceId: sample.traceId,
      spanId: planner.execution.spanId,
      ordinal: 0,
      agentName: 'Planner',
      name: 'choose_channel',
      choice: 'linkedin',
      alternatives: ['linkedin', 'email'],
      reasoning: 'B2B audience',
      confidence: 0.9,
      context: { budget: 100 },
      outcome: null,
      outcomeScore: null,
      occurredAt: new Date('2026-11-01T10:00:01.000Z'),
    });
    expect(planner.events.map((event) => event.ordinal)).toEqual([0, 1, 2]);
    expect(planner.events[2]).toEqual({
      eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      executionId: planner.execution.executionId,
      traceId: sample.traceId,
      spanId: planner.execution.spanId,
      ordinal: 2,
      level: 'error',
      message: 'search failed',
      attributes: { ordinal: 2 },
      occurredAt: new Date(Date.UTC(2026, 10, 1, 10, 0, 0, 2)),
    });
    const critic = planner.children[2]!;
    expect(critic.decisions.map((decision) => [decision.name, decision.choice, decision.agentName])).toEqual([
      ['approve', true, 'Critic'],
    ]);
    expect(planner.children[1]!.decisions).toEqual([]);
  });

  it('gives every node its own performance and agents the totals of their subtree, nested agents included', () => {
    const planner = tree.roots[0]!;
    const plannerChat = planner.children[1]!;
    expect(plannerChat.performance).toEqual({
      durationMs: 120,
      provider: 'openai',
      requestModel: 'gpt-4o',
      responseModel: 'gpt-4o-2024-08-06',
      inputTokens: 100,
      outputTokens: 20,
      cacheReadTokens: 10,
      cacheWriteTokens: 0,
      reasoningTokens: 5,
      costUsd: 0.001,
      costUsdExact: '0.0010000000',
      costSource: 'calculated',
      usageSource: 'provided',
      priceId: null,
      counted: true,
      totals: null,
    });
    expect(planner.performance).toMatchObject({ inputTokens: null, costUsd: null, costSource: 'unknown' });
    expect(planner.performance!.totals).toEqual({
      inputTokens: 147,
      outputTokens: 33,
      cacheReadTokens: 30,
      cacheWriteTokens: 0,
      reasoningTokens: 15,
      costUsd: 0.00145,
      costUsdExact: '0.0014500000',
      llmCalls: 3,
      toolCalls: 1,
      errors: 1,
      unknownCostCalls: 0,
    });
    const critic = planner.children[2]!;
    expect(critic.performance!.totals).toEqual({
      inputTokens: 47,
      outputTokens: 13,
      cacheReadTokens: 20,
      cacheWriteTokens: 0,
      reasoningTokens: 10,
      costUsd: 0.00045,
      costUsdExact: '0.0004500000',
      llmCalls: 2,
      toolCalls: 0,
      errors: 0,
      unknownCostCalls: 0,
    });
  });

  it('accepts the trace id in upper case, and returns null for a trace with no executions', async () => {
    expect((await runs.getRun(sample.traceId.toUpperCase()))?.roots).toHaveLength(2);
    expect(await runs.getRun(newTraceId())).toBeNull();
  });
});

describe('getRun by execution id', () => {
  it('is that execution and its descendants only', async () => {
    const full = (await runs.getRun(sample.traceId))!;
    const critic = full.roots[0]!.children[2]!;
    const subtree = (await runs.getRun(critic.execution.executionId))!;
    expect(subtree.traceId).toBe(sample.traceId);
    expect(subtree.roots).toHaveLength(1);
    // The same nodes the full tree has under Critic: same shape, decisions, events and performance.
    expect(subtree.roots[0]).toEqual(critic);
    expect(subtree.roots[0]!.execution.parentSpanId).toBe(full.roots[0]!.execution.spanId);
  });

  it('is a single node for a leaf, and null for an unknown id', async () => {
    const full = (await runs.getRun(sample.traceId))!;
    const search = full.roots[0]!.children[0]!;
    expect(await runs.getRun(search.execution.executionId)).toEqual({ traceId: sample.traceId, roots: [search] });
    expect(await runs.getRun('00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('orders children started within one millisecond by their microseconds', async () => {
    const traceId = newTraceId();
    const root = agentRun({ agentName: 'Quick', startedAt: at(7000), traceId });
    const p = root.execution.spanId;
    // Span ids in the opposite order of the start times: a tie-break on the span id would reverse them.
    const children = ['ffff', 'eeee', 'dddd'].map((prefix, i) =>
      finalSpan({
        traceId,
        spanId: `${prefix}${newSpanId().slice(4)}`,
        parentSpanId: p,
        kind: 'tool',
        execution: { name: `step ${i}`, startedAt: `2026-11-01T10:00:07.000${i + 1}00Z` },
      }),
    );
    await seed(dataSource, [root, ...children]);
    const tree = (await runs.getRun(traceId))!;
    expect(tree.roots[0]!.children.map((node) => node.execution.name)).toEqual(['step 0', 'step 1', 'step 2']);
    expect(tree.roots[0]!.children[0]!.execution.startedAt).toEqual(at(7000));
  });

  it('shows a running agent with no performance and the children written so far', async () => {
    const traceId = newTraceId();
    const running = runningSpan({ traceId, execution: { agentName: 'Slow', startedAt: at(5000) } });
    const child = llmSpan(traceId, running.execution.spanId, {}, { startedAt: at(5100) });
    await seed(dataSource, [running, child]);
    const tree = (await runs.getRun(traceId))!;
    expect(tree.roots).toHaveLength(1);
    expect(tree.roots[0]!.execution.status).toBe('running');
    expect(tree.roots[0]!.performance).toBeNull();
    expect(tree.roots[0]!.children.map((node) => node.performance?.inputTokens)).toEqual([100]);
  });
});

describe('getRun cost', () => {
  const probe = suppressionProbe();
  const suppressedAtQuery = probe.seen;
  beforeAll(() => probe.install());
  afterAll(() => probe.uninstall());

  it('reads a wide trace with a fixed number of queries, all with tracing suppressed', async () => {
    const traceId = newTraceId();
    const root = agentRun({ agentName: 'Wide', startedAt: T0, traceId });
    const records: SpanRecord[] = [root];
    for (let i = 0; i < 40; i++) {
      const child = llmSpan(traceId, root.execution.spanId, {}, { startedAt: at(i) });
      child.events = [eventRecord(0)];
      records.push(child);
    }
    await seed(dataSource, records);

    await context.with(ROOT_CONTEXT, async () => {
      suppressedAtQuery.length = 0;
      const byTrace = (await runs.getRun(traceId))!;
      expect(byTrace.roots[0]!.children).toHaveLength(40);
      // BEGIN, isolation level, executions, decisions, events, COMMIT: independent of the trace's size.
      expect(suppressedAtQuery.length).toBeLessThanOrEqual(6);
      expect(suppressedAtQuery.every(Boolean)).toBe(true);

      suppressedAtQuery.length = 0;
      const bySubtree = (await runs.getRun(byTrace.roots[0]!.execution.executionId))!;
      expect(bySubtree.roots[0]!.children).toHaveLength(40);
      // One more: the execution's trace, found first (the walk then stays in that trace, one shard on Citus).
      expect(suppressedAtQuery.length).toBeLessThanOrEqual(7);
      expect(suppressedAtQuery.every(Boolean)).toBe(true);

      suppressedAtQuery.length = 0;
      await runs.history({ agent: 'Wide' });
      await runs.latest('Wide');
      await runs.decisions({ agent: 'Wide' });
      expect(suppressedAtQuery).toEqual([true, true, true]);
      expect(isTracingSuppressed(context.active())).toBe(false);
    });
  });
});

describe('getRun arguments', () => {
  it.each([
    ['not an id', 'not-an-id'],
    ['31 hex digits', 'a'.repeat(31)],
    ['33 hex digits', 'a'.repeat(33)],
    ['a uuid without its dashes in the wrong places', '0000000-00000-4000-8000-000000000000'],
    ['a number', 42],
    ['undefined', undefined],
  ])('refuses %s before touching the database', async (_, id) => {
    const error = await caught(runs.getRun(id as string));
    expect(error).toBeInstanceOf(AgentspanQueryError);
    expect((error as Error).message).toMatch(/^getRun: id must be a 32-hex trace id or an execution uuid, got /);
  });
});
