import type { SpillResult, SpillSink } from '../../src/pipeline';
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

/** An in-memory spill whose behaviour the test switches: it stores, refuses (full) or fails. */
class FakeSpill implements SpillSink<Rec> {
  readonly stored: Rec[] = [];
  readonly storedAtShutdown: Rec[] = [];
  mode: 'store' | 'full' | 'fail' = 'store';
  syncMode: 'store' | 'fail' = 'store';
  calls = 0;

  readonly store = async (batch: Rec[]): Promise<SpillResult<Rec>> => {
    this.calls++;
    await Promise.resolve(); // storing takes a turn, like file I/O
    if (this.mode === 'fail') throw new Error('ENOSPC: no space left on device');
    if (this.mode === 'full') return { rejected: [], refused: batch };
    this.stored.push(...batch);
    return { rejected: [], refused: [] };
  };

  readonly storeSync = (batch: Rec[]): SpillResult<Rec> => {
    if (this.syncMode === 'fail') throw new Error('EACCES: permission denied');
    this.storedAtShutdown.push(...batch);
    return { rejected: [], refused: [] };
  };
}

const sorted = (records: readonly Rec[]) => ids(records).sort((a, b) => a - b);

describe('BatchPipeline with a spill', () => {
  let diagLines: DiagCapture;
  beforeEach(() => {
    useFakeClock();
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
    diagLines = captureDiag();
  });
  afterEach(() => {
    diagLines.restore();
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  it('sends batches to the spill while the breaker is open, instead of holding or dropping them', async () => {
    const spill = new FakeSpill();
    const writer = new FakeWriter().fail(Object.assign(new Error('connection terminated'), { code: 'ECONNRESET' }));
    const { pipeline, drops } = harness(
      {
        spill,
        breaker: { failureThreshold: 2, cooldownMs: 10_000 },
        maxQueueSize: 50,
        maxBatchSize: 10,
        flushIntervalMs: 100,
      },
      writer,
    );
    // 500 records through a queue of 50: without the spill, 450 would be dropped.
    for (let step = 0; step < 50; step++) {
      range(step * 10, step * 10 + 10).forEach((id) => pipeline.enqueue(rec(id)));
      await advance(50);
    }
    await advance(200);
    expect(pipeline.breaker!.state).toBe('open');
    expect(writer.calls).toHaveLength(2); // the two failures that opened it; nothing since
    expect(sorted(spill.stored)).toEqual(range(0, 500));
    expect(Object.values(drops).flat()).toEqual([]);
    const stats = pipeline.stats();
    expect(stats).toMatchObject({ spilled: 500, written: 0, droppedTotal: 0, queueDepth: 0, inFlight: 0 });
    expectInvariant(stats);
    // A flush is complete once everything is in the spill: nothing is left in memory.
    await expect(pipeline.forceFlush(1_000)).resolves.toEqual({ complete: true, pending: 0 });
  });

  it('spills when the queue is more than half full (the database is slow), before drop-oldest has to act', async () => {
    const spill = new FakeSpill();
    const { pipeline, drops } = harness(
      { spill, maxQueueSize: 40, maxBatchSize: 10, flushIntervalMs: 60_000 },
      new FakeWriter().hang(),
    );
    for (let step = 0; step < 20; step++) {
      range(step * 10, step * 10 + 10).forEach((id) => pipeline.enqueue(rec(id)));
      await advance(0);
    }
    expect(drops.queue_full).toEqual([]);
    const stats = pipeline.stats();
    // One batch hangs in the writer; the queue stays at or below half; the rest went to the spill.
    expect(stats.inFlight).toBe(10);
    expect(stats.queueDepth).toBeLessThanOrEqual(20);
    expect(stats.spilled).toBe(200 - 10 - stats.queueDepth);
    expectInvariant(stats);
  });

  it('counts a batch the spill refuses (at its size cap) as spill_full, and one it fails to store as spill_failed', async () => {
    const spill = new FakeSpill();
    const writer = new FakeWriter().fail();
    const { pipeline, drops } = harness(
      { spill, breaker: { failureThreshold: 1, cooldownMs: 60_000 }, maxBatchSize: 5 },
      writer,
    );
    range(0, 5).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(10);
    expect(sorted(spill.stored)).toEqual(range(0, 5));

    spill.mode = 'full';
    range(5, 10).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(10);
    expect(ids(drops.spill_full)).toEqual(range(5, 10));

    spill.mode = 'fail';
    range(10, 15).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(10);
    expect(ids(drops.spill_failed)).toEqual(range(10, 15));
    expect(pipeline.stats()).toMatchObject({ spilled: 5, dropped: { spill_full: 5, spill_failed: 5 } });
    expectInvariant(pipeline.stats());
  });

  it('shutdown never hangs: what a hung writer did not write by the deadline goes to the spill', async () => {
    const spill = new FakeSpill();
    const { pipeline, drops } = harness({ spill, maxBatchSize: 5, flushIntervalMs: 60_000 }, new FakeWriter().hang());
    range(0, 12).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(0);
    const shutdown = watch(pipeline.shutdown(1_000));
    await advance(999);
    expect(shutdown.settled()).toBe(true); // a fifth of the box (200 ms) was kept for the spill, which is synchronous
    expect(sorted(spill.storedAtShutdown)).toEqual(range(0, 12)); // the hung in-flight batches included
    expect(drops.shutdown).toEqual([]);
    expect(pipeline.stats()).toMatchObject({ spilled: 12, droppedTotal: 0, queueDepth: 0, inFlight: 0 });
    expectInvariant(pipeline.stats());
  });

  it('counts what it could not spill at shutdown as dropped (shutdown), and still resolves', async () => {
    const spill = new FakeSpill();
    spill.syncMode = 'fail';
    const { pipeline, drops } = harness({ spill, maxBatchSize: 5, flushIntervalMs: 60_000 }, new FakeWriter().hang());
    range(0, 7).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(0);
    const shutdown = watch(pipeline.shutdown(500));
    await advance(500);
    expect(shutdown.settled()).toBe(true);
    expect(sorted(drops.shutdown)).toEqual(range(0, 7));
    expectInvariant(pipeline.stats());
    expect(diagLines.lines.some(([, line]) => line.includes('the spill failed: Error: EACCES'))).toBe(true);
  });

  it('writes normally, without touching the spill, while the database keeps up', async () => {
    const spill = new FakeSpill();
    const writer = new FakeWriter().succeed();
    const { pipeline } = harness({ spill, breaker: {}, maxQueueSize: 100, maxBatchSize: 10 }, writer);
    for (let step = 0; step < 30; step++) {
      range(step * 10, step * 10 + 10).forEach((id) => pipeline.enqueue(rec(id)));
      await advance(1);
    }
    await pipeline.forceFlush(1_000);
    expect(spill.calls).toBe(0);
    expect(pipeline.stats()).toMatchObject({ written: 300, spilled: 0 });
  });
});
