import type { DataSource } from 'typeorm';
import type { StatsGroup } from '../../src/query/analytics-types';
import { HISTOGRAM_RELATIVE_ERROR } from '../../src/rollups/duration-histogram';
import { refreshHourlyRollups, rollupWatermark } from '../../src/rollups/hourly-rollups';
import { createAgentspanDataSource } from '../../src/store/connection/data-source';
import { at, useAnalyticsFixture } from '../query/analytics-seed';
import { agentRun, seed } from '../query/run-seeds';

const fixture = useAnalyticsFixture();

/** Every rollup row, in key order, as plain JSON. */
async function rollupRows(): Promise<Array<Record<string, unknown>>> {
  const rows: Array<{ row: Record<string, unknown> }> = await fixture.store.dataSource.query(
    `SELECT to_jsonb(r) AS row FROM agent_metrics_hourly r ORDER BY agent_name, hour`,
  );
  return rows.map(({ row }) => row);
}

const RANGE = { since: at('10:00:00'), until: at('13:00:00') };

describe('refreshHourlyRollups', () => {
  it('rolls up each agent’s runs per UTC hour, from the raw rows', async () => {
    expect(await rollupWatermark(fixture.store.dataSource)).toBeNull();
    const first = await refreshHourlyRollups(fixture.store.dataSource);
    expect(first).toMatchObject({ refreshed: true, hours: 2, rows: 4 });
    expect(first.watermark).toBeInstanceOf(Date);
    const rows = await rollupRows();
    expect(rows.map((row) => [row.agent_name, row.hour, row.total])).toEqual([
      ['Researcher', '2026-11-02T10:00:00+00:00', 4],
      ['Researcher', '2026-11-02T12:00:00+00:00', 2],
      ['Writer', '2026-11-02T10:00:00+00:00', 1],
      ['Writer', '2026-11-02T12:00:00+00:00', 2],
    ]);
    // R1, R2, R3, R4: durations 100, 200, 300, 400 ms.
    expect(rows[0]).toEqual({
      agent_name: 'Researcher',
      hour: '2026-11-02T10:00:00+00:00',
      total: 4,
      succeeded: 3,
      failed: 1,
      cancelled: 0,
      abandoned: 0,
      running: 0,
      duration_count: 4,
      duration_sum_ms: 1000,
      duration_avg_ms: 250,
      duration_min_ms: 100,
      duration_max_ms: 400,
      duration_p50_ms: 250,
      duration_p95_ms: 385,
      duration_p99_ms: 397,
      // 1 + floor(ln(d) / ln(1.05)): ln 100 / ln 1.05 = 94.39, ln 200 / … = 108.59, 116.90, 122.80.
      duration_histogram: { '95': 1, '109': 1, '117': 1, '123': 1 },
      unique_users: 2,
      input_tokens: 450,
      output_tokens: 90,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      reasoning_tokens: 0,
      cost_usd: 0.04,
      error_counts: { TimeoutError: 1 },
      metrics: { competitors: { count: 2, sum: 10 }, conversion_rate: { count: 1, sum: 0.5 } },
    });
    // W2 failed, W3 still running: no duration, no tokens, no cost.
    expect(rows[3]).toMatchObject({
      total: 2,
      failed: 1,
      running: 1,
      duration_count: 1,
      duration_p95_ms: 500,
      unique_users: 2,
      input_tokens: null,
      cost_usd: null,
      error_counts: { CmsError: 1 },
      metrics: {},
    });
  });

  it('gives the same rows when an hour is rolled up again, incrementally or by range', async () => {
    const before = await rollupRows();
    expect(await refreshHourlyRollups(fixture.store.dataSource, { overlapMs: 0 })).toMatchObject({
      refreshed: true,
      hours: 0,
      rows: 0,
    });
    expect(
      await refreshHourlyRollups(fixture.store.dataSource, { since: RANGE.since, until: RANGE.until }),
    ).toMatchObject({
      refreshed: true,
      hours: 3,
      rows: 4,
      watermark: null,
    });
    expect(await rollupRows()).toEqual(before);
  });

  it('answers stats like the raw rows do: counts, tokens and cost exactly, percentiles within the histogram’s error', async () => {
    const raw = await fixture.runs.stats({ groupBy: 'agent', ...RANGE, source: 'raw' });
    const rolled = await fixture.runs.stats({ groupBy: 'agent', ...RANGE, source: 'rollup' });
    expect(rolled).toMatchObject({ source: 'rollup', approximate: true });
    const exact = (group: StatsGroup) => ({
      key: group.key,
      counts: [group.count, group.succeeded, group.failed, group.cancelled, group.abandoned, group.running],
      successRate: group.successRate,
      tokens: group.tokens,
      cost: group.costUsd === null ? null : Math.round(group.costUsd * 1e9),
      min: group.duration.minMs,
      max: group.duration.maxMs,
      avg: group.duration.avgMs === null ? null : Math.round(group.duration.avgMs * 1e6),
      metrics: Object.fromEntries(Object.entries(group.metrics).map(([name, m]) => [name, [m.count, m.sum]])),
    });
    expect(rolled.groups.map(exact)).toEqual(raw.groups.map(exact));
    // percentile_cont from the merged histograms, within its error: Researcher's 50, 100, 200, 300, 400, 600 have
    // p50 250, p95 550, p99 590; Writer's 500 and 1000 p50 750, p95 975.
    const [researcher, writer] = rolled.groups;
    const near = (value: number | null, expected: number) => Math.abs(value! - expected) / expected;
    expect(near(researcher!.duration.p50Ms, 250)).toBeLessThanOrEqual(HISTOGRAM_RELATIVE_ERROR);
    expect(near(researcher!.duration.p95Ms, 550)).toBeLessThanOrEqual(HISTOGRAM_RELATIVE_ERROR);
    expect(near(researcher!.duration.p99Ms, 590)).toBeLessThanOrEqual(HISTOGRAM_RELATIVE_ERROR);
    expect(near(writer!.duration.p50Ms, 750)).toBeLessThanOrEqual(HISTOGRAM_RELATIVE_ERROR);
    expect(near(writer!.duration.p95Ms, 975)).toBeLessThanOrEqual(HISTOGRAM_RELATIVE_ERROR);
    expect(researcher!.metrics.competitors).toEqual({ count: 3, sum: 20, avg: 20 / 3, p95: null });
  });

  it('fills empty hours from the rollups too, and completes a range whose ends are not whole hours from raw rows', async () => {
    const hourly = await fixture.runs.stats({ groupBy: 'hour', ...RANGE, source: 'rollup' });
    expect(hourly.groups.map((group) => [group.key, group.count, group.failed])).toEqual([
      [at('10:00:00.000'), 5, 1],
      [at('11:00:00.000'), 0, 0],
      [at('12:00:00.000'), 4, 2],
    ]);
    // 10:30 to 12:40: R3 (10:40) from raw rows, nothing at 11:00 from the rollups, R6 and W2 from raw rows.
    const partial = await fixture.runs.stats({
      groupBy: 'agent',
      since: at('10:30:00'),
      until: at('12:40:00'),
      source: 'rollup',
    });
    expect(partial.groups.map((group) => [group.key, group.count, group.failed])).toEqual([
      ['Researcher', 2, 2],
      ['Writer', 1, 1],
    ]);
  });

  it('picks the rollups by itself for long ranges once they were refreshed', async () => {
    const long = await fixture.runs.stats({ groupBy: 'agent', since: at('00:00:00'), until: '2026-11-05T00:00:00Z' });
    expect(long.source).toBe('rollup');
    expect(long.groups.map((group) => [group.key, group.count])).toEqual([
      ['Researcher', 6],
      ['Writer', 3],
    ]);
    expect((await fixture.runs.stats({ groupBy: 'agent', ...RANGE })).source).toBe('raw');
    expect((await fixture.runs.stats({ groupBy: 'agent', ...RANGE, rollupAfterHours: 1 })).source).toBe('rollup');
    // Filters the rollups cannot apply keep it on raw rows.
    expect(
      (
        await fixture.runs.stats({
          groupBy: 'agent',
          tenantId: 'acme',
          since: at('00:00:00'),
          until: '2026-11-05T00:00:00Z',
        })
      ).source,
    ).toBe('raw');
  });

  it('recomputes only the hours that changed since the last refresh', async () => {
    // No overlap: only what was written after this refresh counts as changed (the seed is minutes old at most).
    await refreshHourlyRollups(fixture.store.dataSource, { overlapMs: 0 });
    const late = agentRun({
      agentName: 'Researcher',
      startedAt: new Date(at('12:10:00')),
      userId: 'u9',
      tenantId: 'acme',
    });
    late.performance!.durationMs = 250;
    await seed(fixture.store.dataSource, [late]);
    expect(await refreshHourlyRollups(fixture.store.dataSource, { overlapMs: 0 })).toMatchObject({
      refreshed: true,
      hours: 1,
      rows: 2,
    });
    const [researcherNoon] = (await rollupRows()).filter(
      (row) => row.agent_name === 'Researcher' && row.hour === '2026-11-02T12:00:00+00:00',
    );
    expect(researcherNoon).toMatchObject({
      total: 3,
      succeeded: 1,
      unique_users: 3,
      duration_count: 3,
      duration_sum_ms: 900,
    });
    const rolled = await fixture.runs.stats({ groupBy: 'agent', ...RANGE, source: 'rollup' });
    const raw = await fixture.runs.stats({ groupBy: 'agent', ...RANGE, source: 'raw' });
    expect(rolled.groups.map((g) => [g.key, g.count, g.succeeded])).toEqual(
      raw.groups.map((g) => [g.key, g.count, g.succeeded]),
    );
  });

  it('is safe when two refreshes run at once: the rows come out the same', async () => {
    const before = await rollupRows();
    const other = await createAgentspanDataSource({ url: fixture.store.database.url, poolSize: 1 });
    try {
      const results = await Promise.all([
        refreshHourlyRollups(fixture.store.dataSource, { since: RANGE.since, until: RANGE.until }),
        refreshHourlyRollups(other, { since: RANGE.since, until: RANGE.until }),
      ]);
      expect(results.some((result) => result.refreshed)).toBe(true);
      expect(await rollupRows()).toEqual(before);
    } finally {
      await other.destroy();
    }
  });

  // PGlite serves one connection: refreshes there never overlap.
  const onServer = process.env.DATABASE_URL ? it : it.skip;
  onServer('never fails when one refresh starts while another commits: it refreshes or says it did not', async () => {
    // A refresh whose snapshot was taken before another refresh committed, and which got the lock after it, once
    // failed: "could not serialize access due to concurrent delete" for rows the other replaced, a duplicate key for
    // rows the other created (a new hour, a new agent). Many refreshes back to back meet both, while runs keep
    // arriving in new hours (of 2025, away from the other tests' hours).
    let writing = true;
    const newHours = (async () => {
      for (let hour = 0; writing; hour++) {
        await seed(fixture.store.dataSource, [
          agentRun({ agentName: 'Racer', startedAt: new Date(Date.UTC(2025, 0, 1, hour, 30)) }),
        ]);
      }
    })();
    const others = await Promise.all(
      [1, 2, 3].map(() => createAgentspanDataSource({ url: fixture.store.database.url, poolSize: 1 })),
    );
    try {
      // Four callers, each refreshing again and again, their starts scattered so some begin while another commits.
      const results = await Promise.all(
        [fixture.store.dataSource, ...others].map(async (store, i) => {
          const mine: boolean[] = [];
          for (let round = 0; round < 60; round++) {
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
            const options = i % 2 === 0 ? {} : { since: RANGE.since, until: RANGE.until };
            mine.push((await refreshHourlyRollups(store, options)).refreshed);
          }
          return mine;
        }),
      );
      expect(results.flat().filter(Boolean).length).toBeGreaterThan(0);
    } finally {
      writing = false;
      await newHours;
      await Promise.all(others.map((other) => other.destroy()));
    }
  });

  onServer(
    'retries when another refresh commits between its snapshot and its lock, whether it created rows or replaced them',
    async () => {
      // A refresh on its own DataSource, held just after its first statement (its snapshot is taken then), while
      // another refresh of the same hour runs and commits; then let go. Without the retry it failed: first with a
      // duplicate key (the other refresh created the hour's row), then with a serialization failure (it replaced it).
      const hour = new Date(Date.UTC(2024, 5, 1, 5));
      await seed(fixture.store.dataSource, [
        agentRun({ agentName: 'Latecomer', startedAt: new Date(hour.getTime() + 60_000) }),
      ]);
      const range = { since: hour, until: new Date(hour.getTime() + 3_600_000) };
      const held = await createAgentspanDataSource({ url: fixture.store.database.url, poolSize: 1 });
      try {
        for (const meets of ['a created row', 'a replaced row']) {
          let letGo!: () => void;
          const gate = new Promise<void>((resolve) => (letGo = resolve));
          const snapshotTaken = holdAfterSnapshot(held, gate);
          const late = refreshHourlyRollups(held, range);
          await snapshotTaken;
          expect(await refreshHourlyRollups(fixture.store.dataSource, range)).toMatchObject({
            refreshed: true,
            rows: 1,
          });
          letGo();
          expect([meets, await late]).toEqual([meets, expect.objectContaining({ refreshed: true, rows: 1 })]);
        }
        const rows = await fixture.store.dataSource.query(
          `SELECT total FROM agent_metrics_hourly WHERE agent_name = 'Latecomer'`,
        );
        expect(rows).toEqual([{ total: 1 }]);
      } finally {
        await held.destroy();
      }
    },
  );

  it('rolls up past metric values written by hand that it cannot sum, instead of failing', async () => {
    const { dataSource } = fixture.store;
    const spanId = fixture.seeded.runs.R5.execution.spanId;
    await dataSource.query(
      `UPDATE agent_executions SET metrics = '{"competitors": 10, "huge": -1e400}' WHERE span_id = $1`,
      [spanId],
    );
    try {
      expect(await refreshHourlyRollups(dataSource, { since: RANGE.since, until: RANGE.until })).toMatchObject({
        refreshed: true,
      });
      const [row] = await dataSource.query(
        `SELECT metrics FROM agent_metrics_hourly WHERE agent_name = 'Researcher' AND hour = $1`,
        [at('12:00:00')],
      );
      expect(row.metrics).toEqual({ competitors: { count: 1, sum: 10 } });
    } finally {
      await dataSource.query(`UPDATE agent_executions SET metrics = '{"competitors": 10}' WHERE span_id = $1`, [
        spanId,
      ]);
    }
  });

  it('refuses bad options', async () => {
    await expect(refreshHourlyRollups(fixture.store.dataSource, { until: RANGE.until })).rejects.toThrow(
      'until needs since',
    );
    await expect(refreshHourlyRollups(fixture.store.dataSource, { since: 'noon' })).rejects.toThrow(
      'since must be a Date or an ISO 8601 time',
    );
    await expect(refreshHourlyRollups(fixture.store.dataSource, { overlapMs: -1 })).rejects.toThrow(
      'overlapMs must be a number >= 0, got -1',
    );
  });
});

/**
 * Makes the next refresh on `dataSource` wait after the statement that takes its transaction's snapshot (the first
 * after BEGIN) until `gate` opens. Resolves once it waits.
 */
function holdAfterSnapshot(dataSource: DataSource, gate: Promise<void>): Promise<void> {
  const create = dataSource.createQueryRunner.bind(dataSource);
  return new Promise<void>((waiting) => {
    dataSource.createQueryRunner = ((mode) => {
      dataSource.createQueryRunner = create; // once
      const runner = create(mode);
      const query = runner.query.bind(runner);
      runner.query = (async (sql: string, parameters?: unknown[]) => {
        const result = await query(sql, parameters);
        if (sql.includes("set_config('statement_timeout'")) {
          waiting();
          await gate;
        }
        return result;
      }) as typeof runner.query;
      return runner;
    }) as typeof dataSource.createQueryRunner;
  });
}
