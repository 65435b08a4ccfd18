/**
 * The database unreachable: down at start, and down in the middle of a run for a real 30 s, through the one-call
 * setup (decorated methods → AgentSpanProcessor → pg pool → FaultProxy → PostgreSQL).
 */
import { Baseline, spansOfTasks } from './support/baseline';
import { expectCountersAddUp, expectStoredExactlyOnce, sleep, startTelemetryRig, type FaultRig } from './support/rig';
import { range, RECORDS_PER_RUN, runTasks, SPANS_PER_RUN, type Outcome } from './support/workload';

let baseline: Baseline;
let rig: FaultRig | undefined;

beforeAll(async () => {
  baseline = await Baseline.of([...range(0, 100), ...range(10_000, 5_000), ...range(50_000, 100)]);
});

afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

it('starts with the database refusing connections, answers every call, and writes everything once it is back', async () => {
  rig = await startTelemetryRig({ mode: 'cut' });
  const tasks = range(0, 40);

  expect(await runTasks(tasks, 4)).toEqual(baseline.of(tasks));
  expect((await rig.flush(300)).complete).toBe(false);
  const down = rig.stats();
  expect(down).toMatchObject({ written: 0, droppedTotal: 0, recorded: tasks.length * RECORDS_PER_RUN });
  expect(down.retried).toBeGreaterThan(0);
  expect(down.lastError).toMatch(/ECONNREFUSED|connect/);

  await rig.proxy.setMode('pass');
  expect((await rig.flush(30_000)).complete).toBe(true);
  const up = rig.stats();
  expectCountersAddUp(up);
  expect(up).toMatchObject({ written: tasks.length * RECORDS_PER_RUN, droppedTotal: 0 });
  expect(await expectStoredExactlyOnce(rig)).toBe(tasks.length * SPANS_PER_RUN);
});

it('keeps agents running through a 30 s outage in the middle of a run, then writes what the queue held', async () => {
  // A queue of 1,000 records: the outage produces several times more; the oldest go, counted as queue_full.
  rig = await startTelemetryRig({ queue: { maxQueueSize: 1_000, maxBatchSize: 200 } });
  const before = range(0, 50);
  expect(await runTasks(before, 5)).toEqual(baseline.of(before));
  expect((await rig.flush(30_000)).complete).toBe(true);
  const writtenBefore = rig.stats().written;
  expect(writtenBefore).toBe(before.length * RECORDS_PER_RUN);

  await rig.proxy.setMode('cut');
  const during: number[] = [];
  const outcomes: Outcome[] = [];
  const outageEnds = Date.now() + 30_000;
  for (let next = 10_000; Date.now() < outageEnds; next += 5) {
    const tasks = range(next, 5);
    during.push(...tasks);
    outcomes.push(...(await runTasks(tasks, 5)));
    await sleep(100);
  }
  expect(outcomes).toEqual(baseline.of(during));
  const whileDown = rig.stats();
  expect(whileDown.written).toBe(writtenBefore);
  expect(whileDown.dropped.queue_full).toBeGreaterThan(0);
  // Held within the bound the whole time.
  expect(whileDown.queueDepth + whileDown.inFlight).toBeLessThanOrEqual(1_000);
  expectCountersAddUp(whileDown, false);

  await rig.proxy.setMode('pass');
  const after = range(50_000, 50);
  expect(await runTasks(after, 5)).toEqual(baseline.of(after));
  expect((await rig.flush(30_000)).complete).toBe(true);
  const up = rig.stats();
  expectCountersAddUp(up);
  // Only the queue's bound cost records; nothing failed, nothing was rejected.
  expect(up.droppedTotal).toBe(up.dropped.queue_full);
  expect(up.written).toBe(up.recorded - up.dropped.queue_full);

  // Every run before and after the outage is stored exactly once, and so are the newest runs of the outage that fit
  // in the queue (its last 100: 500 records, well within the 1,000 minus one batch in flight).
  const spans = rig.exporter.getFinishedSpans();
  const required = spansOfTasks(spans, [...before, ...during.slice(-100), ...after]);
  expect(required).toHaveLength((before.length + 100 + after.length) * SPANS_PER_RUN);
  const stored = await expectStoredExactlyOnce(rig, required);
  // Drop-oldest: of the outage's runs, the stored ones are no more than the queue could hold.
  expect(stored).toBeLessThanOrEqual((before.length + after.length) * SPANS_PER_RUN + 1_000);
}, 90_000);
