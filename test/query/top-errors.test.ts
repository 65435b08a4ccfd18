import { AgentspanQueryError } from '../../src/query/agentspan-query-error';
import { at, useAnalyticsFixture } from './analytics-seed';
import { caught, executionIds, keyOf } from './run-seeds';

const fixture = useAnalyticsFixture();

describe('topErrors', () => {
  it('groups failed agent runs by error type and message, most frequent first, with the latest trace', async () => {
    const { R6, W2 } = fixture.seeded.runs;
    const ids = await executionIds(fixture.store.dataSource, [R6, W2]);
    expect(await fixture.runs.topErrors({ since: at('00:00:00') })).toEqual([
      {
        errorType: 'TimeoutError',
        errorMessage: 'search timed out',
        count: 2, // R3 and R6; the tool call T1 that failed the same way is not an agent run
        agents: ['Researcher'],
        firstSeenAt: new Date(at('10:40:00')),
        lastSeenAt: new Date(at('12:05:00')),
        latestTraceId: R6.execution.traceId,
        latestExecutionId: ids.get(keyOf(R6)),
      },
      {
        errorType: 'CmsError',
        errorMessage: 'CMS said 503',
        count: 1,
        agents: ['Writer'],
        firstSeenAt: new Date(at('12:30:00')),
        lastSeenAt: new Date(at('12:30:00')),
        latestTraceId: W2.execution.traceId,
        latestExecutionId: ids.get(keyOf(W2)),
      },
    ]);
  });

  it('counts failures of every kind with kind all, and tool calls alone with kind tool', async () => {
    const counts = async (kind: 'all' | 'tool' | 'llm') =>
      (await fixture.runs.topErrors({ kind })).map((group) => [group.errorType, group.count]);
    expect(await counts('all')).toEqual([
      ['TimeoutError', 3],
      ['CmsError', 1],
    ]);
    expect(await counts('tool')).toEqual([['TimeoutError', 1]]);
    expect(await counts('llm')).toEqual([]);
  });

  it('filters by tenant, agent, time range and limit', async () => {
    const types = async (options: object) =>
      (await fixture.runs.topErrors(options)).map((group) => [group.errorType, group.count]);
    expect(await types({ tenantId: 'acme' })).toEqual([]);
    expect(await types({ agent: 'Writer' })).toEqual([['CmsError', 1]]);
    expect(await types({ since: at('12:00:00'), until: at('12:10:00') })).toEqual([['TimeoutError', 1]]);
    expect(await types({ limit: 1 })).toEqual([['TimeoutError', 2]]);
    // Other statuses only when asked for: the cancelled run R5 has no error, so it forms a group of nulls.
    expect(await types({ status: 'cancelled' })).toEqual([[null, 1]]);
  });

  it('refuses a limit out of range and an unknown kind', async () => {
    for (const [options, message] of [
      [{ limit: 0 }, 'topErrors: limit must be an integer from 1 to 100, got 0'],
      [{ limit: 101 }, 'topErrors: limit must be an integer from 1 to 100, got 101'],
      [{ kind: 'task' }, 'topErrors: kind must be one of agent, llm, tool, all, got "task"'],
    ] as const) {
      const error = await caught(fixture.runs.topErrors(options as never));
      expect(error).toBeInstanceOf(AgentspanQueryError);
      expect((error as Error).message).toBe(message);
    }
  });
});
