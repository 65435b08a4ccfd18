import { Agent, Tool, Trace } from '../../src/instrument';
import { startAgentTelemetry, type AgentTelemetry } from '../../src/setup/start-agent-telemetry';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { TcpProxy, targetOf } from '../support/tcp-proxy';

@Agent({ name: 'Offline' })
class Offline {
  @Trace() async run(i: number) {
    return { i, doubled: await this.double(i) };
  }
  @Tool() async double(i: number) {
    return i * 2;
  }
}

let database: TestDatabase;
let proxy: TcpProxy;
let telemetry: AgentTelemetry;

beforeAll(async () => {
  database = await createTestDatabase();
  proxy = await TcpProxy.reserve(targetOf(database.url));
});

afterAll(async () => {
  await telemetry?.shutdown();
  await proxy.close();
  await database.close();
});

it('starts with the database down, keeps calls fast and right, queues within the bound, writes when it returns', async () => {
  // Nothing listens on the proxy's port yet: every connection attempt is refused.
  telemetry = await startAgentTelemetry({
    databaseUrl: proxy.urlFor(database.url),
    otlp: false,
    queue: {
      maxQueueSize: 200,
      maxBatchSize: 50,
      flushIntervalMs: 20,
      retry: { initialBackoffMs: 20, maxBackoffMs: 200 },
    },
  });
  expect(telemetry.storage).toBe('server');

  // 100 runs = 300 records (start, agent end, tool end each): 100 more than the queue holds.
  // Every call returns its own result while nothing can be written (speed is the benchmark's business).
  for (let i = 0; i < 100; i++) await expect(new Offline().run(i)).resolves.toEqual({ i, doubled: i * 2 });

  const down = await telemetry.flush(300);
  expect(down.complete).toBe(false);
  const whileDown = telemetry.stats();
  expect(whileDown.written).toBe(0);
  expect(whileDown.dropped.queue_full).toBe(100);
  expect(whileDown.queueDepth + whileDown.inFlight).toBe(200);
  expect(whileDown.retried).toBeGreaterThan(0);
  await expect(telemetry.runs.latest('Offline')).rejects.toThrow(/not available|connect|ECONNREFUSED/i);

  await proxy.listen();
  const up = await telemetry.flush(30_000);
  expect(up.complete).toBe(true);
  const after = telemetry.stats();
  expect(after.written).toBe(200);
  expect(after.recorded).toBe(after.written + after.droppedTotal);

  const dataSource = await telemetry.dataSource();
  const rows = (await dataSource.query(
    `SELECT kind, status, count(*)::int AS n FROM agent_executions GROUP BY kind, status ORDER BY kind, status`,
  )) as Array<{ kind: string; status: string; n: number }>;
  // The oldest records were dropped; the newest 200 landed, each span once.
  const total = rows.reduce((sum, row) => sum + row.n, 0);
  expect(total).toBeGreaterThan(100);
  expect(total).toBeLessThanOrEqual(200);
  // The oldest were dropped, the newest landed: the completed runs are exactly the last ones, 99 included.
  const completed = (await dataSource.query(
    `SELECT (output->>'i')::int AS i FROM agent_executions WHERE kind = 'agent' AND status = 'completed' ORDER BY 1`,
  )) as Array<{ i: number }>;
  const indexes = completed.map((row) => row.i);
  expect(indexes[indexes.length - 1]).toBe(99);
  expect(indexes).toEqual(Array.from({ length: indexes.length }, (_, k) => 100 - indexes.length + k));
  const latest = (await telemetry.runs.latest('Offline'))!;
  const { i } = latest.output as { i: number };
  expect(indexes).toContain(i);
  expect(latest).toMatchObject({ status: 'completed', output: { i, doubled: 2 * i } });
});
