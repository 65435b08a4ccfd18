/**
 * The timeouts of agentspan's DataSource as the server and the pool apply them: server-side statement and
 * idle-in-transaction timeouts, and the pool closing connections left idle.
 */
import 'reflect-metadata';
import { createAgentspanDataSource } from '../../../src/store/connection/data-source';
import { isTransientError } from '../../../src/store/connection/errors';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { FaultProxy } from '../../support/fault-proxy';
import { direct, onServer, sleep, waitUntil } from './support/rig';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.close();
});

const NO_TIMERS = 'the embedded server applies no server-side timeouts';

onServer('sets the server-side timeouts on every connection', NO_TIMERS, async () => {
  const dataSource = await createAgentspanDataSource({ url: database.url, poolSize: 1 });
  try {
    expect(await dataSource.query('SHOW statement_timeout')).toEqual([{ statement_timeout: '1min' }]);
    expect(await dataSource.query('SHOW idle_in_transaction_session_timeout')).toEqual([
      { idle_in_transaction_session_timeout: '1min' },
    ]);
  } finally {
    await dataSource.destroy();
  }
});

onServer('has the server end a transaction left idle, freeing its locks', NO_TIMERS, async () => {
  const dataSource = await createAgentspanDataSource({
    url: database.url,
    poolSize: 1,
    idleInTransactionTimeoutMs: 300,
  });
  const queryRunner = dataSource.createQueryRunner();
  try {
    await queryRunner.connect();
    await queryRunner.startTransaction();
    await queryRunner.query('SELECT pg_advisory_xact_lock(4242)');
    // The process holding the transaction is stuck: nothing more is sent.
    await sleep(1_000);
    const lockFree = await direct(database.url, async (client) => {
      const { rows } = await client.query<{ free: boolean }>('SELECT pg_try_advisory_lock(4242) AS free');
      await client.query('SELECT pg_advisory_unlock_all()');
      return rows[0]!.free;
    });
    expect(lockFree).toBe(true);
    const failure = await queryRunner.query('SELECT 1').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isTransientError(failure)).toBe(true);
    // The pool carries on with a fresh connection.
    expect(await dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  } finally {
    await queryRunner.release().catch(() => undefined);
    await dataSource.destroy();
  }
});

it('closes pooled connections left idle for idleTimeoutMs', async () => {
  const proxy = await FaultProxy.forUrl(database.url);
  const dataSource = await createAgentspanDataSource({
    url: proxy.urlFor(database.url),
    poolSize: 2,
    idleTimeoutMs: 200,
  });
  try {
    await Promise.all([dataSource.query('SELECT 1'), dataSource.query('SELECT 2')]);
    expect(proxy.stats().open).toBe(2);
    await waitUntil(() => proxy.stats().open === 0, 5_000, 'idle connections closed');
    expect(await dataSource.query('SELECT 3 AS three')).toEqual([{ three: 3 }]);
  } finally {
    await dataSource.destroy();
    await proxy.close();
  }
});
