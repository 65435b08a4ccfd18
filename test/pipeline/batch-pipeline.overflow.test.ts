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
  type DiagCapture,
} from './support';

describe('BatchPipeline bounds and drops', () => {
  let diagLines: DiagCapture;
  beforeEach(() => {
    useFakeClock();
    diagLines = captureDiag();
  });
  afterEach(() => {
    diagLines.restore();
    jest.useRealTimers();
  });

  it('drops the oldest queued records by count while the writer is down, keeping the in-flight batch', async () => {
    const writer = new FakeWriter().fail();
    const { pipeline, drops } = harness({ maxQueueSize: 10, maxBatchSize: 4, flushIntervalMs: 60_000 }, writer);
    range(0, 4).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(0); // batch [0..3] is now in flight, failing and retrying

    range(4, 24).forEach((id) => pipeline.enqueue(rec(id)));
    // 4 held in flight leave room for 6 queued: the newest 6 stay, the 14 before them are dropped oldest-first.
    expect(ids(drops.queue_full)).toEqual(range(4, 18));
    const stats = pipeline.stats();
    expect(stats).toMatchObject({
      enqueued: 24,
      inFlight: 4,
      queueDepth: 6,
      dropped: { queue_full: 14 },
      droppedTotal: 14,
    });
    expectInvariant(stats);

    writer.succeed();
    await advance(60_000); // the last two records wait for the interval, being fewer than a batch
    expect(writer.written.map((r) => r.id)).toEqual([...range(0, 4), ...range(18, 24)]);
    expect(pipeline.stats()).toMatchObject({ written: 10, droppedTotal: 14, queueDepth: 0, inFlight: 0 });
  });

  it('drops the oldest queued records by bytes, and refuses a newcomer only the in-flight batch leaves no room for', async () => {
    const writer = new FakeWriter().fail();
    const { pipeline, drops } = harness(
      { maxQueueSize: 1_000, maxQueueBytes: 1_000, maxBatchSize: 100, flushIntervalMs: 100 },
      writer,
    );
    range(0, 7).forEach((id) => pipeline.enqueue(rec(id, 100)));
    await advance(100); // a batch takes at most half the byte budget: [0..4] (500 bytes) in flight, [5, 6] queued
    expect(pipeline.stats()).toMatchObject({ inFlight: 5, inFlightBytes: 500, queueDepth: 2, queueBytes: 200 });

    range(7, 12).forEach((id) => pipeline.enqueue(rec(id, 100))); // 7, 8, 9 fit exactly; 10 and 11 push out 5 and 6
    expect(ids(drops.queue_full)).toEqual([5, 6]);
    expect(pipeline.stats()).toMatchObject({ queueDepth: 5, queueBytes: 500 });

    pipeline.enqueue(rec(12, 250)); // 500 in flight + 500 queued: three oldest queued must go to fit 250 more
    expect(ids(drops.queue_full)).toEqual([5, 6, 7, 8, 9]);
    pipeline.enqueue(rec(13, 600)); // cannot fit beside the 500 in-flight bytes at all: the newcomer goes, nothing else
    expect(ids(drops.queue_full)).toEqual([5, 6, 7, 8, 9, 13]);
    pipeline.enqueue(rec(14, 1_001)); // larger than the whole budget: never storable
    expect(ids(drops.invalid)).toEqual([14]);

    const stats = pipeline.stats();
    expect(stats).toMatchObject({ queueDepth: 3, queueBytes: 450, dropped: { queue_full: 6, invalid: 1 } });
    expect(stats.queueBytes + stats.inFlightBytes).toBeLessThanOrEqual(1_000);
    expectInvariant(stats);
  });

  it('reports drops through diag once, not per record', async () => {
    const { pipeline } = harness(
      { maxQueueSize: 5, maxBatchSize: 5, flushIntervalMs: 60_000 },
      new FakeWriter().hang(),
    );
    range(0, 5).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(0);
    range(5, 1_005).forEach((id) => pipeline.enqueue(rec(id)));
    expect(pipeline.stats().dropped.queue_full).toBe(1_000);
    expect(diagLines.lines.filter(([, m]) => m.includes('queue_full'))).toEqual([
      ['warn', 'agentspan pipeline: dropped 1 record(s), reason queue_full (1 for this reason so far)'],
    ]);
  });

  it('counts rows the writer rejects individually, writes the rest, and reports the reasons once per batch', async () => {
    const writer = new FakeWriter().behave((batch) => {
      const rejected = batch
        .filter((r) => r.id % 3 === 0)
        .map((record) => ({
          record,
          reason:
            record.id % 2 === 0
              ? 'value too long for type character varying(64)'
              : 'invalid input syntax for type uuid',
        }));
      return { written: batch.length - rejected.length, rejected };
    });
    const { pipeline, drops } = harness({ maxBatchSize: 10 }, writer);
    range(0, 10).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(0);
    expect(ids(drops.rejected)).toEqual([0, 3, 6, 9]);
    const stats = pipeline.stats();
    expect(stats).toMatchObject({ written: 6, dropped: { rejected: 4 }, retried: 0, lastError: null });
    expectInvariant(stats);
    const reports = diagLines.lines.filter(([, m]) => m.includes('reason rejected'));
    expect(reports).toHaveLength(1);
    expect(reports[0]![1]).toContain(
      '2 × value too long for type character varying(64); 2 × invalid input syntax for type uuid',
    );
  });

  it('counts the batch as written, and says so once, when the writer resolves without a proper result', async () => {
    const { pipeline } = harness({ maxBatchSize: 2, write: () => Promise.resolve(undefined as never) });
    range(0, 4).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(0);
    await advance(0);
    expect(pipeline.stats()).toMatchObject({ written: 4, droppedTotal: 0 });
    expect(diagLines.lines.filter(([, m]) => m.includes('without a { written, rejected } result'))).toHaveLength(1);
  });

  it('keeps its counts straight when the writer reports malformed rejections', async () => {
    const { pipeline } = harness({
      maxBatchSize: 3,
      write: (batch) => Promise.resolve({ written: 1, rejected: [null, { record: batch[1], reason: 42 }] as never }),
    });
    range(0, 3).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(0);
    expect(pipeline.stats()).toMatchObject({ written: 1, dropped: { rejected: 2 } });
    expectInvariant(pipeline.stats());
  });

  it('never counts more rejections than the batch had records', async () => {
    const { pipeline } = harness({
      maxBatchSize: 2,
      write: (batch) =>
        Promise.resolve({
          written: 0,
          rejected: [...batch, ...batch, ...batch].map((record) => ({ record, reason: 'dup' })),
        }),
    });
    range(0, 2).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(0);
    expect(pipeline.stats()).toMatchObject({ written: 0, dropped: { rejected: 2 } });
    expectInvariant(pipeline.stats());
  });
});

describe('BatchPipeline enqueue on the hot path', () => {
  let diagLines: DiagCapture;
  beforeEach(() => {
    useFakeClock();
    diagLines = captureDiag();
  });
  afterEach(() => {
    diagLines.restore();
    jest.useRealTimers();
  });

  it('counts a record whose sizeOf throws as invalid, without throwing', () => {
    const { pipeline, drops } = harness({
      sizeOf: (r) => {
        if (r.id === 1) throw new Error('circular structure');
        return r.size;
      },
    });
    expect(() => range(0, 3).forEach((id) => pipeline.enqueue(rec(id)))).not.toThrow();
    expect(ids(drops.invalid)).toEqual([1]);
    expect(pipeline.stats()).toMatchObject({ enqueued: 3, queueDepth: 2, dropped: { invalid: 1 } });
    expect(diagLines.lines.some(([, m]) => m.includes('reason invalid: Error: circular structure'))).toBe(true);
  });

  it('counts a record with a nonsensical size as invalid', () => {
    const { pipeline } = harness();
    pipeline.enqueue({ id: 0, size: Number.NaN });
    pipeline.enqueue({ id: 1, size: -5 });
    expect(pipeline.stats().dropped.invalid).toBe(2);
  });

  it('does not throw when onDrop throws, and still counts the drop', async () => {
    const { pipeline } = harness(
      {
        maxQueueSize: 2,
        maxBatchSize: 2,
        onDrop: () => {
          throw new Error('callback bug');
        },
      },
      new FakeWriter().hang(),
    );
    range(0, 2).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(0);
    expect(() => pipeline.enqueue(rec(2))).not.toThrow();
    expect(pipeline.stats().dropped.queue_full).toBe(1);
    expect(
      diagLines.lines.some(([level, m]) => level === 'error' && m.includes('onDrop threw: Error: callback bug')),
    ).toBe(true);
  });

  it('does not throw when the diag logger throws', () => {
    diagLines.restore();
    const { diag, DiagLogLevel } = jest.requireActual<typeof import('@opentelemetry/api')>('@opentelemetry/api');
    const explode = () => {
      throw new Error('logger bug');
    };
    const quiet = () => undefined;
    diag.setLogger({ error: explode, warn: explode, info: quiet, debug: quiet, verbose: quiet }, DiagLogLevel.ALL);
    try {
      const { pipeline } = harness({
        sizeOf: () => {
          throw new Error('x');
        },
      });
      expect(() => pipeline.enqueue(rec(0))).not.toThrow();
      expect(pipeline.stats().dropped.invalid).toBe(1);
    } finally {
      diag.disable();
    }
  });

  it('does no I/O and starts no write synchronously, even when the batch is full', () => {
    const writer = new FakeWriter().succeed();
    const { pipeline } = harness({ maxBatchSize: 1 }, writer);
    for (let id = 0; id < 50; id++) pipeline.enqueue(rec(id));
    expect(writer.calls).toHaveLength(0);
    expect(pipeline.stats().queueDepth).toBe(50);
  });
});
