import type { DataSource } from 'typeorm';
import { AgentRunRepository } from '../../src/query/agent-run-repository';
import { AgentspanQueryError } from '../../src/query/agentspan-query-error';
import type { HistoryOptions, RunSummary } from '../../src/query/types';
import { createAgentspanDataSource } from '../../src/store/connection/data-source';
import type { ExecutionStatus, SpanRecord } from '../../src/model/records';
import { finalSpan, llmSpan, newTraceId } from '../support/span-records';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';
import { agentRun, caught, executionIds, keyOf, newestFirst, seed } from './run-seeds';

let fixture: StoreFixture;
let dataSource: DataSource;
let runs: AgentRunRepository;

/** What the tests know about every seeded agent run: the model history() is checked against. */
interface SeededRun {
  id: string;
  at: Date;
  agent: string;
  status: ExecutionStatus;
  userId: string | null;
  tenantId: string | null;
}
const seeded: SeededRun[] = [];

const T = (minute: number, second = 0, ms = 0) => new Date(Date.UTC(2026, 4, 1, 9, minute, second, ms));

/** Agents, statuses, users and tenants mixed, two runs sharing a start time, a nested agent, non-agent spans. */
function filterDataset(): SpanRecord[] {
  const statuses: ExecutionStatus[] = ['completed', 'failed', 'running', 'cancelled', 'abandoned', 'completed'];
  const records: SpanRecord[] = [];
  for (let i = 0; i < 12; i++) {
    records.push(
      agentRun({
        agentName: i % 3 === 0 ? 'Alpha' : 'Beta',
        startedAt: T(i === 7 ? 6 : i), // runs 6 and 7 start together
        status: statuses[i % statuses.length],
        userId: ['u1', 'u2', null][i % 3]!,
        tenantId: i % 4 === 0 ? 'globex' : i % 4 === 1 ? null : 'acme',
      }),
    );
  }
  // A nested agent under run 0, and a tool and an LLM call under run 1: only the agent is a run.
  const parent = records[0]!.execution;
  records.push(
    agentRun({ agentName: 'Gamma', startedAt: T(0, 30), traceId: parent.traceId, parentSpanId: parent.spanId }),
  );
  const other = records[1]!.execution;
  records.push(
    finalSpan({ traceId: other.traceId, parentSpanId: other.spanId, kind: 'tool', execution: { startedAt: T(30) } }),
  );
  records.push(llmSpan(other.traceId, other.spanId, {}, { startedAt: T(31) }));
  // Just before and exactly at the edges of the day, for date-only bounds.
  records.push(agentRun({ agentName: 'Edge', startedAt: new Date('2026-04-30T23:59:59.999Z') }));
  records.push(agentRun({ agentName: 'Edge', startedAt: new Date('2026-05-02T00:00:00.000Z') }));
  return records;
}

/** Writes records and adds their agent runs to the model. */
async function seedRuns(records: SpanRecord[]): Promise<void> {
  await seed(dataSource, records);
  const ids = await executionIds(dataSource, records);
  for (const record of records.filter((r) => r.execution.kind === 'agent')) {
    const e = record.execution;
    seeded.push({
      id: ids.get(keyOf(record))!,
      at: new Date(e.startedAt),
      agent: e.agentName!,
      status: e.status,
      userId: e.userId,
      tenantId: e.tenantId,
    });
  }
}

beforeAll(async () => {
  fixture = await createStoreFixture();
  dataSource = fixture.dataSource;
  runs = new AgentRunRepository(dataSource);
  await seedRuns(filterDataset());
});

afterAll(async () => {
  await fixture?.close();
});

function expectedIds(keep: (run: SeededRun) => boolean): string[] {
  return newestFirst(seeded.filter(keep)).map((run) => run.id);
}

async function idsOf(options: HistoryOptions): Promise<string[]> {
  const page = await runs.history({ limit: 1000, ...options });
  expect(page.nextCursor).toBeNull();
  return page.runs.map((run) => run.executionId);
}

describe('history', () => {
  it('lists agent runs only, nested ones included, newest first with the id breaking ties', async () => {
    const ids = await idsOf({});
    expect(ids).toEqual(expectedIds(() => true));
    expect(seeded.some((run) => run.agent === 'Gamma')).toBe(true);
  });

  it('defaults to pages of 20', async () => {
    const many = Array.from({ length: 25 }, (_, i) => agentRun({ agentName: 'Default', startedAt: T(40, i) }));
    await seedRuns(many);
    const page = await runs.history({ agent: 'Default' });
    expect(page.runs).toHaveLength(20);
    expect(page.nextCursor).not.toBeNull();
  });

  it.each<[string, HistoryOptions, (run: SeededRun) => boolean]>([
    ['agent', { agent: 'Alpha' }, (run) => run.agent === 'Alpha'],
    ['one status', { status: 'failed' }, (run) => run.status === 'failed'],
    ['several statuses', { status: ['running', 'cancelled'] }, (run) => ['running', 'cancelled'].includes(run.status)],
    ['user', { userId: 'u2' }, (run) => run.userId === 'u2'],
    ['tenant', { tenantId: 'globex' }, (run) => run.tenantId === 'globex'],
    ['since, inclusive', { since: T(6) }, (run) => run.at >= T(6)],
    ['until, exclusive', { until: T(6) }, (run) => run.at < T(6)],
    [
      'since and until as ISO strings',
      { since: '2026-05-01T09:02:00Z', until: '2026-05-01T11:07:00+02:00' },
      (run) => run.at >= T(2) && run.at < T(7),
    ],
    [
      'a date alone, as midnight UTC',
      { since: '2026-05-01', until: '2026-05-02' },
      (run) => run.at >= new Date('2026-05-01T00:00:00Z') && run.at < new Date('2026-05-02T00:00:00Z'),
    ],
    [
      'everything at once',
      {
        agent: 'Beta',
        status: ['completed', 'running', 'failed'],
        userId: 'u2',
        tenantId: 'acme',
        since: T(1),
        until: T(11),
      },
      (run) =>
        run.agent === 'Beta' &&
        ['completed', 'running', 'failed'].includes(run.status) &&
        run.userId === 'u2' &&
        run.tenantId === 'acme' &&
        run.at >= T(1) &&
        run.at < T(11),
    ],
  ])('filters by %s', async (_, options, keep) => {
    const expected = expectedIds(keep);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(seeded.length);
    expect(await idsOf(options)).toEqual(expected);
  });

  it('reads a date alone as midnight UTC whatever the session time zone', async () => {
    // One connection, so the SET applies to every query (on the embedded database all connections share it).
    const auckland = await createAgentspanDataSource({ url: fixture.database.url, poolSize: 1 });
    try {
      await auckland.query(`SET TIME ZONE 'Pacific/Auckland'`);
      const page = await new AgentRunRepository(auckland).history({
        since: '2026-05-01',
        until: '2026-05-02',
        limit: 1000,
      });
      const day = (run: SeededRun) =>
        run.at >= new Date('2026-05-01T00:00:00Z') && run.at < new Date('2026-05-02T00:00:00Z');
      expect(page.runs.map((run) => run.executionId)).toEqual(expectedIds(day));
    } finally {
      await auckland.query('RESET TIME ZONE');
      await auckland.destroy();
    }
  });

  it('returns an empty last page when nothing matches', async () => {
    expect(await runs.history({ agent: 'Nobody' })).toEqual({ runs: [], nextCursor: null });
  });

  it('returns every field of a run, with numbers as numbers, Dates and parsed JSON', async () => {
    const traceId = newTraceId();
    const agent = agentRun({
      agentName: 'Fields',
      startedAt: T(50),
      traceId,
      execution: {
        qualityScore: 87.5,
        input: '{"topic":"AI","n":[1,2]}',
        metadata: '{"issueNumber":123,"pr":"7"}',
        metrics: '{"competitors_analysed":12,"conversion_rate":0.031}',
      },
    });
    agent.performance!.durationMs = 1234.5;
    const spanId = agent.execution.spanId;
    // Two huge LLM calls: the subtree total passes 2^31 and so comes back from PostgreSQL as a bigint string.
    const big = {
      inputTokens: 2_000_000_000,
      outputTokens: 5,
      cacheReadTokens: null,
      reasoningTokens: 1,
      costUsd: '1.2500000001',
    };
    const tool = finalSpan({ traceId, parentSpanId: spanId, kind: 'tool', execution: { status: 'failed' } });
    await seedRuns([agent, llmSpan(traceId, spanId, big), llmSpan(traceId, spanId, big), tool]);

    const run = await runs.latest('Fields');
    expect(run).toEqual<RunSummary>({
      executionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      traceId,
      spanId,
      parentSpanId: null,
      kind: 'agent',
      name: 'invoke_agent Fields',
      agentName: 'Fields',
      agentVersion: '1.0',
      status: 'completed',
      startedAt: T(50),
      completedAt: new Date(T(50).getTime() + 1000),
      errorType: null,
      errorMessage: null,
      input: { topic: 'AI', n: [1, 2] },
      output: { summary: 'done' },
      qualityScore: 87.5,
      userId: 'user-1',
      sessionId: 'session-1',
      tenantId: 'acme',
      conversationId: 'conversation-1',
      metadata: { issueNumber: 123, pr: '7' },
      serviceName: 'marketing',
      metrics: { competitors_analysed: 12, conversion_rate: 0.031 },
      durationMs: 1234.5,
      totals: {
        inputTokens: 4_000_000_000,
        outputTokens: 10,
        cacheReadTokens: null, // unknown on every span: not zero
        cacheWriteTokens: 0,
        reasoningTokens: 2,
        costUsd: 2.5000000002,
        costUsdExact: '2.5000000002',
        llmCalls: 2,
        toolCalls: 1,
        errors: 1,
        unknownCostCalls: 0,
      },
    });
  });

  it('gives a running run (no performance yet) null duration and null totals, never zeros', async () => {
    await seedRuns([agentRun({ agentName: 'StillRunning', startedAt: T(51), status: 'running' })]);
    const run = await runs.latest('StillRunning');
    expect(run).toMatchObject({ status: 'running', completedAt: null, output: null, durationMs: null });
    expect(Object.values(run!.totals).every((value) => value === null)).toBe(true);
  });
});

describe('history pagination', () => {
  /** 55 runs, in runs of 7 sharing one start time, so page boundaries fall inside groups of equal timestamps. */
  const pagingRuns = Array.from({ length: 55 }, (_, i) =>
    agentRun({
      agentName: 'Pager',
      startedAt: T(20, Math.floor(i / 7)),
      status: i % 2 === 0 ? 'completed' : 'failed',
    }),
  );
  let expectedOrder: string[];

  beforeAll(async () => {
    await seedRuns(pagingRuns);
    const ids = await executionIds(dataSource, pagingRuns);
    const positions = pagingRuns.map((r) => ({ at: new Date(r.execution.startedAt), id: ids.get(keyOf(r))! }));
    expectedOrder = newestFirst(positions).map((r) => r.id);
  });

  async function walk(options: HistoryOptions): Promise<{ pages: string[][]; cursors: Array<string | null> }> {
    const pages: string[][] = [];
    const cursors: Array<string | null> = [];
    let cursor: string | null = null;
    do {
      const page = await runs.history({ ...options, cursor });
      pages.push(page.runs.map((run) => run.executionId));
      cursors.push(page.nextCursor);
      cursor = page.nextCursor;
      expect(pages.length).toBeLessThan(20); // a cursor that never ends must fail the test, not hang it
    } while (cursor !== null);
    return { pages, cursors };
  }

  it('pages of 20 over 55 runs: no duplicates, no gaps, the last cursor null', async () => {
    const { pages, cursors } = await walk({ agent: 'Pager', limit: 20 });
    expect(pages.map((page) => page.length)).toEqual([20, 20, 15]);
    expect(cursors[0]).toEqual(expect.any(String));
    expect(cursors[1]).toEqual(expect.any(String));
    expect(cursors[2]).toBeNull();
    const all = pages.flat();
    expect(new Set(all).size).toBe(55);
    expect(all).toEqual(expectedOrder);
  });

  it('has a null cursor on a last page that is exactly full', async () => {
    const { pages, cursors } = await walk({ agent: 'Pager', limit: 11 });
    expect(pages.map((page) => page.length)).toEqual([11, 11, 11, 11, 11]);
    expect(cursors.at(-1)).toBeNull();
    expect(pages.flat()).toEqual(expectedOrder);
  });

  it('pages with a filter the same way', async () => {
    const { pages } = await walk({ agent: 'Pager', status: 'failed', limit: 4 });
    const failed = new Set(
      seeded.filter((run) => run.agent === 'Pager' && run.status === 'failed').map((run) => run.id),
    );
    expect(failed.size).toBe(27);
    expect(pages.flat()).toEqual(expectedOrder.filter((id) => failed.has(id)));
  });

  it('keeps microsecond order across page boundaries (a millisecond cursor would skip or repeat rows)', async () => {
    // Not in the model (seedRuns): their start times change below. No test after this one lists unfiltered runs.
    const micro = Array.from({ length: 6 }, () => agentRun({ agentName: 'Micro', startedAt: T(45) }));
    await seed(dataSource, micro);
    // Spread the runs over microseconds within one millisecond, as spans from other tracers can be. (The new times
    // are computed in the subquery: Citus evaluates no time arithmetic on a column in an UPDATE's SET.)
    await dataSource.query(
      `UPDATE agent_executions SET started_at = ranked.spread
       FROM (SELECT id AS rid, trace_id AS rtrace,
                    started_at + row_number() OVER (ORDER BY span_id) * interval '1 microsecond' AS spread
             FROM agent_executions WHERE agent_name = 'Micro') ranked
       WHERE id = ranked.rid AND trace_id = ranked.rtrace`,
    );
    const expected: string[] = (
      await dataSource.query(
        `SELECT id FROM agent_executions WHERE agent_name = 'Micro' ORDER BY started_at DESC, id DESC`,
      )
    ).map((row: { id: string }) => row.id);
    const { pages } = await walk({ agent: 'Micro', limit: 2 });
    expect(pages.flat()).toEqual(expected);
  });
});

describe('latest', () => {
  it('is the run of the agent that started last, or null', async () => {
    const newest = newestFirst(seeded.filter((run) => run.agent === 'Alpha'))[0]!;
    expect((await runs.latest('Alpha'))?.executionId).toBe(newest.id);
    expect(await runs.latest('Nobody')).toBeNull();
  });
});

describe('history and latest arguments', () => {
  it.each<[string, () => Promise<unknown>, string]>([
    ['limit 0', () => runs.history({ limit: 0 }), 'history: limit must be an integer from 1 to 1000, got 0'],
    ['limit 1001', () => runs.history({ limit: 1001 }), 'history: limit must be an integer from 1 to 1000, got 1001'],
    [
      'a fractional limit',
      () => runs.history({ limit: 2.5 }),
      'history: limit must be an integer from 1 to 1000, got 2.5',
    ],
    ['a garbage cursor', () => runs.history({ cursor: 'not a cursor!' }), 'history: invalid cursor'],
    [
      'an unknown status',
      () => runs.history({ status: 'done' as ExecutionStatus }),
      'history: status must be one of running, completed, failed, cancelled, abandoned (or an array of them), got "done"',
    ],
    [
      'an invalid date',
      () => runs.history({ since: '2026-02-30' }),
      'history: since must be a Date or an ISO 8601 string with a time zone, got "2026-02-30"',
    ],
    [
      'since after until',
      () => runs.history({ since: T(5), until: T(1) }),
      'history: since must be before until, got since 2026-05-01T09:05:00.000Z and until 2026-05-01T09:01:00.000Z',
    ],
    ['an empty agent', () => runs.latest(''), 'latest: agent must be a non-empty string, got ""'],
  ])('refuses %s with a clear AgentspanQueryError', async (_, call, message) => {
    const error = await caught(call());
    expect(error).toBeInstanceOf(AgentspanQueryError);
    expect((error as Error).message).toBe(message);
  });

  it('refuses a cursor that was tampered with, or belongs to another listing', async () => {
    const first = await runs.history({ agent: 'Pager', limit: 5 });
    const [tag, at] = JSON.parse(Buffer.from(first.nextCursor!, 'base64url').toString()) as string[];
    const tampered = Buffer.from(JSON.stringify([tag, at, 'not-a-uuid'])).toString('base64url');
    const decisionsCursor = Buffer.from(JSON.stringify(['d', at, first.runs[4]!.executionId])).toString('base64url');
    await expect(runs.history({ cursor: tampered })).rejects.toThrow('history: invalid cursor');
    await expect(runs.history({ cursor: decisionsCursor })).rejects.toThrow('history: invalid cursor');
  });
});
