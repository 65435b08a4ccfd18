import type { WriteResult } from '../../src/pipeline';
import {
  advance,
  captureDiag,
  expectInvariant,
  FakeWriter,
  harness,
  ids,
  range,
  rec,
  useFakeClock,
  watch,
  type DiagCapture,
  type Rec,
} from './support';

/** A write the test settles by hand. */
function deferredWriter(): { writer: FakeWriter; settle: () => void; fail: (err: unknown) => void } {
  let resolveWrite: (() => void) | undefined;
  let rejectWrite: ((err: unknown) => void) | undefined;
  const writer = new FakeWriter().behave(
    (batch) =>
      new Promise<WriteResult<Rec>>((resolve, reject) => {
        resolveWrite = () => resolve({ written: batch.length, rejected: [] });
        rejectWrite = reject;
      }),
  );
  return { writer, settle: () => resolveWrite?.(), fail: (err) => rejectWrite?.(err) };
}

describe('BatchPipeline forceFlush', () => {
  beforeEach(useFakeClock);
  afterEach(() => jest.useRealTimers());

  it('resolves immediately when nothing is pending', async () => {
    const { pipeline } = harness();
    await expect(pipeline.forceFlush()).resolves.toEqual({ complete: true, pending: 0 });
  });

  it('writes what is queued without waiting for the interval, and resolves only after the write', async () => {
    const { writer, settle } = deferredWriter();
    const { pipeline } = harness({ maxBatchSize: 100, flushIntervalMs: 60_000 }, writer);
    range(0, 5).forEach((id) => pipeline.enqueue(rec(id)));
    const flushed = watch(pipeline.forceFlush());
    await advance(1_000);
    expect(writer.calls.map(ids)).toEqual([[0, 1, 2, 3, 4]]);
    expect(flushed.settled()).toBe(false);

    settle();
    await advance(0);
    expect(flushed.value()).toEqual({ complete: true, pending: 0 });
    expect(pipeline.stats().written).toBe(5);
  });

  it('waits only for records enqueued before the call', async () => {
    const { writer, settle } = deferredWriter();
    const { pipeline } = harness({ maxBatchSize: 100, flushIntervalMs: 60_000 }, writer);
    range(0, 3).forEach((id) => pipeline.enqueue(rec(id)));
    const flushed = watch(pipeline.forceFlush());
    range(3, 6).forEach((id) => pipeline.enqueue(rec(id)));
    settle();
    await advance(0);
    expect(flushed.value()).toEqual({ complete: true, pending: 0 });
    expect(pipeline.stats()).toMatchObject({ written: 3, queueDepth: 3 });
  });

  it('times out without rejecting while the writer hangs, reporting what is still pending', async () => {
    const { pipeline } = harness({ maxBatchSize: 3, flushIntervalMs: 60_000 }, new FakeWriter().hang());
    range(0, 5).forEach((id) => pipeline.enqueue(rec(id)));
    const flushed = watch(pipeline.forceFlush(1_000));
    await advance(999);
    expect(flushed.settled()).toBe(false);
    await advance(1);
    expect(flushed.value()).toEqual({ complete: false, pending: 5 });
    expect(pipeline.stats()).toMatchObject({ inFlight: 3, queueDepth: 2 });
  });

  it('counts only records enqueued before the call as pending', async () => {
    const { pipeline } = harness({ maxBatchSize: 3, flushIntervalMs: 60_000 }, new FakeWriter().hang());
    range(0, 2).forEach((id) => pipeline.enqueue(rec(id)));
    const flushed = watch(pipeline.forceFlush(100));
    range(2, 8).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(100);
    expect(flushed.value()).toEqual({ complete: false, pending: 2 });
  });

  it('times out while the writer is down and retrying, then the records still get written once it recovers', async () => {
    const writer = new FakeWriter().fail();
    const { pipeline } = harness({ maxBatchSize: 10, flushIntervalMs: 60_000 }, writer);
    range(0, 4).forEach((id) => pipeline.enqueue(rec(id)));
    const flushed = watch(pipeline.forceFlush(500));
    await advance(500);
    expect(flushed.value()).toEqual({ complete: false, pending: 4 });
    writer.succeed();
    await advance(1_000);
    expect(pipeline.stats()).toMatchObject({ written: 4, inFlight: 0 });
  });

  it('counts a flush as complete when the records it waited for were dropped instead of written', async () => {
    const { pipeline } = harness(
      { maxBatchSize: 10, flushIntervalMs: 60_000, isTransientError: () => false },
      new FakeWriter().fail(new Error('syntax error')),
    );
    range(0, 4).forEach((id) => pipeline.enqueue(rec(id)));
    await expect(pipeline.forceFlush()).resolves.toEqual({ complete: true, pending: 0 });
    expect(pipeline.stats().dropped.write_failed).toBe(4);
  });

  it('counts evicted records as settled but keeps waiting for the older batch still in flight', async () => {
    const { pipeline } = harness(
      { maxQueueSize: 6, maxBatchSize: 3, flushIntervalMs: 60_000 },
      new FakeWriter().hang(),
    );
    range(0, 3).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(0); // [0, 1, 2] in flight, hanging
    range(3, 6).forEach((id) => pipeline.enqueue(rec(id))); // queued behind it
    const flushed = watch(pipeline.forceFlush(10_000));
    await advance(0);
    expect(flushed.settled()).toBe(false);
    range(6, 9).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(0);
    expect(flushed.settled()).toBe(false);
    expect(pipeline.stats().dropped.queue_full).toBe(3);
    await advance(10_000);
    // 3..5 were dropped, so they no longer count as pending; 0..2 never settled.
    expect(flushed.value()).toEqual({ complete: false, pending: 3 });
  });
});

describe('BatchPipeline shutdown', () => {
  let diagLines: DiagCapture;
  beforeEach(() => {
    useFakeClock();
    diagLines = captureDiag();
  });
  afterEach(() => {
    diagLines.restore();
    jest.useRealTimers();
  });

  it('writes what is queued, then resolves', async () => {
    const { pipeline, writer } = harness({ maxBatchSize: 100, flushIntervalMs: 60_000 });
    range(0, 5).forEach((id) => pipeline.enqueue(rec(id)));
    await pipeline.shutdown();
    expect(writer.written.map((r) => r.id)).toEqual(range(0, 5));
    expect(pipeline.stats()).toMatchObject({ written: 5, droppedTotal: 0, queueDepth: 0, inFlight: 0 });
  });

  it('is idempotent: every call returns the same promise and writes once', async () => {
    const { pipeline, writer } = harness({ maxBatchSize: 100, flushIntervalMs: 60_000 });
    range(0, 5).forEach((id) => pipeline.enqueue(rec(id)));
    const first = pipeline.shutdown();
    const second = pipeline.shutdown(1);
    expect(second).toBe(first);
    await first;
    expect(pipeline.shutdown()).toBe(first);
    expect(writer.calls).toHaveLength(1);
  });

  it('is time-boxed with a writer that never resolves, counting the leftovers as shutdown drops', async () => {
    const { pipeline, drops } = harness({ maxBatchSize: 3, flushIntervalMs: 60_000 }, new FakeWriter().hang());
    range(0, 8).forEach((id) => pipeline.enqueue(rec(id)));
    const done = watch(pipeline.shutdown(2_000));
    await advance(1_999);
    expect(done.settled()).toBe(false);
    await advance(1);
    expect(done.settled()).toBe(true);
    expect(ids(drops.shutdown)).toEqual(range(0, 8));
    const stats = pipeline.stats();
    expect(stats).toMatchObject({ written: 0, dropped: { shutdown: 8 }, queueDepth: 0, inFlight: 0 });
    expectInvariant(stats);
    expect(diagLines.lines.some(([, m]) => m.includes('shutdown ran out of time with 8 records unwritten'))).toBe(true);
  });

  it('ignores a write that settles after shutdown gave up on it, so nothing is counted twice', async () => {
    const { writer, settle } = deferredWriter();
    const { pipeline } = harness({ maxBatchSize: 3, flushIntervalMs: 60_000 }, writer);
    range(0, 3).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(0);
    const done = pipeline.shutdown(100);
    await advance(100);
    await done;
    const before = pipeline.stats();
    settle();
    await advance(1_000);
    expect(pipeline.stats()).toEqual(before);
    expect(before).toMatchObject({ written: 0, dropped: { shutdown: 3 } });
    expectInvariant(pipeline.stats());
  });

  it('is time-boxed while the writer is down and backing off, and leaves no timer behind', async () => {
    const { pipeline } = harness(
      { maxBatchSize: 3, flushIntervalMs: 60_000, retry: { initialBackoffMs: 5_000, maxBackoffMs: 5_000 } },
      new FakeWriter().fail(),
    );
    range(0, 5).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(0);
    const done = watch(pipeline.shutdown(1_000));
    await advance(1_000);
    expect(done.settled()).toBe(true);
    expect(pipeline.stats()).toMatchObject({ dropped: { shutdown: 5 }, inFlight: 0, queueDepth: 0 });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('stops the interval: nothing is scheduled once shutdown has finished', async () => {
    const { pipeline } = harness({ flushIntervalMs: 100 });
    pipeline.enqueue(rec(0));
    await pipeline.shutdown();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('drops records enqueued after shutdown began, on the spot, and never writes them', async () => {
    const slow = new FakeWriter().behave(
      (batch) => new Promise((resolve) => setTimeout(() => resolve({ written: batch.length, rejected: [] }), 1_000)),
    );
    const { pipeline, writer, drops } = harness({ maxBatchSize: 1 }, slow);
    pipeline.enqueue(rec(0));
    const done = watch(pipeline.shutdown());
    await advance(500); // shutdown is still writing record 0
    pipeline.enqueue(rec(1));
    expect(ids(drops.shutdown)).toEqual([1]);
    await advance(500);
    expect(done.settled()).toBe(true);
    pipeline.enqueue(rec(2));
    expect(ids(drops.shutdown)).toEqual([1, 2]);
    await advance(5_000);
    expect(writer.calls.map(ids)).toEqual([[0]]);
    expect(pipeline.stats()).toMatchObject({ enqueued: 3, written: 1, dropped: { shutdown: 2 } });
  });

  it('never rejects, even when onDrop and the writer misbehave', async () => {
    const { pipeline } = harness(
      {
        maxBatchSize: 2,
        onDrop: () => {
          throw new Error('onDrop bug');
        },
      },
      new FakeWriter().hang(),
    );
    range(0, 4).forEach((id) => pipeline.enqueue(rec(id)));
    const done = pipeline.shutdown(10);
    await advance(10);
    await expect(done).resolves.toBeUndefined();
  });

  it('falls back to the default time box when given an unusable one', async () => {
    const { pipeline } = harness({ maxBatchSize: 2 }, new FakeWriter().hang());
    range(0, 2).forEach((id) => pipeline.enqueue(rec(id)));
    const done = watch(pipeline.shutdown(Number.NaN));
    await advance(29_999);
    expect(done.settled()).toBe(false);
    await advance(1);
    expect(done.settled()).toBe(true);
  });

  it('lets forceFlush after shutdown resolve at once as complete', async () => {
    const { pipeline } = harness({}, new FakeWriter().hang());
    pipeline.enqueue(rec(0));
    const done = pipeline.shutdown(10);
    await advance(10);
    await done;
    await expect(pipeline.forceFlush()).resolves.toEqual({ complete: true, pending: 0 });
  });
});
