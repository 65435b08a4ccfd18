/**
 * Connections reset (TCP RST) under agentspan: in the middle of a batch, after a statement reached the server and
 * before its reply came back — the moment a retry could write twice — and idle pooled connections dying.
 */
import { Baseline } from './support/baseline';
import {
  direct,
  expectSettled,
  requestContaining,
  sleep,
  spanWriteStatement,
  startTelemetryRig,
  waitUntil,
  type FaultRig,
} from './support/rig';
import { range, runTasks } from './support/workload';

let baseline: Baseline;
let rig: FaultRig | undefined;

beforeAll(async () => {
  baseline = await Baseline.of(range(0, 1_000));
});

afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

it('retries a batch whose write (COPY or upsert) reached the server but whose reply never came, storing it once', async () => {
  rig = await startTelemetryRig();
  const reset = rig.proxy.resetNextReply(spanWriteStatement);
  const tasks = range(0, 20);
  expect(await runTasks(tasks, 4)).toEqual(baseline.of(tasks));
  await reset;

  await expectSettled(rig, tasks.length);
  expect(rig.proxy.stats().resets).toBe(1);
  expect(rig.stats().retried).toBeGreaterThanOrEqual(1);
});

it('retries a batch whose COMMIT the server carried out before the connection was reset, storing it once', async () => {
  rig = await startTelemetryRig();
  // 200 runs, 800 spans: the writer splits them into two transactions; one of them loses its COMMIT reply, the other
  // commits normally, and the retry writes the whole batch again.
  const reset = rig.proxy.resetNextReply(requestContaining('COMMIT'));
  const tasks = range(0, 200);
  expect(await runTasks(tasks, 8)).toEqual(baseline.of(tasks));
  await reset;

  await expectSettled(rig, tasks.length);
  expect(rig.proxy.stats().resets).toBe(1);
  expect(rig.stats().retried).toBeGreaterThanOrEqual(1);
  // The reset COMMIT had committed: rows it wrote were written again by the retry (updated after being created),
  // and still each span is one row, each event and decision one row, and no agent's totals counted twice.
  const rewritten = await direct(rig.database.url, async (client) => {
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM agent_executions WHERE updated_at > created_at',
    );
    return rows[0]!.n;
  });
  expect(rewritten).toBeGreaterThan(0);
});

it('resets every connection on its next request for a while, then recovers and stores everything once', async () => {
  rig = await startTelemetryRig();
  await rig.proxy.setMode('reset');
  const tasks = range(0, 60);
  expect(await runTasks(tasks, 6)).toEqual(baseline.of(tasks));
  void rig.flush(100);
  await waitUntil(() => rig!.proxy.stats().resets >= 3, 20_000, 'three resets');
  expect(rig.stats().written).toBe(0);
  expect(rig.stats().droppedTotal).toBe(0);

  await rig.proxy.setMode('pass');
  await expectSettled(rig, tasks.length);
});

it('survives idle pooled connections being reset under the pool, and keeps writing', async () => {
  rig = await startTelemetryRig();
  const first = range(0, 20);
  expect(await runTasks(first, 4)).toEqual(baseline.of(first));
  expect((await rig.flush(30_000)).complete).toBe(true);
  expect(rig.proxy.stats().open).toBeGreaterThan(0);

  // The pool's connections sit idle; the network kills them all. pg emits 'error' on each idle client: without a
  // listener that is an uncaught exception and the process dies.
  rig.proxy.resetAll();
  await sleep(200);
  expect(rig.diagnostics.join('\n')).toMatch(/idle database connection failed/);

  const second = range(100, 20);
  expect(await runTasks(second, 4)).toEqual(baseline.of(second));
  await expectSettled(rig, first.length + second.length);
});
