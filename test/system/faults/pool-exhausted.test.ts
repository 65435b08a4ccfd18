/**
 * The application's own long queries take every connection of the DataSource agentspan writes through. The writer
 * waits for a connection at most connectTimeoutMs, backs off and tries again; the application's queries are not
 * disturbed, and once they finish everything lands.
 */
import { Baseline } from './support/baseline';
import {
  expectCountersAddUp,
  expectStoredExactlyOnce,
  startProcessorRig,
  waitUntil,
  type FaultRig,
} from './support/rig';
import { range, RECORDS_PER_RUN, runTasks, SPANS_PER_RUN } from './support/workload';

let baseline: Baseline;
let rig: FaultRig | undefined;

beforeAll(async () => {
  baseline = await Baseline.of(range(0, 100));
});

afterAll(async () => {
  await rig?.close();
});

it('waits out a pool exhausted by the application, leaves its queries alone, and writes everything once', async () => {
  rig = await startProcessorRig({ store: { poolSize: 2, connectTimeoutMs: 1_000 } });
  const first = range(0, 5);
  expect(await runTasks(first)).toEqual(baseline.of(first));
  expect((await rig.flush(30_000)).complete).toBe(true);

  // The application's own queries, on the same DataSource, hold both connections for 3 s. (Both connections are
  // opened first: the embedded database answers one thing at a time, a new connection included.)
  const dataSource = await rig.dataSource();
  await Promise.all([dataSource.query('SELECT 1'), dataSource.query('SELECT 1')]);
  const applicationQueries = Promise.allSettled([
    dataSource.query('SELECT pg_sleep(3)::text AS slept, 1 AS mine'),
    dataSource.query('SELECT pg_sleep(3)::text AS slept, 2 AS mine'),
  ]);

  const second = range(10, 20);
  expect(await runTasks(second, 4)).toEqual(baseline.of(second));
  await waitUntil(() => rig!.stats().retried >= 1, 10_000, 'a retry');
  expect(rig.stats().lastError).toMatch(/timeout exceeded when trying to connect/);
  expect(rig.stats().written).toBe(first.length * RECORDS_PER_RUN);

  // The application got its results, untouched by our waiting.
  expect(await applicationQueries).toEqual([
    { status: 'fulfilled', value: [{ slept: '', mine: 1 }] },
    { status: 'fulfilled', value: [{ slept: '', mine: 2 }] },
  ]);

  expect((await rig.flush(30_000)).complete).toBe(true);
  const stats = rig.stats();
  expectCountersAddUp(stats);
  expect(stats).toMatchObject({ written: (first.length + second.length) * RECORDS_PER_RUN, droppedTotal: 0 });
  expect(await expectStoredExactlyOnce(rig)).toBe((first.length + second.length) * SPANS_PER_RUN);
});
