import { Agent, recordMetrics, Trace } from '../../src/instrument';
import { startAgentTelemetry } from '../../src/setup/start-agent-telemetry';
import { createTestDatabase, type TestDatabase } from '../support/database';

@Agent({ name: 'RollupProbe' })
class RollupProbe {
  @Trace() async run(i: number) {
    recordMetrics({ items: i });
    return i;
  }
}

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.close();
});

describe('startAgentTelemetry keeps the hourly rollups up to date', () => {
  it('refreshes them on its timer, exposes refreshRollups, and stops with shutdown', async () => {
    const telemetry = await startAgentTelemetry({
      databaseUrl: database.url,
      otlp: false,
      rollups: { intervalMs: 20 },
    });
    try {
      const probe = new RollupProbe();
      await Promise.all([probe.run(2), probe.run(3)]);
      await telemetry.flush();
      const dataSource = await telemetry.dataSource();
      // The timer's refresh, whenever it comes: waited for, not timed.
      let rows: Array<{ total: number; metrics: unknown }> = [];
      while (rows.length === 0 || rows[0]!.total < 2) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        rows = await dataSource.query(
          `SELECT total, metrics FROM agent_metrics_hourly WHERE agent_name = 'RollupProbe'`,
        );
      }
      expect(rows).toEqual([{ total: 2, metrics: { items: { count: 2, sum: 5 } } }]);
      // The timer refreshes every 20 ms, and a call that meets its refresh running returns refreshed: false at once
      // (by design: never two at a time). Asked again until it is this call's turn.
      const since = new Date(Date.now() - 3_600_000);
      let refresh = await telemetry.refreshRollups({ since });
      while (!refresh.refreshed) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        refresh = await telemetry.refreshRollups({ since });
      }
      expect(refresh).toMatchObject({ refreshed: true, hours: 2 });
      const { groups } = await telemetry.runs.stats({
        groupBy: 'agent',
        since: new Date(Date.now() - 7_200_000),
        source: 'rollup',
      });
      expect(groups.map((group) => [group.key, group.count, group.metrics.items?.sum])).toEqual([
        ['RollupProbe', 2, 5],
      ]);
    } finally {
      await telemetry.shutdown();
    }
  });
});
