/**
 * A database that answers slowly, one that stops answering (hung: the statement reached it, no reply ever comes) and
 * one that accepts connections but never completes them. Every database call has a timeout; when one fires the
 * write is retried on a fresh connection, and a hung connection is never used again.
 */
import 'reflect-metadata';
import { createAgentspanDataSource } from '../../../src/store/connection/data-source';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { createStoreFixture } from '../../support/store-fixture';
import { FaultProxy } from '../../support/fault-proxy';
import { Baseline } from './support/baseline';
import {
  direct,
  expectSettled,
  requestContaining,
  startProcessorRig,
  startTelemetryRig,
  waitUntil,
  type FaultRig,
} from './support/rig';
import { range, RECORDS_PER_RUN, runTasks } from './support/workload';

let baseline: Baseline;
let rig: FaultRig | undefined;

beforeAll(async () => {
  baseline = await Baseline.of(range(0, 1_000));
});

let ownedDatabase: TestDatabase | undefined;

afterEach(async () => {
  await rig?.close();
  rig = undefined;
  await ownedDatabase?.close();
  ownedDatabase = undefined;
});

/** Short timeouts for the processor rig: the scenario waits for them to fire. */
const SHORT_TIMEOUTS = { poolSize: 2, connectTimeoutMs: 2_000, queryTimeoutMs: 2_000 };

it('writes through a slow database (every reply 1 s late) with the default timeouts, none of which fires', async () => {
  // Migrated beforehand, directly: through the slow proxy the eleven migrations alone take some 15 s, and what is
  // tested here is the write path's timeouts, which the store's opening (checking the migrations) shares.
  const store = await createStoreFixture();
  await store.dataSource.destroy();
  rig = await startTelemetryRig({ database: store.database });
  ownedDatabase = store.database;
  await rig.proxy.setMode('slow', { slowMs: 1_000 });
  const tasks = range(0, 20);
  expect(await runTasks(tasks, 4)).toEqual(baseline.of(tasks));

  // The lower bound shows the fault was real (the open and the write take several replies each); not a speed test.
  const started = Date.now();
  await expectSettled(rig, tasks.length, 60_000);
  expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
  expect(rig.stats().retried).toBe(0);
}, 120_000);

it('gives up on a hung database after queryTimeoutMs, drops that connection, retries and stores everything once', async () => {
  rig = await startProcessorRig({ store: SHORT_TIMEOUTS });
  const first = range(0, 10);
  expect(await runTasks(first, 2)).toEqual(baseline.of(first));
  expect((await rig.flush(30_000)).complete).toBe(true);

  await rig.proxy.setMode('hang');
  const second = range(100, 20);
  expect(await runTasks(second, 4)).toEqual(baseline.of(second));
  // The statement on the pooled connection times out; so does connecting anew while the server stays silent.
  await waitUntil(() => rig!.stats().retried >= 2, 20_000, 'two retries');
  expect(rig.stats().written).toBe(first.length * RECORDS_PER_RUN);
  expect(rig.diagnostics.join('\n')).toMatch(/got no reply in time \(query_timeout\); closing its connection/);

  await rig.proxy.setMode('pass');
  await expectSettled(rig, first.length + second.length);
});

it('retries a write whose COMMIT the server carried out but never answered, and stores it once', async () => {
  rig = await startProcessorRig({ store: SHORT_TIMEOUTS });
  // A first write, so the store is open and migrated: the COMMIT that hangs is a span write's.
  const first = range(0, 5);
  expect(await runTasks(first)).toEqual(baseline.of(first));
  expect((await rig.flush(30_000)).complete).toBe(true);

  const hung = rig.proxy.hangNextReply(requestContaining('COMMIT'));
  const tasks = range(100, 30);
  expect(await runTasks(tasks, 3)).toEqual(baseline.of(tasks));
  await hung;

  await expectSettled(rig, first.length + tasks.length);
  expect(rig.stats().retried).toBeGreaterThanOrEqual(1);
  const rewritten = await direct(rig.database.url, async (client) => {
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM agent_executions WHERE updated_at > created_at',
    );
    return rows[0]!.n;
  });
  expect(rewritten).toBeGreaterThan(0);
});

it('gives up on connections that are accepted but never answered after connectTimeoutMs, and recovers', async () => {
  rig = await startProcessorRig({ mode: 'stall', store: SHORT_TIMEOUTS });
  const tasks = range(0, 20);
  expect(await runTasks(tasks, 4)).toEqual(baseline.of(tasks));
  await waitUntil(() => rig!.stats().retried >= 1, 20_000, 'a retry');
  expect(rig.stats().written).toBe(0);
  expect(rig.stats().lastError).toMatch(/timeout/i);

  await rig.proxy.setMode('pass');
  await expectSettled(rig, tasks.length);
});

it('never hands out again a connection whose query got no reply', async () => {
  const database = await createTestDatabase();
  const proxy = await FaultProxy.forUrl(database.url);
  // One connection: without closing the hung one, the next query would queue behind it and time out too.
  const dataSource = await createAgentspanDataSource({
    url: proxy.urlFor(database.url),
    poolSize: 1,
    queryTimeoutMs: 1_000,
  });
  try {
    void proxy.hangNextReply(requestContaining('hang here'));
    await expect(dataSource.query(`SELECT 'hang here' AS hung`)).rejects.toThrow(/Query read timeout/);
    await expect(dataSource.query('SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
    expect(proxy.stats().accepted).toBe(2);
  } finally {
    await dataSource.destroy();
    await proxy.close();
    await database.close();
  }
});
