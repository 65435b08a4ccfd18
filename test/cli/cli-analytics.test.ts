import { refreshHourlyRollups } from '../../src/rollups/hourly-rollups';
import { agentspan } from '../support/cli-process';
import { at, useAnalyticsFixture } from '../query/analytics-seed';

const fixture = useAnalyticsFixture();
const range = ['--since', at('10:00:00'), '--until', at('13:00:00')];
const lines = (text: string) => text.trimEnd().split('\n');

describe('agentspan stats, errors, costs, rollup', () => {
  it('prints stats by agent as a table with business metrics, and as JSON', async () => {
    const url = fixture.store.database.url;
    const table = await agentspan('--database', url, 'stats', ...range);
    expect(table).toMatchObject({ code: 0, stderr: '' });
    const [header, , researcher, writer, blank, metricHeader, , ...rest] = lines(table.stdout);
    expect(header).toMatch(
      /^agent\s+runs\s+ok\s+failed\s+success %\s+p50 ms\s+p95 ms\s+p99 ms\s+tokens in\s+tokens out\s+cost \$$/,
    );
    expect(researcher).toMatch(/^Researcher\s+6\s+3\s+2\s+50\.0\s+250\s+550\s+590\s+450\s+90\s+0\.04000$/);
    expect(writer).toMatch(/^Writer\s+3\s+1\s+1\s+50\.0\s+750\s+975\s+995\s+430\s+125\s+0\.06000$/);
    expect(blank).toBe('');
    expect(metricHeader).toMatch(/^agent\s+metric\s+count\s+sum\s+avg\s+p95$/);
    expect(rest).toEqual([
      expect.stringMatching(/^Researcher\s+competitors\s+3\s+20\s+6\.66667\s+9\.6$/),
      expect.stringMatching(/^Researcher\s+conversion_rate\s+1\s+0\.5\s+0\.5\s+0\.5$/),
      expect.stringMatching(/^Writer\s+words\s+1\s+800\s+800\s+800$/),
      'agent runs; read from raw rows (exact)',
    ]);

    const json = await agentspan('--database', url, '--json', 'stats', '--group-by', 'hour', ...range);
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result.groups.map((group: { key: string; count: number }) => [group.key, group.count])).toEqual([
      [at('10:00:00.000'), 5],
      [at('11:00:00.000'), 0],
      [at('12:00:00.000'), 4],
    ]);
  }, 60_000);

  it('refuses what stats cannot do with exit code 2, and reads the rollups once refreshed', async () => {
    const url = fixture.store.database.url;
    const bad = await agentspan('--database', url, 'stats', '--group-by', 'week');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/argument 'week' is invalid/);
    const early = await agentspan('--database', url, 'stats', '--source', 'rollup', ...range);
    expect(early.code).toBe(2);
    expect(early.stderr).toContain('stats: source rollup: the rollups were never refreshed');

    const rollup = await agentspan('--database', url, 'rollup');
    expect(rollup).toMatchObject({ code: 0, stdout: 'rolled up 2 hour(s) into 4 row(s)\n' });
    const rolled = await agentspan('--database', url, 'stats', '--source', 'rollup', '--group-by', 'day', ...range);
    expect(rolled.code).toBe(0);
    // 9 runs: 4 completed, 3 failed, 1 cancelled, 1 running: 4 of the 8 finished succeeded.
    expect(lines(rolled.stdout)[2]).toMatch(/^2026-11-02T00:00:00\.000Z\s+9\s+4\s+3\s+50\.0\s/);
    expect(lines(rolled.stdout).pop()).toBe(
      'agent runs; read from hourly rollups (percentiles approximate, within 2.5 %)',
    );
  }, 60_000);

  it('shows business metrics in a run tree, and when the rollups were refreshed in health', async () => {
    const url = fixture.store.database.url;
    const { R2 } = fixture.seeded.runs;
    const show = await agentspan('--database', url, 'show', R2.execution.traceId);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(
      /^invoke_agent Researcher \[agent, completed\] {2}200 ms {2}200 in \/ 40 out {2}\$0\.02000 {2}competitors=6 conversion_rate=0\.5$/m,
    );
    await refreshHourlyRollups(fixture.store.dataSource);
    const health = JSON.parse((await agentspan('--database', url, '--json', 'health')).stdout);
    expect(health.rollupsRefreshedAt).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
  }, 60_000);

  it('lists the most frequent errors', async () => {
    const url = fixture.store.database.url;
    const { R6 } = fixture.seeded.runs;
    const table = await agentspan('--database', url, 'errors', '--since', at('00:00:00'));
    expect(table.code).toBe(0);
    const [header, , first, second] = lines(table.stdout);
    expect(header).toMatch(/^count\s+type\s+message\s+agents\s+last seen\s+latest trace$/);
    expect(first).toBe(
      `2      TimeoutError  search timed out  Researcher  ${at('12:05:00.000')}  ${R6.execution.traceId}`,
    );
    expect(second).toMatch(/^1\s+CmsError\s+CMS said 503\s+Writer\s/);
    const all = JSON.parse(
      (await agentspan('--database', url, '--json', 'errors', '--kind', 'all', '--limit', '1')).stdout,
    );
    expect(all).toEqual([expect.objectContaining({ errorType: 'TimeoutError', count: 3 })]);
    expect((await agentspan('--database', url, 'errors', '--limit', '500')).code).toBe(2);
  }, 60_000);

  it('breaks costs down by model with a total, each token counted once', async () => {
    const url = fixture.store.database.url;
    const table = await agentspan('--database', url, 'costs', '--group-by', 'model', ...range);
    expect(table.code).toBe(0);
    expect(lines(table.stdout)).toEqual([
      expect.stringMatching(
        /^model\s+executions\s+cost \$\s+tokens in\s+tokens out\s+unknown-cost executions\s+unknown-cost tokens$/,
      ),
      expect.stringMatching(/^─/),
      expect.stringMatching(/^claude-sonnet\s+1\s+0\.05000\s+330\s+105\s+0\s+0$/),
      expect.stringMatching(/^gpt-4o\s+3\s+0\.04000\s+400\s+80\s+0\s+0$/),
      expect.stringMatching(/^in-house-llm\s+1\s+unknown\s+50\s+10\s+1\s+60$/),
      expect.stringMatching(/^total\s+5\s+0\.09000\s+780\s+195\s+1\s+60$/),
    ]);
    const json = JSON.parse((await agentspan('--database', url, '--json', 'costs', '--tenant', 'globex')).stdout);
    expect(json.total).toMatchObject({ executions: 1, costUsd: null, unknownCost: { executions: 1, tokens: 60 } });
  }, 60_000);
});
