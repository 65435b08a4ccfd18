/**
 * The database is reachable but not ready for us: our tables missing (migrations not run, or dropped), the database
 * dropped while running, our role refused. Records wait within the queue's bounds instead of being dropped, and land
 * exactly once when an operator fixes it; with migrations on, agentspan recreates its own tables.
 */
import { randomBytes } from 'node:crypto';
import 'reflect-metadata';
import { createAgentspanDataSource } from '../../../src/store/connection/data-source';
import { runMigrations } from '../../../src/store/connection/migrate';
import { createTestDatabase } from '../../support/database';
import { Baseline, spansOfTasks } from './support/baseline';
import {
  direct,
  expectCountersAddUp,
  expectStoredExactlyOnce,
  onServer,
  startTelemetryRig,
  waitUntil,
  type FaultRig,
} from './support/rig';
import { range, RECORDS_PER_RUN, runTasks, SPANS_PER_RUN } from './support/workload';

let baseline: Baseline;
let rig: FaultRig | undefined;

beforeAll(async () => {
  baseline = await Baseline.of(range(0, 100));
});

afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const serverUrl = process.env.DATABASE_URL;

/**
 * Waits until writes failed twice more since the fault began (`retriedBefore`: the count then), nothing written or
 * dropped meanwhile, the last failure for `reason`.
 */
async function expectWaiting(
  rig: FaultRig,
  retriedBefore: number,
  writtenBefore: number,
  reason: RegExp,
): Promise<void> {
  await waitUntil(() => rig.stats().retried >= retriedBefore + 2, 20_000, 'retries');
  const stats = rig.stats();
  expect(stats).toMatchObject({ written: writtenBefore, droppedTotal: 0 });
  expect(stats.lastError).toMatch(reason);
}

async function expectAllLanded(rig: FaultRig, runs: number): Promise<void> {
  expect((await rig.flush(30_000)).complete).toBe(true);
  const stats = rig.stats();
  expectCountersAddUp(stats);
  expect(stats).toMatchObject({ written: runs * RECORDS_PER_RUN, droppedTotal: 0 });
}

it('holds records while the schema is missing (migrations not run) and writes them once it is migrated', async () => {
  rig = await startTelemetryRig({ migrate: false });
  const tasks = range(0, 20);
  expect(await runTasks(tasks, 4)).toEqual(baseline.of(tasks));
  // The first of our tables a write reads: the price table when it has model calls to price, else agent_executions.
  await expectWaiting(rig, 0, 0, /(agent_executions|model_prices).*does not exist/);

  // The operator runs the migrations, from somewhere else.
  const migrator = await createAgentspanDataSource({ url: rig.database.url, poolSize: 1 });
  await runMigrations(migrator);
  await migrator.destroy();

  await expectAllLanded(rig, tasks.length);
  expect(await expectStoredExactlyOnce(rig)).toBe(tasks.length * SPANS_PER_RUN);
});

it('recreates its tables when they are dropped while running, and writes what came after', async () => {
  rig = await startTelemetryRig();
  const first = range(0, 10);
  expect(await runTasks(first, 2)).toEqual(baseline.of(first));
  expect((await rig.flush(30_000)).complete).toBe(true);

  await direct(rig.database.url, (client) =>
    client.query('DROP TABLE agent_executions, agent_performance, agent_decisions, agent_events, agentspan_migrations'),
  );
  const second = range(10, 10);
  expect(await runTasks(second, 2)).toEqual(baseline.of(second));

  await expectAllLanded(rig, first.length + second.length);
  expect(rig.stats().retried).toBeGreaterThanOrEqual(1);
  // What was written before the drop went with the tables; everything after is there exactly once.
  const stored = await expectStoredExactlyOnce(rig, spansOfTasks(rig.exporter.getFinishedSpans(), second));
  expect(stored).toBe(second.length * SPANS_PER_RUN);
});

onServer(
  'holds records while the database is dropped, and writes them once it exists again',
  'the embedded server holds one database, which cannot be dropped',
  async () => {
    rig = await startTelemetryRig();
    const name = new URL(rig.database.url).pathname.slice(1);
    const first = range(0, 10);
    expect(await runTasks(first, 2)).toEqual(baseline.of(first));
    expect((await rig.flush(30_000)).complete).toBe(true);
    const { written, retried } = rig.stats();

    await direct(serverUrl!, (client) => client.query(`DROP DATABASE ${name} WITH (FORCE)`));
    const second = range(10, 10);
    expect(await runTasks(second, 2)).toEqual(baseline.of(second));
    await expectWaiting(rig, retried, written, /does not exist|terminat/i);

    await direct(serverUrl!, (client) => client.query(`CREATE DATABASE ${name}`));
    await expectAllLanded(rig, first.length + second.length);
    const stored = await expectStoredExactlyOnce(rig, spansOfTasks(rig.exporter.getFinishedSpans(), second));
    expect(stored).toBe(second.length * SPANS_PER_RUN);
  },
);

onServer(
  'holds records while the database refuses our role, at start and later, and writes them once it is let in',
  'the embedded server does not authenticate',
  async () => {
    // The test server trusts local connections, so a wrong password cannot be refused; a role that may not log in
    // is refused the same way (SQLSTATE class 28, invalid authorization), before any password check.
    const role = `agentspan_fault_${randomBytes(4).toString('hex')}`;
    const password = `pw-${randomBytes(6).toString('hex')}`;
    const database = await createTestDatabase();
    await direct(serverUrl!, async (client) => {
      await client.query(`CREATE ROLE ${role} NOLOGIN PASSWORD '${password}'`);
      await client.query(`ALTER DATABASE ${new URL(database.url).pathname.slice(1)} OWNER TO ${role}`);
    });
    const allowLogin = (allowed: boolean) =>
      direct(serverUrl!, async (client) => {
        await client.query(`ALTER ROLE ${role} ${allowed ? 'LOGIN' : 'NOLOGIN'}`);
        if (!allowed) {
          await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]);
        }
      });
    try {
      const url = new URL(database.url);
      url.username = role;
      url.password = password;
      rig = await startTelemetryRig({ database, url: url.toString() });

      const first = range(0, 10);
      expect(await runTasks(first, 2)).toEqual(baseline.of(first));
      await expectWaiting(rig, 0, 0, /not permitted to log in/);
      await allowLogin(true);
      await expectAllLanded(rig, first.length);

      const { retried } = rig.stats();
      await allowLogin(false);
      const second = range(10, 10);
      expect(await runTasks(second, 2)).toEqual(baseline.of(second));
      // Now the writer's own connections are refused (the store is open): SpanWriteError, not StoreUnavailableError.
      const refused = /span write failed: 28000: .*not permitted to log in/;
      await expectWaiting(rig, retried, first.length * RECORDS_PER_RUN, refused);
      await allowLogin(true);
      await expectAllLanded(rig, first.length + second.length);
      expect(await expectStoredExactlyOnce(rig)).toBe((first.length + second.length) * SPANS_PER_RUN);

      // The password never reached a message.
      expect([rig.stats().lastError, ...rig.diagnostics].join('\n')).not.toContain(password);
    } finally {
      await rig?.close();
      rig = undefined;
      await database.close();
      await direct(serverUrl!, (client) => client.query(`DROP ROLE IF EXISTS ${role}`));
    }
  },
);
