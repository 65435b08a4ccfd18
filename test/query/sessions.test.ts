import type { DataSource } from 'typeorm';
import { AgentRunRepository } from '../../src/query/agent-run-repository';
import { AgentspanQueryError } from '../../src/query/agentspan-query-error';
import type { SessionSummary } from '../../src/query/session-types';
import { LazyRuns } from '../../src/setup/lazy-runs';
import type { SpanRecord } from '../../src/model/records';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';
import { contextRun, llmCall, toolStep, type ContextRunSpec } from './context-seed';
import { caught, executionIds, keyOf, seed } from './run-seeds';

/**
 * sessions(): the runs sharing a sessionId, newest first by their first run's start.
 *
 * - chat-1 (acme): O1 Orchestrator 10:00 (LLM 0.01) → tool → N1 Researcher 10:00:02 (LLM 0.02), nested; O2 10:10
 *   failed (LLM 0.04). Its cost is 0.07: O1's totals hold N1's, which is not added again.
 * - chat-2 (acme): O3 09:00 (LLM 0.08, repo acme/api), O4 11:00 still running.
 * - shared: S1 acme 08:00 (0.16) and S2 globex 08:30 (0.32): one session id, two tenants.
 * - globex-only: G1 globex 12:00. A run without a session (13:00) is in no session.
 * - big (acme): 15 runs from 06:00, one a minute. page-00 … page-24 (acme): one run each, from 05:00; page-07 and
 *   page-08 start at the same instant.
 */

const DAY = (time: string) => new Date(`2026-11-06T${time}Z`);

let store: StoreFixture;
let dataSource: DataSource;
let runs: AgentRunRepository;
const ids = new Map<string, string>();
const records: SpanRecord[] = [];

function add(name: string, spec: ContextRunSpec): SpanRecord {
  const { run, children } = contextRun(spec);
  records.push(run, ...children);
  ids.set(name, keyOf(run));
  return run;
}

beforeAll(async () => {
  store = await createStoreFixture();
  dataSource = store.dataSource;
  runs = new AgentRunRepository(dataSource);
  const chat1 = { sessionId: 'chat-1' };
  const o1 = add('O1', { agent: 'Orchestrator', startedAt: DAY('10:00:00'), llmCost: '0.01', ...chat1 });
  const tool = toolStep(o1, DAY('10:00:01'));
  records.push(tool);
  const n1 = add('N1', {
    agent: 'Researcher',
    startedAt: DAY('10:00:02'),
    traceId: o1.execution.traceId,
    parentSpanId: tool.execution.spanId,
    ...chat1,
  });
  records.push(llmCall(n1, '0.02'));
  add('O2', {
    agent: 'Orchestrator',
    startedAt: DAY('10:10:00'),
    status: 'failed',
    llmCost: '0.04',
    error: { type: 'Error', message: 'no' },
    ...chat1,
  });
  const repo = { metadata: { repo: 'acme/api' } };
  add('O3', { agent: 'Orchestrator', startedAt: DAY('09:00:00'), llmCost: '0.08', sessionId: 'chat-2', ...repo });
  add('O4', { agent: 'Orchestrator', startedAt: DAY('11:00:00'), status: 'running', sessionId: 'chat-2' });
  add('S1', { agent: 'Orchestrator', startedAt: DAY('08:00:00'), llmCost: '0.16', sessionId: 'shared' });
  add('S2', {
    agent: 'Orchestrator',
    startedAt: DAY('08:30:00'),
    llmCost: '0.32',
    sessionId: 'shared',
    tenantId: 'globex',
  });
  add('G1', { agent: 'Orchestrator', startedAt: DAY('12:00:00'), sessionId: 'globex-only', tenantId: 'globex' });
  add('X1', { agent: 'Orchestrator', startedAt: DAY('13:00:00') });
  for (let i = 0; i < 15; i++) {
    add(`big-${i}`, { agent: 'Worker', startedAt: new Date(DAY('06:00:00').getTime() + i * 60_000), sessionId: 'big' });
  }
  for (let i = 0; i < 25; i++) {
    const minute = i === 8 ? 7 : i;
    const id = `page-${String(i).padStart(2, '0')}`;
    add(id, { agent: 'Pager', startedAt: new Date(DAY('05:00:00').getTime() + minute * 60_000), sessionId: id });
  }
  await seed(dataSource, records);
  const stored = await executionIds(dataSource, records);
  for (const [name, key] of ids) ids.set(name, stored.get(key)!);
});

afterAll(() => store?.close());

const idsOf = (...names: string[]) => names.map((name) => ids.get(name));
const byId = (sessions: SessionSummary[], id: string) => sessions.find((session) => session.sessionId === id)!;

describe('sessions', () => {
  it('lists each session once with its figures: runs by status, duration, tokens and cost counted once', async () => {
    const { sessions } = await runs.sessions({ sessionId: 'chat-1' });
    expect(sessions).toHaveLength(1);
    const [chat1] = sessions;
    expect(chat1).toMatchObject({
      sessionId: 'chat-1',
      startedAt: DAY('10:00:00'),
      lastStartedAt: DAY('10:10:00'),
      endedAt: DAY('10:10:01'),
      durationMs: 601_000,
      runCount: 3,
      statusCounts: { running: 0, completed: 2, failed: 1, cancelled: 0, abandoned: 0 },
      agents: ['Orchestrator', 'Researcher'],
    });
    // O1 (0.01 + N1's 0.02) and O2 (0.04): N1 is inside O1's totals, not added again (0.09 if it were).
    expect(chat1!.totals.costUsd).toBeCloseTo(0.07, 10);
    expect(chat1!.totals).toMatchObject({ inputTokens: 700, outputTokens: 70, llmCalls: 3, unknownCostCalls: 0 });
    expect(chat1!.runs.map((run) => run.executionId)).toEqual(idsOf('O2', 'N1', 'O1'));
    expect(chat1!.runs[0]).toMatchObject({ agentName: 'Orchestrator', status: 'failed', sessionId: 'chat-1' });
  });

  it('lists sessions newest first by their first run, whatever their latest run', async () => {
    const { sessions } = await runs.sessions({ since: DAY('08:00:00'), runsPerSession: 0 });
    // chat-2 has the latest run (11:00) but started at 09:00, before chat-1.
    expect(sessions.map((session) => session.sessionId)).toEqual(['globex-only', 'chat-1', 'chat-2', 'shared']);
    expect(byId(sessions, 'chat-2')).toMatchObject({
      endedAt: DAY('09:00:01'),
      durationMs: 1000,
      statusCounts: expect.objectContaining({ running: 1, completed: 1 }),
    });
    expect(sessions.every((session) => session.runs.length === 0)).toBe(true);
  });

  it('chooses sessions by the filters, and shows the whole session', async () => {
    const nested = await runs.sessions({ agent: 'Researcher' });
    expect(nested.sessions.map((session) => [session.sessionId, session.runCount])).toEqual([['chat-1', 3]]);
    const byRepo = await runs.sessions({ metadata: { repo: 'acme/api' } });
    expect(byRepo.sessions.map((session) => [session.sessionId, session.runCount])).toEqual([['chat-2', 2]]);
    const live = await runs.sessions({ status: 'running' });
    expect(live.sessions.map((session) => session.sessionId)).toEqual(['chat-2']);
    expect((await runs.sessions({ errorContains: 'NO' })).sessions.map((s) => s.sessionId)).toEqual(['chat-1']);
  });

  it('bounds the runs each session lists, newest first, and still counts them all', async () => {
    const big = async (runsPerSession?: number) =>
      (await runs.sessions({ sessionId: 'big', ...(runsPerSession === undefined ? {} : { runsPerSession }) }))
        .sessions[0]!;
    const newest = Array.from({ length: 15 }, (_, i) => `big-${14 - i}`);
    expect((await big()).runs.map((run) => run.executionId)).toEqual(idsOf(...newest.slice(0, 10)));
    expect((await big()).runCount).toBe(15);
    expect((await big(3)).runs.map((run) => run.executionId)).toEqual(idsOf(...newest.slice(0, 3)));
    expect((await big(0)).runs).toEqual([]);
    expect((await big(100)).runs).toHaveLength(15);
  });

  it('pages through every session once, in order, ties broken by session id', async () => {
    const [expected] = [
      (
        await dataSource.query(
          `SELECT session_id FROM agent_executions WHERE kind = 'agent' AND session_id IS NOT NULL
           GROUP BY session_id ORDER BY min(started_at) DESC, session_id COLLATE "C" DESC`,
        )
      ).map((row: { session_id: string }) => row.session_id),
    ];
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await runs.sessions({ limit: 4, cursor, runsPerSession: 1 });
      seen.push(...page.sessions.map((session) => session.sessionId));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(seen).toEqual(expected);
    expect(seen).toHaveLength(30);
    expect(pages).toBe(8);
    expect(seen.indexOf('page-08')).toBe(seen.indexOf('page-07') - 1);
  });

  it('in a tenant view: the tenant’s sessions, and only its runs of a shared session id', async () => {
    const acme = await runs.forTenant('acme').sessions({ limit: 100 });
    expect(acme.sessions.map((session) => session.sessionId)).not.toContain('globex-only');
    const shared = byId(acme.sessions, 'shared');
    expect(shared).toMatchObject({ runCount: 1, startedAt: DAY('08:00:00'), agents: ['Orchestrator'] });
    expect(shared.totals.costUsd).toBeCloseTo(0.16, 10);
    expect(shared.runs.map((run) => run.executionId)).toEqual(idsOf('S1'));

    const globex = await runs.forTenant('globex').sessions();
    expect(globex.sessions.map((session) => [session.sessionId, session.runCount])).toEqual([
      ['globex-only', 1],
      ['shared', 1],
    ]);
    expect(byId(globex.sessions, 'shared').totals.costUsd).toBeCloseTo(0.32, 10);
    expect(byId(globex.sessions, 'shared').startedAt).toEqual(DAY('08:30:00'));

    const everyone = byId((await runs.sessions({ sessionId: 'shared' })).sessions, 'shared');
    expect(everyone.runCount).toBe(2);
    expect(everyone.totals.costUsd).toBeCloseTo(0.48, 10);
    const refused = await caught(runs.forTenant('acme').sessions({ tenantId: 'globex' }));
    expect((refused as Error).message).toBe('sessions: tenantId is "acme" in this view (forTenant), got "globex"');
  });

  it('is on telemetry.runs (LazyRuns) and its tenant view', async () => {
    const lazy = new LazyRuns(async () => runs);
    expect((await lazy.sessions({ sessionId: 'shared' })).sessions[0]!.runCount).toBe(2);
    expect((await lazy.forTenant('globex').sessions({ sessionId: 'shared' })).sessions[0]!.runCount).toBe(1);
  });

  it.each<[string, unknown, string]>([
    ['limit 0', { limit: 0 }, 'sessions: limit must be an integer from 1 to 100, got 0'],
    ['limit 101', { limit: 101 }, 'sessions: limit must be an integer from 1 to 100, got 101'],
    ['runsPerSession -1', { runsPerSession: -1 }, 'sessions: runsPerSession must be an integer from 0 to 100, got -1'],
    [
      'runsPerSession 1.5',
      { runsPerSession: 1.5 },
      'sessions: runsPerSession must be an integer from 0 to 100, got 1.5',
    ],
    ['a garbage cursor', { cursor: 'not a cursor!' }, 'sessions: invalid cursor'],
    ['an unknown option', { session: 'x' }, 'sessions: unknown option "session"'],
  ])('refuses %s', async (_, options, message) => {
    const error = await caught(runs.sessions(options as never));
    expect(error).toBeInstanceOf(AgentspanQueryError);
    expect((error as Error).message.startsWith(message)).toBe(true);
  });

  it('refuses the cursor of another listing, and history refuses its cursor', async () => {
    const history = await runs.history({ limit: 1 });
    expect(((await caught(runs.sessions({ cursor: history.nextCursor }))) as Error).message).toBe(
      'sessions: invalid cursor',
    );
    const page = await runs.sessions({ limit: 1 });
    expect(((await caught(runs.history({ cursor: page.nextCursor }))) as Error).message).toBe(
      'history: invalid cursor',
    );
  });
});
