import { AgentspanQueryError } from '../../src/query/agentspan-query-error';
import type { CostFigures } from '../../src/query/analytics-types';
import { at, useAnalyticsFixture } from './analytics-seed';
import { caught } from './run-seeds';

const fixture = useAnalyticsFixture();

const RANGE = { since: at('10:00:00'), until: at('13:00:00') };
const tokens = (input: number, output: number, cacheRead = 0, reasoning = 0) => ({
  input,
  output,
  cacheRead,
  cacheWrite: 0,
  reasoning,
});
const rounded = <T extends { costUsd: number | null }>(figures: T): T => ({
  ...figures,
  costUsd: figures.costUsd === null ? null : Math.round(figures.costUsd * 1e9) / 1e9,
});

// The five LLM calls are the only executions with tokens or cost: L1, L2, L5 gpt-4o; L3 in-house-llm (cost unknown);
// L4 claude-sonnet.
const TOTAL: CostFigures = {
  executions: 5,
  costUsd: 0.09,
  tokens: tokens(750, 190, 30, 5),
  unknownCost: { executions: 1, tokens: 60 },
};

describe('costBreakdown', () => {
  it('sums each execution’s own cost and tokens per model, most expensive first, with the unknown-cost share', async () => {
    const result = await fixture.runs.costBreakdown({ groupBy: 'model', ...RANGE });
    expect(result.groups.map(rounded)).toEqual([
      {
        key: 'claude-sonnet',
        bucketStart: null,
        executions: 1,
        costUsd: 0.05,
        tokens: tokens(300, 100, 30, 5),
        unknownCost: { executions: 0, tokens: 0 },
      },
      {
        key: 'gpt-4o',
        bucketStart: null,
        executions: 3,
        costUsd: 0.04,
        tokens: tokens(400, 80),
        unknownCost: { executions: 0, tokens: 0 },
      },
      {
        key: 'in-house-llm',
        bucketStart: null,
        executions: 1,
        costUsd: null,
        tokens: tokens(50, 10),
        unknownCost: { executions: 1, tokens: 60 },
      },
    ]);
    expect(rounded(result.total)).toEqual(TOTAL);
  });

  it('counts a nested agent’s tokens once: per agent the groups add up to the total', async () => {
    // stats by agent gives Writer $0.06 (its subtree holds the nested Researcher run R4); here R4's call is the
    // Researcher's alone.
    const { groups, total } = await fixture.runs.costBreakdown({ groupBy: 'agent', ...RANGE });
    expect(groups.map(rounded)).toEqual([
      {
        key: 'Writer',
        bucketStart: null,
        executions: 1,
        costUsd: 0.05,
        tokens: tokens(300, 100, 30, 5),
        unknownCost: { executions: 0, tokens: 0 },
      },
      {
        key: 'Researcher',
        bucketStart: null,
        executions: 4,
        costUsd: 0.04,
        tokens: tokens(450, 90),
        unknownCost: { executions: 1, tokens: 60 },
      },
    ]);
    expect(rounded(total)).toEqual(TOTAL);
  });

  it('groups by tenant, user and day, and fills every hour of the range', async () => {
    const keyed = async (groupBy: 'tenant' | 'user' | 'day' | 'hour') =>
      (await fixture.runs.costBreakdown({ groupBy, ...RANGE })).groups.map((group) => [
        group.key,
        group.executions,
        rounded(group).costUsd,
      ]);
    expect(await keyed('tenant')).toEqual([
      ['acme', 4, 0.09],
      ['globex', 1, null],
    ]);
    expect(await keyed('user')).toEqual([
      ['u1', 4, 0.07], // L1, L3 (cost unknown), L4, L5
      ['u2', 1, 0.02],
    ]);
    expect(await keyed('day')).toEqual([[at('00:00:00.000'), 5, 0.09]]);
    expect(await keyed('hour')).toEqual([
      [at('10:00:00.000'), 5, 0.09],
      [at('11:00:00.000'), 0, null],
      [at('12:00:00.000'), 0, null],
    ]);
  });

  it('filters, and returns zero executions for an empty range', async () => {
    expect(rounded((await fixture.runs.costBreakdown({ groupBy: 'model', tenantId: 'globex' })).total)).toEqual({
      executions: 1,
      costUsd: null,
      tokens: tokens(50, 10),
      unknownCost: { executions: 1, tokens: 60 },
    });
    const empty = await fixture.runs.costBreakdown({ groupBy: 'agent', since: at('14:00:00') });
    expect(empty.groups).toEqual([]);
    expect(empty.total).toEqual({
      executions: 0,
      costUsd: null,
      tokens: { input: null, output: null, cacheRead: null, cacheWrite: null, reasoning: null },
      unknownCost: { executions: 0, tokens: 0 },
    });
  });

  it('still counts a call written before its start by an application clock up to a day ahead of the database', async () => {
    // The range is narrowed through the BRIN index on created_at, with a day's allowance for clock skew.
    const { dataSource } = fixture.store;
    const [l1] = await dataSource.query(
      `UPDATE agent_executions SET created_at = $1::timestamptz - interval '23 hours'
       WHERE kind = 'llm' AND started_at = $1 RETURNING id`,
      [at('10:05:01')],
    );
    try {
      const { total } = await fixture.runs.costBreakdown({
        groupBy: 'model',
        since: at('10:05:00'),
        until: at('10:06:00'),
      });
      expect(rounded(total)).toMatchObject({ executions: 1, costUsd: 0.01 });
    } finally {
      await dataSource.query(`UPDATE agent_executions SET created_at = now() WHERE id = $1`, [l1.id]);
    }
  });

  it('refuses a missing or unknown groupBy', async () => {
    for (const [options, message] of [
      [undefined, 'costBreakdown: options with a groupBy are required'],
      [
        { groupBy: 'status' },
        'costBreakdown: groupBy must be one of agent, model, user, tenant, hour, day, session or metadata.<key>, got "status"',
      ],
    ] as const) {
      const error = await caught(fixture.runs.costBreakdown(options as never));
      expect(error).toBeInstanceOf(AgentspanQueryError);
      expect((error as Error).message).toBe(message);
    }
  });
});
