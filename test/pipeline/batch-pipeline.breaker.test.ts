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

const BREAKER = { failureThreshold: 3, cooldownMs: 1_000, maxCooldownMs: 4_000 };

/** A writer that fails while `down`, and records when each attempt started and how many were running at once. */
class OutageWriter {
  down = true;
  readonly attempts: Array<{ at: number; concurrent: number; ids: number[] }> = [];
  readonly written: Rec[] = [];
  private active = 0;

  readonly write = async (batch: Rec[]): Promise<WriteResult<Rec>> => {
    this.attempts.push({ at: Date.now(), concurrent: this.active, ids: ids(batch) });
    this.active++;
    try {
      await new Promise((resolve) => setTimeout(resolve, 20)); // a round trip
      if (this.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      this.written.push(...batch);
      return { written: batch.length, rejected: [] };
    } finally {
      this.active--;
    }
  };
}

describe('BatchPipeline with a circuit breaker', () => {
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

  it('attempts nothing but one probe per cool-down while open, then one probe and normal flow when the database returns', async () => {
    const writer = new OutageWriter();
    const { pipeline } = harness(
      { breaker: BREAKER, maxConcurrentWrites: 2, maxQueueSize: 5_000, maxBatchSize: 10, flushIntervalMs: 100 },
      new FakeWriter().behave(writer.write),
    );
    const start = Date.now();
    // A steady stream over a 20 s outage: 10 records every 100 ms.
    for (let step = 0; step < 200; step++) {
      range(step * 10, step * 10 + 10).forEach((id) => pipeline.enqueue(rec(id)));
      await advance(100);
    }
    const during = writer.attempts.map((attempt) => attempt.at - start);
    // Three failures open it (attempt, retry after 100 ms, retry after 200 ms, each 20 ms long); then a probe after
    // each cool-down: 0.75 × 1 s, 0.75 × 2 s, then 0.75 × 4 s at most.
    expect(during).toEqual([0, 120, 340, 1_110, 2_630, 5_650, 8_670, 11_690, 14_710, 17_730]);
    expect(writer.attempts.every((attempt) => attempt.concurrent === 0)).toBe(true);
    expect(pipeline.breaker!.state).toBe('open');
    expect(pipeline.stats()).toMatchObject({ written: 0, droppedTotal: 0 });

    writer.down = false;
    const before = writer.attempts.length;
    await advance(3_100);
    const after = writer.attempts.slice(before);
    // The probe goes alone; only after it succeeded do the others follow, two at a time (maxConcurrentWrites).
    expect(after[0]!.concurrent).toBe(0);
    expect(after[1]!.at).toBeGreaterThanOrEqual(after[0]!.at + 20);
    expect(Math.max(...after.map((attempt) => attempt.concurrent))).toBeLessThanOrEqual(1);
    expect(pipeline.breaker!.state).toBe('closed');

    await pipeline.forceFlush(10_000);
    expect(writer.written.map((r) => r.id).sort((a, b) => a - b)).toEqual(range(0, 2_000));
    expectInvariant(pipeline.stats());
    expect(pipeline.stats()).toMatchObject({ written: 2_000, droppedTotal: 0 });
  });

  it('probes even when nothing new is enqueued: the waiting batch retries after the cool-down', async () => {
    const writer = new OutageWriter();
    const { pipeline } = harness(
      { breaker: BREAKER, maxBatchSize: 5, flushIntervalMs: 60_000 },
      new FakeWriter().behave(writer.write),
    );
    range(0, 5).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(1_000);
    expect(pipeline.breaker!.state).toBe('open');
    writer.down = false;
    await advance(2_000);
    expect(writer.written.map((r) => r.id)).toEqual(range(0, 5));
    expect(pipeline.breaker!.state).toBe('closed');
  });

  it('is not opened by failures that are not about reaching the database', async () => {
    const fatal = Object.assign(new Error('permission denied'), { code: '42501' });
    const writer = new FakeWriter().fail(fatal);
    const { pipeline, drops } = harness({ breaker: BREAKER, maxBatchSize: 1, isTransientError: () => false }, writer);
    range(0, 6).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(1_000);
    expect(writer.calls).toHaveLength(6);
    expect(pipeline.breaker!.state).toBe('closed');
    expect(ids(drops.write_failed)).toEqual(range(0, 6));
  });

  it('shuts down within its time box while the breaker is open, counting what is left', async () => {
    const writer = new OutageWriter();
    const { pipeline, drops } = harness({ breaker: BREAKER, maxBatchSize: 5 }, new FakeWriter().behave(writer.write));
    range(0, 12).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(500);
    expect(pipeline.breaker!.state).toBe('open');
    const shutdown = watch(pipeline.shutdown(300));
    await advance(300);
    expect(shutdown.settled()).toBe(true);
    expect(ids(drops.shutdown).sort((a, b) => a - b)).toEqual(range(0, 12));
    expectInvariant(pipeline.stats());
  });
});
