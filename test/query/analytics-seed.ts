import type { DataSource } from 'typeorm';
import { AgentRunRepository } from '../../src/query/agent-run-repository';
import type { DecisionRecord, ExecutionStatus, SpanRecord } from '../../src/model/records';
import { finalSpan } from '../support/span-records';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';
import { agentRun, seed } from './run-seeds';

/**
 * The analytics data set: nine agent runs in two UTC hours of 2026-11-02 (10:00 and 12:00; 11:00 has none), five
 * LLM calls, one failing tool call and six decisions. Every expected figure in the analytics tests is worked out by
 * hand from this table.
 *
 * | run | agent      | tenant | user | status    | start | duration | LLM call (model, in/out, cost)       | metrics             |
 * |-----|------------|--------|------|-----------|-------|----------|---------------------------------------|---------------------|
 * | R1  | Researcher | acme   | u1   | completed | 10:05 | 100      | L1 gpt-4o 100/20 $0.01 (10 ms)        | competitors 4       |
 * | R2  | Researcher | acme   | u2   | completed | 10:20 | 200      | L2 gpt-4o 200/40 $0.02 (20 ms)        | competitors 6, conversion_rate 0.5 |
 * | R3  | Researcher | globex | u1   | failed    | 10:40 | 300      | L3 in-house-llm 50/10 cost unknown (30 ms); tool T1 failed | |
 * | W1  | Writer     | acme   | u1   | completed | 10:10 | 1000     | L4 claude-sonnet 300/100, cache read 30, reasoning 5, $0.05 (40 ms) | words 800 |
 * | R4  | Researcher | acme   | u1   | completed | 10:11 | 400      | L5 gpt-4o 100/20 $0.01 (50 ms); R4 is nested in W1 | |
 * | R6  | Researcher | globex | u3   | failed    | 12:05 | 600      | —                                     |                     |
 * | W2  | Writer     | globex | u3   | failed    | 12:30 | 500      | —                                     |                     |
 * | R5  | Researcher | acme   | u2   | cancelled | 12:45 | 50       | —                                     | competitors 10      |
 * | W3  | Writer     | acme   | u1   | running   | 12:50 | —        | —                                     |                     |
 *
 * R3 and R6 fail with TimeoutError "search timed out" (and so does T1), W2 with CmsError "CMS said 503".
 * Decisions: D1 on R1 (0.9, success, 1.0), D2 on R2 (0.85, success, 0.8), D3 on W1 (0.3, failure, 0.0), D4 on R6
 * (0.95, failure, 0.2), D5 on R1 (0.5, pending), D6 on W1 (no confidence, pending).
 */
export const DAY = '2026-11-02';
export const at = (time: string): string => `${DAY}T${time}Z`;

interface RunSpec {
  agentName: string;
  tenantId: string;
  userId: string;
  status: ExecutionStatus;
  start: string;
  durationMs?: number;
  metrics?: Record<string, number>;
  errorType?: string;
  errorMessage?: string;
  parent?: SpanRecord;
}

function run(spec: RunSpec): SpanRecord {
  const record = agentRun({
    agentName: spec.agentName,
    startedAt: new Date(at(spec.start)),
    status: spec.status,
    userId: spec.userId,
    tenantId: spec.tenantId,
    traceId: spec.parent?.execution.traceId,
    parentSpanId: spec.parent?.execution.spanId ?? null,
    execution: {
      metrics: spec.metrics === undefined ? null : JSON.stringify(spec.metrics),
      ...(spec.errorType === undefined ? {} : { errorType: spec.errorType, errorMessage: spec.errorMessage! }),
    },
  });
  if (record.performance !== null) record.performance.durationMs = spec.durationMs ?? null;
  return record;
}

interface CallSpec {
  model: string;
  input: number;
  output: number;
  cost: string | null;
  durationMs: number;
  cacheRead?: number;
  reasoning?: number;
}

/** A child span of a run, with the run's agent, tenant, user and a start one second after the run's. */
function child(parent: SpanRecord, kind: 'llm' | 'tool', execution: Partial<SpanRecord['execution']> = {}): SpanRecord {
  const p = parent.execution;
  return finalSpan({
    traceId: p.traceId,
    parentSpanId: p.spanId,
    kind,
    execution: {
      agentName: p.agentName,
      tenantId: p.tenantId,
      userId: p.userId,
      startedAt: new Date(new Date(p.startedAt).getTime() + 1000),
      ...execution,
    },
  });
}

function call(parent: SpanRecord, spec: CallSpec): SpanRecord {
  const record = child(parent, 'llm', { name: `chat ${spec.model}` });
  record.performance = {
    durationMs: spec.durationMs,
    provider: 'openai',
    requestModel: spec.model,
    responseModel: `${spec.model}-2026`,
    inputTokens: spec.input,
    outputTokens: spec.output,
    cacheReadTokens: spec.cacheRead ?? 0,
    cacheWriteTokens: 0,
    reasoningTokens: spec.reasoning ?? 0,
    costUsd: spec.cost,
    costSource: spec.cost === null ? 'unknown' : 'provided',
    usageSource: 'provided',
    priceId: null,
  };
  return record;
}

function decision(ordinal: number, confidence: number | null, time: string): DecisionRecord {
  return {
    ordinal,
    name: 'choose_channel',
    choice: '"linkedin"',
    alternatives: null,
    reasoning: null,
    confidence,
    context: null,
    occurredAt: at(time),
  };
}

export interface AnalyticsSeed {
  runs: Record<'R1' | 'R2' | 'R3' | 'R4' | 'R5' | 'R6' | 'W1' | 'W2' | 'W3', SpanRecord>;
}

export async function seedAnalytics(dataSource: DataSource): Promise<AnalyticsSeed> {
  const timeout = { errorType: 'TimeoutError', errorMessage: 'search timed out' };
  const R1 = run({
    agentName: 'Researcher',
    tenantId: 'acme',
    userId: 'u1',
    status: 'completed',
    start: '10:05:00',
    durationMs: 100,
    metrics: { competitors: 4 },
  });
  const R2 = run({
    agentName: 'Researcher',
    tenantId: 'acme',
    userId: 'u2',
    status: 'completed',
    start: '10:20:00',
    durationMs: 200,
    metrics: { competitors: 6, conversion_rate: 0.5 },
  });
  const R3 = run({
    agentName: 'Researcher',
    tenantId: 'globex',
    userId: 'u1',
    status: 'failed',
    start: '10:40:00',
    durationMs: 300,
    ...timeout,
  });
  const W1 = run({
    agentName: 'Writer',
    tenantId: 'acme',
    userId: 'u1',
    status: 'completed',
    start: '10:10:00',
    durationMs: 1000,
    metrics: { words: 800 },
  });
  const R4 = run({
    agentName: 'Researcher',
    tenantId: 'acme',
    userId: 'u1',
    status: 'completed',
    start: '10:11:00',
    durationMs: 400,
    parent: W1,
  });
  const R6 = run({
    agentName: 'Researcher',
    tenantId: 'globex',
    userId: 'u3',
    status: 'failed',
    start: '12:05:00',
    durationMs: 600,
    ...timeout,
  });
  const W2 = run({
    agentName: 'Writer',
    tenantId: 'globex',
    userId: 'u3',
    status: 'failed',
    start: '12:30:00',
    durationMs: 500,
    errorType: 'CmsError',
    errorMessage: 'CMS said 503',
  });
  const R5 = run({
    agentName: 'Researcher',
    tenantId: 'acme',
    userId: 'u2',
    status: 'cancelled',
    start: '12:45:00',
    durationMs: 50,
    metrics: { competitors: 10 },
  });
  const W3 = run({ agentName: 'Writer', tenantId: 'acme', userId: 'u1', status: 'running', start: '12:50:00' });
  R1.decisions = [decision(0, 0.9, '10:05:00.5'), decision(1, 0.5, '10:05:00.6')];
  R2.decisions = [decision(0, 0.85, '10:20:00.5')];
  W1.decisions = [decision(0, 0.3, '10:10:00.5'), decision(1, null, '10:10:00.6')];
  R6.decisions = [decision(0, 0.95, '12:05:00.5')];
  const calls = [
    call(R1, { model: 'gpt-4o', input: 100, output: 20, cost: '0.01', durationMs: 10 }),
    call(R2, { model: 'gpt-4o', input: 200, output: 40, cost: '0.02', durationMs: 20 }),
    call(R3, { model: 'in-house-llm', input: 50, output: 10, cost: null, durationMs: 30 }),
    call(W1, {
      model: 'claude-sonnet',
      input: 300,
      output: 100,
      cost: '0.05',
      durationMs: 40,
      cacheRead: 30,
      reasoning: 5,
    }),
    call(R4, { model: 'gpt-4o', input: 100, output: 20, cost: '0.01', durationMs: 50 }),
  ];
  const tool = child(R3, 'tool', { name: 'execute_tool search', status: 'failed', ...timeout });
  tool.performance!.durationMs = 5;
  await seed(dataSource, [R1, R2, R3, W1, R4, R6, W2, R5, W3, ...calls, tool]);

  const repository = new AgentRunRepository(dataSource);
  const outcomes: Array<[SpanRecord, string, number]> = [
    [R1, 'success', 1.0],
    [R2, 'success', 0.8],
    [W1, 'failure', 0.0],
    [R6, 'failure', 0.2],
  ];
  for (const [record, outcome, score] of outcomes) {
    const { decisions } = await repository.decisions({ limit: 1000 });
    const target = decisions.find((d) => d.spanId === record.execution.spanId && d.ordinal === 0)!;
    await repository.recordOutcome(target.decisionId, { outcome, score });
  }
  return { runs: { R1, R2, R3, R4, R5, R6, W1, W2, W3 } };
}

/** The seeded database of one test file (created before its tests, dropped after). */
export interface AnalyticsFixture {
  readonly store: StoreFixture;
  readonly runs: AgentRunRepository;
  readonly seeded: AnalyticsSeed;
}

/** Registers the hooks that create, seed and drop the analytics database of the calling test file. */
export function useAnalyticsFixture(): AnalyticsFixture {
  const fixture = {} as { store: StoreFixture; runs: AgentRunRepository; seeded: AnalyticsSeed };
  beforeAll(async () => {
    fixture.store = await createStoreFixture();
    fixture.runs = new AgentRunRepository(fixture.store.dataSource);
    fixture.seeded = await seedAnalytics(fixture.store.dataSource);
  }, 60_000);
  afterAll(() => fixture.store?.close());
  return fixture;
}
