import { AgentRunRepository } from '../../src/query/agent-run-repository';
import { AgentspanQueryError } from '../../src/query/agentspan-query-error';
import type { CostBreakdownResult, StatsResult } from '../../src/query/analytics-types';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';
import { contextRun, toolStep, type ContextRunSpec } from './context-seed';
import { caught, seed } from './run-seeds';

/**
 * groupBy 'session' and 'metadata.<key>' in stats and costBreakdown: cost per repository, per customer, per session.
 * Every expected figure is worked out by hand from this table (costs are powers of two, so a sum tells its parts):
 *
 * | run | session | metadata                                           | LLM call | tool   | status    |
 * |-----|---------|----------------------------------------------------|----------|--------|-----------|
 * | R1  | sA      | repo acme/api, customer c-1                        | 0.01     |        | completed |
 * | R2  | sA      | repo acme/web, customer c-1, team.name core        | 0.02     |        | failed    |
 * | R3  | sB      | repo acme/api, customer c-2                        | 0.04     | 0.001  | completed |
 * | R4  | —       | repo 42 (a number)                                 | 0.08     |        | completed |
 * | R5  | sB      | —                                                  | 0.16     |        | completed |
 */

const T = (minute: number) => new Date(Date.UTC(2026, 10, 7, 9, minute));
const RANGE = { since: '2026-11-07T00:00:00Z', until: '2026-11-08T00:00:00Z' };

let store: StoreFixture;
let runs: AgentRunRepository;

beforeAll(async () => {
  store = await createStoreFixture();
  runs = new AgentRunRepository(store.dataSource);
  const specs: Array<Omit<ContextRunSpec, 'agent' | 'startedAt'>> = [
    { sessionId: 'sA', metadata: { repo: 'acme/api', customer: 'c-1' }, llmCost: '0.01' },
    {
      sessionId: 'sA',
      metadata: { repo: 'acme/web', customer: 'c-1', 'team.name': 'core' },
      llmCost: '0.02',
      status: 'failed',
      error: { type: 'Error', message: 'no' },
    },
    { sessionId: 'sB', metadata: { repo: 'acme/api', customer: 'c-2' }, llmCost: '0.04' },
    { sessionId: null, metadata: { repo: 42 }, llmCost: '0.08' },
    { sessionId: 'sB', metadata: null, llmCost: '0.16' },
  ];
  const records = specs.flatMap((spec, i) => {
    const { run, children } = contextRun({ agent: 'Reviewer', startedAt: T(i), ...spec });
    return i === 2 ? [run, ...children, toolStep(run, T(i), '0.001')] : [run, ...children];
  });
  await seed(store.dataSource, records);
});

afterAll(() => store?.close());

const costs = (result: CostBreakdownResult) =>
  result.groups.map((group) => [group.key, group.executions, Number(group.costUsd!.toFixed(6))]);
const counts = (result: StatsResult) =>
  result.groups.map((group) => [
    group.key,
    group.count,
    group.costUsd === null ? null : Number(group.costUsd.toFixed(6)),
  ]);

describe('costBreakdown by session and metadata key', () => {
  it('per repository: each execution counted once, the tool call with its run, no repository as null', async () => {
    const result = await runs.costBreakdown({ groupBy: 'metadata.repo', ...RANGE });
    expect(result.groupBy).toBe('metadata.repo');
    expect(costs(result)).toEqual([
      [null, 1, 0.16],
      ['42', 1, 0.08],
      ['acme/api', 3, 0.051],
      ['acme/web', 1, 0.02],
    ]);
    expect(result.total.costUsd).toBeCloseTo(0.311, 10);
    expect(result.total.tokens.input).toBe(3100);
  });

  it('per customer, per session, and per dotted key (a top-level key named team.name)', async () => {
    expect(costs(await runs.costBreakdown({ groupBy: 'metadata.customer', ...RANGE }))).toEqual([
      [null, 2, 0.24],
      ['c-2', 2, 0.041],
      ['c-1', 2, 0.03],
    ]);
    expect(costs(await runs.costBreakdown({ groupBy: 'session', ...RANGE }))).toEqual([
      ['sB', 3, 0.201],
      [null, 1, 0.08],
      ['sA', 2, 0.03],
    ]);
    expect(costs(await runs.costBreakdown({ groupBy: 'metadata.team.name', ...RANGE }))).toEqual([
      [null, 5, 0.291],
      ['core', 1, 0.02],
    ]);
  });

  it('combines with the filters: per repository within one session', async () => {
    expect(costs(await runs.costBreakdown({ groupBy: 'metadata.repo', sessionId: 'sB' }))).toEqual([
      [null, 1, 0.16],
      ['acme/api', 2, 0.041],
    ]);
  });
});

describe('stats by session and metadata key', () => {
  it('counts runs and sums their totals per repository, from raw rows even where rollups could answer', async () => {
    const result = await runs.stats({ groupBy: 'metadata.repo', ...RANGE, rollupAfterHours: 1 });
    expect(result).toMatchObject({ groupBy: 'metadata.repo', kind: 'agent', source: 'raw', approximate: false });
    // Most runs first, then by key, runs without the key last.
    expect(counts(result)).toEqual([
      ['acme/api', 2, 0.051],
      ['42', 1, 0.08],
      ['acme/web', 1, 0.02],
      [null, 1, 0.16],
    ]);
    expect(result.groups.find((group) => group.key === 'acme/web')).toMatchObject({ failed: 1, successRate: 0 });
  });

  it('per session, and LLM calls per repository', async () => {
    expect(counts(await runs.stats({ groupBy: 'session', ...RANGE }))).toEqual([
      ['sA', 2, 0.03],
      ['sB', 2, 0.201],
      [null, 1, 0.08],
    ]);
    const llm = await runs.stats({ groupBy: 'metadata.repo', kind: 'llm', ...RANGE });
    expect(llm.groups.map((group) => [group.key, group.count])).toEqual([
      ['acme/api', 2],
      ['42', 1],
      ['acme/web', 1],
      [null, 1],
    ]);
  });

  it('refuses the rollups for these groupings, saying why', async () => {
    const error = await caught(runs.stats({ groupBy: 'session', ...RANGE, source: 'rollup' }));
    expect(error).toBeInstanceOf(AgentspanQueryError);
    expect((error as Error).message).toBe(
      'stats: source rollup cannot answer this: they are grouped by agent and hour, not by session',
    );
    expect(
      ((await caught(runs.stats({ groupBy: 'metadata.repo', source: 'rollup', ...RANGE }))) as Error).message,
    ).toBe('stats: source rollup cannot answer this: they are grouped by agent and hour, not by metadata.repo');
  });

  it('in a tenant view, only the tenant’s rows', async () => {
    expect((await runs.forTenant('globex').costBreakdown({ groupBy: 'metadata.repo' })).groups).toEqual([]);
    expect(counts(await runs.forTenant('acme').stats({ groupBy: 'session', sessionId: 'sA' }))).toEqual([
      ['sA', 2, 0.03],
    ]);
  });
});
