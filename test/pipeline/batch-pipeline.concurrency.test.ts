import { advance, expectInvariant, FakeWriter, harness, ids, range, rec, useFakeClock, watch } from './support';

/** A writer whose writes each wait until the test settles them, in any order. */
function controlledWriter() {
  const pending: Array<{ batch: number[]; succeed: () => void; fail: (error: Error) => void }> = [];
  const writer = new FakeWriter().behave(
    (batch) =>
      new Promise((resolve, reject) => {
        pending.push({
          batch: ids(batch),
          succeed: () => resolve({ written: batch.length, rejected: [] }),
          fail: (error) => reject(error),
        });
      }),
  );
  return { writer, pending };
}

describe('BatchPipeline with maxConcurrentWrites', () => {
  beforeEach(useFakeClock);
  afterEach(() => jest.useRealTimers());

  it('starts the next batch while the previous one is still being written, up to the limit, batches in order', async () => {
    const { writer, pending } = controlledWriter();
    const { pipeline } = harness({ maxBatchSize: 3, maxConcurrentWrites: 2, flushIntervalMs: 60_000 }, writer);
    range(0, 10).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(0);
    expect(pending.map((write) => write.batch)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(pipeline.stats()).toMatchObject({ inFlight: 6, inFlightBytes: 60, queueDepth: 4 });
    expectInvariant(pipeline.stats());

    // The second write lands first: its place is taken by the next batch; the first is still in flight.
    pending[1]!.succeed();
    await advance(0);
    expect(pending.map((write) => write.batch)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7, 8],
    ]);
    expect(pipeline.stats()).toMatchObject({ written: 3, inFlight: 6, queueDepth: 1 });
    expectInvariant(pipeline.stats());
  });

  it('resolves a flush only once every record before it is settled, whatever order the writes land in', async () => {
    const { writer, pending } = controlledWriter();
    const { pipeline } = harness({ maxBatchSize: 2, maxConcurrentWrites: 2, flushIntervalMs: 60_000 }, writer);
    range(0, 4).forEach((id) => pipeline.enqueue(rec(id)));
    const flushed = watch(pipeline.forceFlush(10_000));
    await advance(0);
    expect(pending).toHaveLength(2);

    pending[1]!.succeed(); // [2, 3] lands before [0, 1]
    await advance(0);
    expect(flushed.settled()).toBe(false);
    expect(pipeline.stats()).toMatchObject({ written: 2, inFlight: 2, queueDepth: 0 });

    pending[0]!.succeed();
    await advance(0);
    expect(flushed.value()).toEqual({ complete: true, pending: 0 });
    expect(pipeline.stats()).toMatchObject({ written: 4, inFlight: 0, queueDepth: 0 });
  });

  it('reports pending records of every batch in flight when a flush times out', async () => {
    const { writer, pending } = controlledWriter();
    const { pipeline } = harness({ maxBatchSize: 2, maxConcurrentWrites: 2, flushIntervalMs: 60_000 }, writer);
    range(0, 5).forEach((id) => pipeline.enqueue(rec(id)));
    const flushed = watch(pipeline.forceFlush(100));
    await advance(0);
    pending[1]!.succeed();
    await advance(100);
    // [0, 1] still in flight, [2, 3] written, [4] queued behind the two writes in flight (or just started).
    expect(flushed.value()).toEqual({ complete: false, pending: 3 });
  });

  it('starts no other write while a batch waits for its retry, and resumes both once the writer recovers', async () => {
    let down = true;
    const writer = new FakeWriter().behave(async (batch) => {
      if (down) throw new Error('database is down');
      return { written: batch.length, rejected: [] };
    });
    const { pipeline } = harness({ maxBatchSize: 2, maxConcurrentWrites: 2, flushIntervalMs: 60_000 }, writer);
    range(0, 10).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(0);
    // Both writes started and failed; both wait for their retry, and nothing more is taken meanwhile.
    const startedWhileDown = writer.calls.length;
    await advance(50);
    expect(writer.calls.length).toBe(startedWhileDown);
    expect(pipeline.stats().inFlight).toBeLessThanOrEqual(4);

    down = false;
    const flushed = pipeline.forceFlush(60_000);
    await advance(10_000);
    await expect(flushed).resolves.toEqual({ complete: true, pending: 0 });
    expect(pipeline.stats()).toMatchObject({ written: 10, droppedTotal: 0, inFlight: 0, queueDepth: 0 });
    expect(writer.written.map((r) => r.id).sort((a, b) => a - b)).toEqual(range(0, 10));
  });

  it('on shutdown counts every batch still in flight as dropped, in sequence order, and ignores their late outcome', async () => {
    const { writer, pending } = controlledWriter();
    const { pipeline, drops } = harness({ maxBatchSize: 2, maxConcurrentWrites: 2, flushIntervalMs: 60_000 }, writer);
    range(0, 5).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(0);
    const done = watch(pipeline.shutdown(100));
    await advance(100);
    expect(done.settled()).toBe(true);
    expect(ids(drops.shutdown)).toEqual([0, 1, 2, 3, 4]);
    pending.forEach((write) => write.succeed());
    await advance(0);
    const stats = pipeline.stats();
    expectInvariant(stats);
    expect(stats).toMatchObject({ written: 0, dropped: { shutdown: 5 }, inFlight: 0, queueDepth: 0 });
  });

  it('keeps the batches in flight within half the byte budget between them', async () => {
    const { writer, pending } = controlledWriter();
    const { pipeline } = harness(
      { maxBatchSize: 100, maxQueueBytes: 1_000, maxConcurrentWrites: 2, flushIntervalMs: 60_000 },
      writer,
    );
    range(0, 8).forEach((id) => pipeline.enqueue(rec(id, 100)));
    pipeline.forceFlush(60_000);
    await advance(0);
    // Each batch takes at most a quarter of 1,000 bytes: two of 200 in flight.
    expect(pending.map((write) => write.batch)).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(pipeline.stats().inFlightBytes).toBeLessThanOrEqual(500);
  });
});
