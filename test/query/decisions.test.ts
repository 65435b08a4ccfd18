import type { DataSource } from 'typeorm';
import { AgentRunRepository } from '../../src/query/agent-run-repository';
import { AgentspanQueryError } from '../../src/query/agentspan-query-error';
import type { DecisionQueryOptions, DecisionView, JsonValue, OutcomeFeedback } from '../../src/query/types';
import type { SpanRecord } from '../../src/model/records';
import { finalSpan } from '../support/span-records';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';
import { agentRun, caught, decisionRecord, newestFirst, seed } from './run-seeds';

let fixture: StoreFixture;
let dataSource: DataSource;
let runs: AgentRunRepository;

const T = (second: number, ms = 0) => new Date(Date.UTC(2026, 6, 1, 12, 0, second, ms));

/** A run of `agentName` whose agent span holds `confidences.length` decisions at the given times. */
function runWithDecisions(agentName: string, decisions: Array<{ confidence: number | null; at: Date }>): SpanRecord {
  const run = agentRun({ agentName, startedAt: T(0) });
  run.decisions = decisions.map(({ confidence, at }, ordinal) =>
    decisionRecord(ordinal, { name: `point_${ordinal}`, confidence, occurredAt: at }),
  );
  return run;
}

/** Every decision of the agent, straight from the table, newest first: the model decisions() is checked against. */
async function storedDecisions(agentName: string): Promise<Array<{ id: string; at: Date; confidence: number | null }>> {
  const rows: Array<{ id: string; occurred_at: Date; confidence: number | null }> = await dataSource.query(
    'SELECT id, occurred_at, confidence FROM agent_decisions WHERE agent_name = $1',
    [agentName],
  );
  return newestFirst(rows.map((row) => ({ id: row.id, at: row.occurred_at, confidence: row.confidence })));
}

async function idsOf(options: DecisionQueryOptions): Promise<string[]> {
  const page = await runs.decisions({ limit: 1000, ...options });
  expect(page.nextCursor).toBeNull();
  return page.decisions.map((decision) => decision.decisionId);
}

beforeAll(async () => {
  fixture = await createStoreFixture();
  dataSource = fixture.dataSource;
  runs = new AgentRunRepository(dataSource);
  await seed(dataSource, [
    runWithDecisions('Planner', [
      { confidence: 0.9, at: T(1) },
      { confidence: 0.5, at: T(2) },
      { confidence: null, at: T(3) },
      { confidence: 0.8, at: T(3) }, // shares its time with the one before: the id breaks the tie
    ]),
    runWithDecisions('Planner', [{ confidence: 0.79999, at: T(4) }]),
    runWithDecisions('Critic', [{ confidence: 1, at: T(5) }]),
  ]);
});

afterAll(async () => {
  await fixture?.close();
});

describe('decisions', () => {
  it('lists decisions newest first, with the id breaking ties', async () => {
    const planner = await storedDecisions('Planner');
    const critic = await storedDecisions('Critic');
    expect(await idsOf({})).toEqual(newestFirst([...planner, ...critic]).map((decision) => decision.id));
  });

  it('filters by agent', async () => {
    const planner = await storedDecisions('Planner');
    expect(planner).toHaveLength(5);
    expect(await idsOf({ agent: 'Planner' })).toEqual(planner.map((decision) => decision.id));
  });

  it('filters by minimum confidence, inclusive, leaving out decisions without one', async () => {
    const planner = await storedDecisions('Planner');
    const expected = planner.filter((decision) => decision.confidence !== null && decision.confidence >= 0.8);
    expect(expected.map((decision) => decision.confidence)).toEqual([0.8, 0.9]);
    expect(await idsOf({ agent: 'Planner', minConfidence: 0.8 })).toEqual(expected.map((decision) => decision.id));
    expect(await idsOf({ agent: 'Planner', minConfidence: 0 })).toHaveLength(4);
  });

  it('filters by time: since inclusive, until exclusive', async () => {
    const planner = await storedDecisions('Planner');
    const expected = planner.filter((decision) => decision.at >= T(2) && decision.at < T(4));
    expect(expected).toHaveLength(3);
    expect(await idsOf({ agent: 'Planner', since: T(2), until: T(4) })).toEqual(
      expected.map((decision) => decision.id),
    );
  });

  it('names the agent from the execution for a decision taken in a tool span', async () => {
    const run = agentRun({ agentName: 'Toolsmith', startedAt: T(10) });
    const tool = finalSpan({
      traceId: run.execution.traceId,
      parentSpanId: run.execution.spanId,
      kind: 'tool',
      execution: { agentName: 'Toolsmith', startedAt: T(11) },
    });
    tool.decisions = [decisionRecord(0, { name: 'retry', occurredAt: T(11) })];
    await seed(dataSource, [run, tool]);
    const [decision] = (await runs.decisions({ agent: 'Toolsmith' })).decisions;
    expect(decision).toMatchObject({ agentName: 'Toolsmith', name: 'retry', spanId: tool.execution.spanId });
  });

  it('pages with a cursor: no duplicates, no gaps, even among decisions taken at the same time', async () => {
    const run = agentRun({ agentName: 'Pager', startedAt: T(20) });
    run.decisions = Array.from({ length: 25 }, (_, ordinal) =>
      decisionRecord(ordinal, { occurredAt: T(20, Math.floor(ordinal / 6)) }),
    );
    await seed(dataSource, [run]);
    const expected = (await storedDecisions('Pager')).map((decision) => decision.id);
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await runs.decisions({ agent: 'Pager', limit: 10, cursor });
      seen.push(...page.decisions.map((decision) => decision.decisionId));
      sizes.push(page.decisions.length);
      cursor = page.nextCursor;
      expect(sizes.length).toBeLessThan(10);
    } while (cursor !== null);
    expect(sizes).toEqual([10, 10, 5]);
    expect(seen).toEqual(expected);
  });
});

describe('recordOutcome', () => {
  async function freshDecision(agentName: string, count = 1): Promise<{ record: SpanRecord; ids: string[] }> {
    const record = runWithDecisions(
      agentName,
      Array.from({ length: count }, (_, i) => ({ confidence: 0.5, at: T(30 + i) })),
    );
    await seed(dataSource, [record]);
    return { record, ids: (await storedDecisions(agentName)).map((decision) => decision.id) };
  }

  it('stores the outcome and score and returns the updated decision', async () => {
    const { record, ids } = await freshDecision('Judged');
    const view = await runs.recordOutcome(ids[0]!, { outcome: 'success', score: 0.9 });
    expect(view).toEqual<DecisionView>({
      decisionId: ids[0]!,
      executionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      traceId: record.execution.traceId,
      spanId: record.execution.spanId,
      ordinal: 0,
      agentName: 'Judged',
      name: 'point_0',
      choice: 'linkedin',
      alternatives: ['linkedin', 'email'],
      reasoning: 'B2B audience',
      confidence: 0.5,
      context: { budget: 100 },
      outcome: 'success',
      outcomeScore: 0.9,
      occurredAt: T(30),
    });
    const [stored] = await dataSource.query('SELECT outcome, outcome_score FROM agent_decisions WHERE id = $1', [
      ids[0],
    ]);
    expect(stored).toEqual({ outcome: 'success', outcome_score: 0.9 });
  });

  it('makes the outcome visible to decisions(): recorded, pending, and by value', async () => {
    const { ids } = await freshDecision('Feedback', 4);
    await runs.recordOutcome(ids[0]!, { outcome: 'success', score: 1 });
    await runs.recordOutcome(ids[1]!, { outcome: 'failure', score: 0 });
    await runs.recordOutcome(ids[2]!, { outcome: { merged: true, reviewers: ['ann'] } });
    const pending = [ids[3]!];

    expect(await idsOf({ agent: 'Feedback', outcome: 'recorded' })).toEqual(ids.slice(0, 3));
    expect(await idsOf({ agent: 'Feedback', outcome: 'pending' })).toEqual(pending);
    expect(await idsOf({ agent: 'Feedback', outcome: 'success' })).toEqual([ids[0]]);
    expect(await idsOf({ agent: 'Feedback', outcome: { merged: true, reviewers: ['ann'] } })).toEqual([ids[2]]);
    expect(await idsOf({ agent: 'Feedback', outcome: 'unheard-of' })).toEqual([]);
    const [third] = (await runs.decisions({ agent: 'Feedback', outcome: { reviewers: ['ann'], merged: true } }))
      .decisions;
    expect(third).toMatchObject({ outcome: { merged: true, reviewers: ['ann'] }, outcomeScore: null });
  });

  it('replaces an earlier outcome, and keeps it when the span is written again', async () => {
    const { record, ids } = await freshDecision('Revised');
    await runs.recordOutcome(ids[0]!, { outcome: 'success', score: 0.4 });
    expect(await runs.recordOutcome(ids[0]!, { outcome: 42 })).toMatchObject({ outcome: 42, outcomeScore: null });
    // A retried span write must not wipe the feedback.
    await seed(dataSource, [record]);
    const [decision] = (await runs.decisions({ agent: 'Revised' })).decisions;
    expect(decision).toMatchObject({ decisionId: ids[0], outcome: 42, outcomeScore: null });
  });

  it('throws a not-found AgentspanQueryError for an unknown decision id', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const error = await caught(runs.recordOutcome(unknown, { outcome: 'success' }));
    expect(error).toBeInstanceOf(AgentspanQueryError);
    expect(error).toMatchObject({ code: 'not-found', message: `recordOutcome: no decision with id ${unknown}` });
  });

  it.each<[string, unknown, string]>([
    [
      'a score above 1',
      { outcome: 'success', score: 1.5 },
      'recordOutcome: score must be a number from 0 to 1, got 1.5',
    ],
    [
      'a negative score',
      { outcome: 'success', score: -0.1 },
      'recordOutcome: score must be a number from 0 to 1, got -0.1',
    ],
    [
      'a score that is not a number',
      { outcome: 'success', score: '0.5' },
      'recordOutcome: score must be a number from 0 to 1, got "0.5"',
    ],
    ['a null outcome', { outcome: null }, 'recordOutcome: outcome must be a JSON value other than null, got null'],
    ['no outcome', {}, 'recordOutcome: outcome must be a JSON value other than null, got undefined'],
    [
      'an outcome with a NUL character',
      { outcome: 'a\u0000b' },
      'recordOutcome: outcome must not contain NUL characters or lone surrogates',
    ],
    [
      'a misspelt option',
      { outcome: 'success', scroe: 1 },
      'recordOutcome: unknown option "scroe" (expected outcome, score)',
    ],
  ])('refuses %s and stores nothing', async (_, feedback, message) => {
    const { ids } = await freshDecision(`Refused ${message}`);
    const error = await caught(runs.recordOutcome(ids[0]!, feedback as OutcomeFeedback));
    expect(error).toBeInstanceOf(AgentspanQueryError);
    expect(error).toMatchObject({ code: 'invalid-argument', message });
    const [stored] = await dataSource.query('SELECT outcome, outcome_score FROM agent_decisions WHERE id = $1', [
      ids[0],
    ]);
    expect(stored).toEqual({ outcome: null, outcome_score: null });
  });

  it('refuses a decision id that is not a uuid', async () => {
    await expect(runs.recordOutcome('42', { outcome: 'success' })).rejects.toThrow(
      'recordOutcome: decisionId must be a uuid, got "42"',
    );
  });
});

describe('decisions arguments', () => {
  it.each<[string, DecisionQueryOptions, string]>([
    ['limit 0', { limit: 0 }, 'decisions: limit must be an integer from 1 to 1000, got 0'],
    [
      'minConfidence above 1',
      { minConfidence: 1.01 },
      'decisions: minConfidence must be a number from 0 to 1, got 1.01',
    ],
    ['minConfidence NaN', { minConfidence: NaN }, 'decisions: minConfidence must be a number from 0 to 1, got NaN'],
    ['a garbage cursor', { cursor: '%%%' }, 'decisions: invalid cursor'],
    [
      'an outcome that is not JSON',
      { outcome: 10n as unknown as JsonValue },
      'decisions: outcome must be JSON-serialisable, got 10n',
    ],
    [
      'an until before since',
      { since: '2026-07-02', until: '2026-07-01' },
      'decisions: since must be before until, got since 2026-07-02T00:00:00Z and until 2026-07-01T00:00:00Z',
    ],
  ])('refuses %s', async (_, options, message) => {
    const error = await caught(runs.decisions(options));
    expect(error).toBeInstanceOf(AgentspanQueryError);
    expect(error).toMatchObject({ code: 'invalid-argument', message });
  });

  it('refuses a history cursor', async () => {
    await seed(dataSource, [
      agentRun({ agentName: 'Cursor', startedAt: T(40) }),
      agentRun({ agentName: 'Cursor', startedAt: T(41) }),
    ]);
    const { nextCursor } = await runs.history({ agent: 'Cursor', limit: 1 });
    expect(nextCursor).not.toBeNull();
    await expect(runs.decisions({ cursor: nextCursor })).rejects.toThrow('decisions: invalid cursor');
  });
});
