import { AgentRunRepository } from '../../src/query/agent-run-repository';
import { AgentspanQueryError } from '../../src/query/agentspan-query-error';
import { createAgentspanDataSource } from '../../src/store/connection/data-source';
import type { StatsGroup } from '../../src/query/analytics-types';
import { at, useAnalyticsFixture } from './analytics-seed';
import { caught } from './run-seeds';

const fixture = useAnalyticsFixture();

const RANGE = { since: at('10:00:00'), until: at('13:00:00') };
const noTokens = { input: null, output: null, cacheRead: null, cacheWrite: null, reasoning: null };

/** The figures of a group as the tests compare them: floats rounded to 9 places. */
function figures(group: StatsGroup) {
  const round = (value: number | null) => (value === null ? null : Math.round(value * 1e9) / 1e9);
  return {
    ...group,
    duration: Object.fromEntries(Object.entries(group.duration).map(([k, v]) => [k, round(v)])),
    costUsd: round(group.costUsd),
    metrics: Object.fromEntries(
      Object.entries(group.metrics).map(([name, m]) => [
        name,
        { count: m.count, sum: round(m.sum), avg: round(m.avg), p95: round(m.p95) },
      ]),
    ),
  };
}

describe('stats', () => {
  it('groups agent runs by agent: counts, success rate, percentile_cont durations, subtree tokens, cost, metrics', async () => {
    const result = await fixture.runs.stats({ groupBy: 'agent', ...RANGE });
    expect(result).toMatchObject({ groupBy: 'agent', kind: 'agent', source: 'raw', approximate: false });
    expect(result.since).toEqual(new Date(RANGE.since));
    expect(result.groups.map(figures)).toEqual([
      {
        key: 'Researcher',
        bucketStart: null,
        count: 6,
        succeeded: 3,
        failed: 2,
        cancelled: 1,
        abandoned: 0,
        running: 0,
        successRate: 0.5,
        // Durations 50, 100, 200, 300, 400, 600.
        duration: { avgMs: 275, minMs: 50, maxMs: 600, p50Ms: 250, p95Ms: 550, p99Ms: 590 },
        // R1 + R2 + R3 + R4 subtree totals; R5 and R6 have none (null, not counted).
        tokens: { input: 450, output: 90, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
        costUsd: 0.04, // R3's cost is unknown: left out
        metrics: {
          competitors: { count: 3, sum: 20, avg: 6.666666667, p95: 9.6 },
          conversion_rate: { count: 1, sum: 0.5, avg: 0.5, p95: 0.5 },
        },
      },
      {
        key: 'Writer',
        bucketStart: null,
        count: 3,
        succeeded: 1,
        failed: 1,
        cancelled: 0,
        abandoned: 0,
        running: 1,
        successRate: 0.5, // 1 of the 2 finished; W3 is still running
        duration: { avgMs: 750, minMs: 500, maxMs: 1000, p50Ms: 750, p95Ms: 975, p99Ms: 995 },
        // W1's subtree: its own LLM call and the nested R4's.
        tokens: { input: 400, output: 120, cacheRead: 30, cacheWrite: 0, reasoning: 5 },
        costUsd: 0.06,
        metrics: { words: { count: 1, sum: 800, avg: 800, p95: 800 } },
      },
    ]);
  });

  it('fills every hour of the range, hours without runs included, in time order', async () => {
    const { groups } = await fixture.runs.stats({ groupBy: 'hour', ...RANGE });
    expect(groups.map(figures)).toEqual([
      expect.objectContaining({
        key: at('10:00:00.000'),
        bucketStart: new Date(at('10:00:00')),
        count: 5,
        succeeded: 4,
        failed: 1,
        successRate: 0.8,
        duration: { avgMs: 400, minMs: 100, maxMs: 1000, p50Ms: 300, p95Ms: 880, p99Ms: 976 },
        tokens: { input: 850, output: 210, cacheRead: 30, cacheWrite: 0, reasoning: 5 },
        costUsd: 0.1,
      }),
      {
        key: at('11:00:00.000'),
        bucketStart: new Date(at('11:00:00')),
        count: 0,
        succeeded: 0,
        failed: 0,
        cancelled: 0,
        abandoned: 0,
        running: 0,
        successRate: null,
        duration: { avgMs: null, minMs: null, maxMs: null, p50Ms: null, p95Ms: null, p99Ms: null },
        tokens: noTokens,
        costUsd: null,
        metrics: {},
      },
      expect.objectContaining({
        key: at('12:00:00.000'),
        count: 4,
        succeeded: 0,
        failed: 2,
        cancelled: 1,
        running: 1,
        successRate: 0,
        duration: { avgMs: 383.333333333, minMs: 50, maxMs: 600, p50Ms: 500, p95Ms: 590, p99Ms: 598 },
        tokens: noTokens,
        costUsd: null,
      }),
    ]);
  });

  it('buckets hours and days in UTC whatever the session time zone (Kolkata is 5:30 ahead)', async () => {
    // One connection, so the SET applies to every query (on the embedded database all connections share it).
    const kolkata = await createAgentspanDataSource({ url: fixture.store.database.url, poolSize: 1 });
    try {
      await kolkata.query(`SET TIME ZONE 'Asia/Kolkata'`);
      const repository = new AgentRunRepository(kolkata);
      const hours = await repository.stats({ groupBy: 'hour', ...RANGE });
      expect(hours.groups.map((group) => [group.key, group.count])).toEqual([
        [at('10:00:00.000'), 5],
        [at('11:00:00.000'), 0],
        [at('12:00:00.000'), 4],
      ]);
      const days = await repository.costBreakdown({ groupBy: 'day', ...RANGE });
      expect(days.groups.map((group) => [group.key, group.executions])).toEqual([[at('00:00:00.000'), 5]]);
    } finally {
      await kolkata.query('RESET TIME ZONE');
      await kolkata.destroy();
    }
  });

  it('groups by day, status, tenant and user', async () => {
    const keysAndCounts = async (groupBy: 'day' | 'status' | 'tenant' | 'user') =>
      (await fixture.runs.stats({ groupBy, ...RANGE })).groups.map((group) => [group.key, group.count]);
    expect(await keysAndCounts('day')).toEqual([[at('00:00:00.000'), 9]]);
    expect(await keysAndCounts('status')).toEqual([
      ['completed', 4],
      ['failed', 3],
      ['cancelled', 1],
      ['running', 1],
    ]);
    expect(await keysAndCounts('tenant')).toEqual([
      ['acme', 6],
      ['globex', 3],
    ]);
    expect(await keysAndCounts('user')).toEqual([
      ['u1', 5],
      ['u2', 2],
      ['u3', 2],
    ]);
  });

  it('groups LLM calls by model with their own tokens and cost', async () => {
    const result = await fixture.runs.stats({ groupBy: 'model', ...RANGE });
    expect(result.kind).toBe('llm');
    expect(
      result.groups.map((group) => ({
        key: group.key,
        count: group.count,
        p50: group.duration.p50Ms,
        tokens: group.tokens,
        cost: figures(group).costUsd,
      })),
    ).toEqual([
      {
        key: 'gpt-4o',
        count: 3,
        p50: 20,
        tokens: { input: 400, output: 80, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
        cost: 0.04,
      },
      {
        key: 'claude-sonnet',
        count: 1,
        p50: 40,
        tokens: { input: 300, output: 100, cacheRead: 30, cacheWrite: 0, reasoning: 5 },
        cost: 0.05,
      },
      {
        key: 'in-house-llm',
        count: 1,
        p50: 30,
        tokens: { input: 50, output: 10, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
        cost: null,
      },
    ]);
  });

  it('counts tool calls with kind tool', async () => {
    const { groups } = await fixture.runs.stats({ groupBy: 'agent', kind: 'tool' });
    expect(groups.map((g) => [g.key, g.count, g.failed, g.duration.p50Ms])).toEqual([['Researcher', 1, 1, 5]]);
  });

  it('filters by tenant, user, status, agent and time range', async () => {
    const counts = async (filters: object) =>
      (await fixture.runs.stats({ groupBy: 'agent', ...filters })).groups.map((group) => [group.key, group.count]);
    expect(await counts({ tenantId: 'globex' })).toEqual([
      ['Researcher', 2],
      ['Writer', 1],
    ]);
    expect(await counts({ userId: 'u3' })).toEqual([
      ['Researcher', 1],
      ['Writer', 1],
    ]);
    expect(await counts({ status: ['failed', 'cancelled'] })).toEqual([
      ['Researcher', 3],
      ['Writer', 1],
    ]);
    expect(await counts({ agent: 'Writer' })).toEqual([['Writer', 3]]);
    expect(await counts({ since: at('12:00:00'), until: at('12:40:00') })).toEqual([
      ['Researcher', 1],
      ['Writer', 1],
    ]);
    expect(await counts({ since: at('14:00:00') })).toEqual([]);
  });

  it('leaves out metric values written by hand that it cannot sum, instead of failing', async () => {
    const { dataSource } = fixture.store;
    const spanId = fixture.seeded.runs.R5.execution.spanId;
    await dataSource.query(
      `UPDATE agent_executions SET metrics = '{"competitors": 10, "huge": 1e400, "text": "x"}' WHERE span_id = $1`,
      [spanId],
    );
    try {
      const { groups } = await fixture.runs.stats({ groupBy: 'agent', agent: 'Researcher' });
      expect(Object.keys(groups[0]!.metrics)).toEqual(['competitors', 'conversion_rate']);
      expect(groups[0]!.metrics.competitors!.sum).toBe(20);
    } finally {
      await dataSource.query(`UPDATE agent_executions SET metrics = '{"competitors": 10}' WHERE span_id = $1`, [
        spanId,
      ]);
    }
  });

  it('refuses bad arguments with a clear AgentspanQueryError, before any SQL', async () => {
    const refused = async (options: unknown) => {
      const error = await caught(fixture.runs.stats(options as never));
      expect(error).toBeInstanceOf(AgentspanQueryError);
      return (error as Error).message;
    };
    expect(await refused(undefined)).toBe('stats: options with a groupBy are required');
    expect(await refused({ groupBy: 'week' })).toBe(
      'stats: groupBy must be one of agent, model, user, tenant, status, hour, day, session or metadata.<key>, got "week"',
    );
    expect(await refused({ groupBy: 'model', kind: 'agent' })).toBe(
      'stats: groupBy model needs kind llm (agent runs have no model of their own)',
    );
    expect(await refused({ groupBy: 'agent', kind: 'task' })).toBe(
      'stats: kind must be one of agent, llm, tool, got "task"',
    );
    expect(await refused({ groupBy: 'agent', since: at('12:00:00'), until: at('10:00:00') })).toBe(
      `stats: since must be before until, got since ${at('12:00:00')} and until ${at('10:00:00')}`,
    );
    expect(await refused({ groupBy: 'agent', since: 'yesterday' })).toMatch(
      /^stats: since must be a Date or an ISO 8601 string/,
    );
    expect(await refused({ groupBy: 'agent', tenant: 'acme' })).toMatch(/^stats: unknown option "tenant"/);
    expect(await refused({ groupBy: 'hour', since: '2000-01-01', until: '2026-01-01' })).toMatch(
      /^stats: groupBy hour over this range makes 227928 buckets, more than 10000/,
    );
    expect(await refused({ groupBy: 'user', source: 'rollup', since: RANGE.since })).toBe(
      'stats: source rollup cannot answer this: they are grouped by agent and hour, not by user',
    );
    expect(await refused({ groupBy: 'agent', rollupAfterHours: 0 })).toBe(
      'stats: rollupAfterHours must be a positive number, got 0',
    );
  });
});
