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

describe('BatchPipeline retry', () => {
  let diagLines: DiagCapture;
  beforeEach(() => {
    useFakeClock();
    diagLines = captureDiag();
  });
  afterEach(() => {
    diagLines.restore();
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  it('retries a transient failure with exponential backoff until the writer recovers, losing nothing', async () => {
    const attemptTimes: number[] = [];
    const start = Date.now();
    const writer = new FakeWriter().behave((batch, call) => {
      attemptTimes.push(Date.now() - start);
      return call < 3 ? Promise.reject(new Error(`down #${call}`)) : { written: batch.length, rejected: [] };
    });
    const { pipeline } = harness({ maxBatchSize: 5 }, writer);
    range(0, 5).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(0);
    expect(pipeline.stats()).toMatchObject({ inFlight: 5, written: 0, retried: 1, lastError: 'Error: down #0' });

    await advance(2_000);
    expect(attemptTimes).toEqual([0, 100, 300, 700]); // delays 100, 200, 400
    expect(writer.written.map((r) => r.id)).toEqual(range(0, 5));
    const stats = pipeline.stats();
    expect(stats).toMatchObject({ written: 5, retried: 3, droppedTotal: 0, inFlight: 0, lastError: 'Error: down #2' });
    expectInvariant(stats);
  });

  it('caps the delay at maxBackoffMs', async () => {
    const attemptTimes: number[] = [];
    const writer = new FakeWriter().behave(() => {
      attemptTimes.push(Date.now());
      return Promise.reject(new Error('down'));
    });
    const { pipeline } = harness({ maxBatchSize: 1, retry: { initialBackoffMs: 100, maxBackoffMs: 300 } }, writer);
    pipeline.enqueue(rec(0));
    await advance(0);
    await advance(2_000);
    const gaps = attemptTimes.slice(1).map((t, i) => t - attemptTimes[i]!);
    expect(gaps.slice(0, 5)).toEqual([100, 200, 300, 300, 300]);
  });

  it('applies full jitter: each delay is the random fraction of its ceiling', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
    const attemptTimes: number[] = [];
    const writer = new FakeWriter().behave((batch, call) => {
      attemptTimes.push(Date.now());
      return call < 2 ? Promise.reject(new Error('down')) : { written: batch.length, rejected: [] };
    });
    const { pipeline } = harness({ maxBatchSize: 1, retry: { jitter: 'full' } }, writer);
    pipeline.enqueue(rec(0));
    await advance(0);
    await advance(1_000);
    expect(attemptTimes.slice(1).map((t, i) => t - attemptTimes[i]!)).toEqual([50, 100]);
  });

  it('keeps everything within the bounds while the writer is down, and writes it all in order once it is back', async () => {
    const writer = new FakeWriter().fail();
    const { pipeline } = harness({ maxQueueSize: 100, maxBatchSize: 10, flushIntervalMs: 200 }, writer);
    for (let id = 0; id < 100; id++) {
      pipeline.enqueue(rec(id));
      await advance(30);
    }
    expect(pipeline.stats().droppedTotal).toBe(0);
    writer.succeed();
    await advance(5_000);
    expect(writer.written.map((r) => r.id)).toEqual(range(0, 100));
    expect(pipeline.stats()).toMatchObject({ written: 100, droppedTotal: 0, queueDepth: 0, inFlight: 0 });
  });

  it('drops the whole batch as write_failed on a non-transient error, then carries on with the next batch', async () => {
    const fatal = Object.assign(new Error('permission denied'), { code: '42501' });
    const writer = new FakeWriter().behave((batch, call) =>
      call === 0 ? Promise.reject(fatal) : { written: batch.length, rejected: [] },
    );
    const { pipeline, drops } = harness(
      { maxBatchSize: 3, isTransientError: (err) => (err as { code?: string }).code !== '42501' },
      writer,
    );
    range(0, 6).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(0);
    await advance(0);
    expect(ids(drops.write_failed)).toEqual([0, 1, 2]);
    expect(writer.written.map((r) => r.id)).toEqual([3, 4, 5]);
    const stats = pipeline.stats();
    expect(stats).toMatchObject({
      retried: 0,
      written: 3,
      dropped: { write_failed: 3 },
      lastError: 'Error: permission denied',
    });
    expectInvariant(stats);
    expect(diagLines.lines.filter(([, m]) => m.includes('write_failed'))).toEqual([
      ['warn', expect.stringContaining('dropped 3 record(s), reason write_failed: Error: permission denied')],
    ]);
  });

  it('keeps retrying (and reports it) when isTransientError itself throws', async () => {
    const writer = new FakeWriter().behave((batch, call) =>
      call === 0 ? Promise.reject(new Error('x')) : { written: batch.length, rejected: [] },
    );
    const { pipeline } = harness(
      {
        maxBatchSize: 1,
        isTransientError: () => {
          throw new Error('classifier bug');
        },
      },
      writer,
    );
    pipeline.enqueue(rec(0));
    await advance(0);
    await advance(100);
    expect(pipeline.stats()).toMatchObject({ written: 1, retried: 1 });
    expect(diagLines.lines.some(([level, m]) => level === 'error' && m.includes('classifier bug'))).toBe(true);
  });

  it('treats a writer that throws synchronously like one that rejects', async () => {
    let calls = 0;
    const { pipeline } = harness({
      maxBatchSize: 1,
      write: (batch) => {
        if (calls++ === 0) throw new Error('sync throw');
        return Promise.resolve({ written: batch.length, rejected: [] });
      },
    });
    pipeline.enqueue(rec(0));
    await advance(0);
    expect(pipeline.stats()).toMatchObject({ retried: 1, lastError: 'Error: sync throw' });
    await advance(100);
    expect(pipeline.stats()).toMatchObject({ written: 1, droppedTotal: 0 });
  });

  it('reports retries through diag once per window, not once per attempt', async () => {
    const { pipeline } = harness({ maxBatchSize: 1 }, new FakeWriter().fail());
    pipeline.enqueue(rec(0));
    await advance(0);
    await advance(10_000);
    expect(pipeline.stats().retried).toBeGreaterThan(10);
    expect(diagLines.lines.filter(([, m]) => m.includes('retrying'))).toHaveLength(1);
  });
});
