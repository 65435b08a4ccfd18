import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { AgentRunRepository } from '../../../src/query/agent-run-repository';
import { ChangeListener } from '../../../src/query/watch/change-listener';
import { currentWatchCursor } from '../../../src/query/watch/watch-runs';
import type { SpanRecord } from '../../../src/model/records';
import { buildRunChangeSql } from '../../../src/store/write/run-change-sql';
import { SpanWriter } from '../../../src/store/write/span-writer';
import { newTraceId, runningSpan } from '../../support/span-records';
import { createStoreFixture, type StoreFixture } from '../../support/store-fixture';
import { collect, type CollectedWatch } from '../../support/watch-events';

/**
 * How watch() gets its changes: by LISTEN/NOTIFY on a server, by polling on PGlite or without notifications, and
 * from a position in the change log that neither a dropped connection nor transactions committing out of order can
 * make it lose or repeat.
 */

let store: StoreFixture;
let writer: SpanWriter;
let repository: AgentRunRepository;
const watches: CollectedWatch[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  store = await createStoreFixture();
  writer = new SpanWriter(store.dataSource);
  repository = new AgentRunRepository(store.dataSource);
}, 60_000);

afterEach(async () => {
  jest.restoreAllMocks();
  for (const watch of watches.splice(0)) await watch.stop().catch(() => undefined);
  for (const client of clients.splice(0)) await client.end().catch(() => undefined);
});

afterAll(() => store?.close());

const onServer = process.env.DATABASE_URL ? it : it.skip;
const onPglite = process.env.DATABASE_URL ? it.skip : it;
const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function watching(agent: string): Promise<CollectedWatch> {
  const after = await currentWatchCursor(store.dataSource);
  const watch = collect(repository.watch({ agent, after }));
  watches.push(watch);
  return watch;
}

const started = (agent: string): SpanRecord =>
  runningSpan({ traceId: newTraceId(), kind: 'agent', execution: { agentName: agent } });

async function connect(): Promise<Client> {
  const client = new Client({ connectionString: store.database.url });
  await client.connect();
  clients.push(client);
  return client;
}

/** The backend pid of the open watch's LISTEN connection, when there is one. */
async function listenerPid(): Promise<number | undefined> {
  const rows: Array<{ pid: number }> = await store.dataSource.query(
    `SELECT pid FROM pg_stat_activity WHERE application_name = 'agentspan-watch' AND datname = current_database()`,
  );
  return rows.length === 1 ? rows[0]!.pid : undefined;
}

async function eventually<T>(value: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await value();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('never happened');
    await sleep(50);
  }
}

describe('watch delivery', () => {
  onServer('loses nothing when a transaction that took a smaller id commits after one with a larger id', async () => {
    const agent = uniqueName('OutOfOrder');
    const [a, b] = [started(agent), started(agent)];
    // The runs are stored without changes; the two transactions below log their starts, as the writer does.
    await new SpanWriter(store.dataSource, { runChanges: false }).write([a, b]);
    const watch = await watching(agent);
    const [first, second] = [await connect(), await connect()];
    const xid = async (client: Client) =>
      BigInt((await client.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid')).rows[0]!.xid);
    await first.query('BEGIN');
    const firstId = await xid(first);
    await second.query('BEGIN');
    expect(await xid(second)).toBeGreaterThan(firstId);
    const logStart = (client: Client, run: SpanRecord) =>
      client.query(buildRunChangeSql(store.dataSource, 'plain', false), [
        Buffer.from(run.execution.traceId + run.execution.spanId, 'hex'),
        's',
        'agentspan_runs',
      ]);

    await logStart(second, b);
    await second.query('COMMIT');
    // Several reads and a NOTIFY later, b is still held back: a, with the smaller id, may yet commit.
    await sleep(1_500);
    expect(watch.events).toEqual([]);
    await logStart(first, a);
    await first.query('COMMIT');

    const events = await watch.count(2);
    expect(events.map((event) => [event.type, event.run.spanId])).toEqual([
      ['started', a.execution.spanId],
      ['started', b.execution.spanId],
    ]);
  });

  onServer(
    'listens on a connection of its own, and after it is dropped reconnects and goes on: nothing lost, nothing twice',
    async () => {
      const agent = uniqueName('Dropped');
      const watch = await watching(agent);
      const runs = [started(agent), started(agent), started(agent), started(agent)];
      await writer.write([runs[0]!]);
      await watch.count(1);
      const pid = await eventually(listenerPid);

      const [{ terminated }] = await store.dataSource.query(`SELECT pg_terminate_backend($1::int) AS terminated`, [
        pid,
      ]);
      expect(terminated).toBe(true);
      // Written while the connection is gone or coming back.
      await writer.write([runs[1]!]);
      const newPid = await eventually(async () => {
        const current = await listenerPid();
        return current !== undefined && current !== pid ? current : undefined;
      });
      expect(newPid).not.toBe(pid);
      await writer.write([runs[2]!]);
      await writer.write([runs[3]!]);

      // A repeat would come before the last run's start, a loss would keep the count short.
      const events = await watch.count(4);
      expect(events.map((event) => event.run.spanId)).toEqual(runs.map((run) => run.execution.spanId));
    },
  );

  onServer('reads the log on a timer when the writer sends no NOTIFY', async () => {
    const agent = uniqueName('Unnotified');
    const watch = await watching(agent);
    const runs = [started(agent), started(agent)];
    await writer.write([runs[0]!]);
    // Delivered: the watch has read and now waits, for a NOTIFY that will not come or its timer.
    await watch.count(1);
    await new SpanWriter(store.dataSource, { notify: false }).write([runs[1]!]);
    const events = await watch.count(2);
    expect(events.map((event) => event.run.spanId)).toEqual(runs.map((run) => run.execution.spanId));
  });

  onPglite('polls on embedded PGlite, where nobody can LISTEN', async () => {
    const start = jest.spyOn(ChangeListener.prototype, 'start');
    const agent = uniqueName('Polled');
    const watch = await watching(agent);
    const runs = [started(agent), started(agent)];
    await writer.write([runs[0]!]);
    await writer.write([runs[1]!]);
    const events = await watch.count(2);
    expect(events.map((event) => event.run.spanId)).toEqual(runs.map((run) => run.execution.spanId));
    expect(start).not.toHaveBeenCalled();
  });

  onServer('starts its LISTEN connection on a server', async () => {
    const start = jest.spyOn(ChangeListener.prototype, 'start');
    const agent = uniqueName('Listened');
    const watch = await watching(agent);
    await writer.write([started(agent)]);
    await watch.count(1);
    expect(start).toHaveBeenCalledTimes(1);
  });
});
