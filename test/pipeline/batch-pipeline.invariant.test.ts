import type { BatchPipeline } from '../../src/pipeline';
import { DROP_REASONS } from '../../src/pipeline';
import { advance, expectInvariant, FakeWriter, harness, useFakeClock, watch, type Rec } from './support';

/** Deterministic so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const MAX_QUEUE_SIZE = 40;
const MAX_QUEUE_BYTES = 2_000;

describe('BatchPipeline stats invariant', () => {
  beforeEach(useFakeClock);
  afterEach(() => jest.useRealTimers());

  it.each(
    [1, 2, 3, 4, 5, 6].flatMap((seed) => [
      [seed, 1],
      [seed, 2],
    ]),
  )(
    'enqueued = written + droppedTotal + queueDepth + inFlight, and every record ends up written or dropped exactly once (seed %i, %i writes at once)',
    async (seed, maxConcurrentWrites) => {
      const random = prng(seed);
      const pick = <V>(values: readonly V[]): V => values[Math.floor(random() * values.length)]!;
      const violations: string[] = [];
      // eslint-disable-next-line prefer-const -- assigned once below, read earlier by checkNow
      let pipeline: BatchPipeline<Rec> | undefined;
      const checkNow = (where: string) => {
        if (pipeline === undefined) return;
        const s = pipeline.stats();
        const sum = s.written + s.droppedTotal + s.queueDepth + s.inFlight;
        if (s.enqueued !== sum) violations.push(`${where}: enqueued ${s.enqueued} ≠ ${sum} (${JSON.stringify(s)})`);
        if (s.queueDepth + s.inFlight > MAX_QUEUE_SIZE) violations.push(`${where}: over maxQueueSize`);
        if (s.queueBytes + s.inFlightBytes > MAX_QUEUE_BYTES) violations.push(`${where}: over maxQueueBytes`);
      };

      const fatal = Object.assign(new Error('fatal'), { fatal: true });
      const modes = {
        ok: (batch: Rec[]) => ({ written: batch.length, rejected: [] }),
        transient: () => Promise.reject(new Error('transient')),
        fatal: () => Promise.reject(fatal),
        rejectSome: (batch: Rec[]) => {
          const rejected = batch.filter((r) => r.id % 4 === 0).map((record) => ({ record, reason: 'bad row' }));
          return { written: batch.length - rejected.length, rejected };
        },
        slow: (batch: Rec[]) =>
          new Promise<{ written: number; rejected: [] }>((resolve) =>
            setTimeout(() => resolve({ written: batch.length, rejected: [] }), Math.floor(random() * 300)),
          ),
      };
      const writer = new FakeWriter();
      let mode: keyof typeof modes = 'ok';
      writer.behave((batch) => {
        checkNow('inside write');
        return modes[mode](batch);
      });

      const built = harness(
        {
          maxQueueSize: MAX_QUEUE_SIZE,
          maxQueueBytes: MAX_QUEUE_BYTES,
          maxBatchSize: 8,
          maxConcurrentWrites,
          flushIntervalMs: 50,
          retry: { initialBackoffMs: 10, maxBackoffMs: 200, jitter: 'full' },
          isTransientError: (err) => (err as { fatal?: boolean }).fatal !== true,
          onDrop: () => checkNow('inside onDrop'),
        },
        writer,
      );
      pipeline = built.pipeline;
      const flushes: Array<ReturnType<typeof watch>> = [];

      let nextId = 0;
      for (let step = 0; step < 3_000; step++) {
        const action = random();
        if (action < 0.6) {
          const size = pick([1, 20, 50, 100, 300, 300, 900, Number.NaN, MAX_QUEUE_BYTES + 1]);
          pipeline.enqueue({ id: nextId++, size });
        } else if (action < 0.85) {
          await advance(Math.floor(random() * 120));
        } else if (action < 0.95) {
          mode = pick(Object.keys(modes) as Array<keyof typeof modes>);
        } else {
          flushes.push(watch(pipeline.forceFlush(Math.floor(random() * 500))));
        }
        checkNow(`step ${step}`);
        if (violations.length > 0) break;
      }

      mode = 'ok';
      const done = watch(pipeline.shutdown(60_000));
      await advance(60_000);
      expect(done.settled()).toBe(true);
      expect(violations).toEqual([]);
      expect(flushes.every((f) => f.settled())).toBe(true);

      const stats = pipeline.stats();
      expectInvariant(stats);
      expect(stats).toMatchObject({ enqueued: nextId, queueDepth: 0, inFlight: 0 });
      // The sequence really exercised every path.
      expect(stats.written).toBeGreaterThan(0);
      expect(stats.retried).toBeGreaterThan(0);
      for (const reason of ['queue_full', 'rejected', 'write_failed', 'invalid'] as const) {
        expect(stats.dropped[reason]).toBeGreaterThan(0);
      }

      // Exactly once: every id is either written or dropped, never both, never twice; one write at a time writes in
      // enqueue order.
      const writtenIds = writer.written.map((r) => r.id);
      const droppedIds = DROP_REASONS.flatMap((reason) => built.drops[reason].map((r) => r.id));
      expect([...writtenIds, ...droppedIds].sort((a, b) => a - b)).toEqual(Array.from({ length: nextId }, (_, i) => i));
      if (maxConcurrentWrites === 1) expect(writtenIds).toEqual([...writtenIds].sort((a, b) => a - b));
      // Several at once: batches are still taken in order (first attempts; a retry may follow a later batch).
      const firstAttempts = [...new Set(writer.calls.map((batch) => batch[0]!.id))];
      if (maxConcurrentWrites > 1) expect(firstAttempts).toEqual([...firstAttempts].sort((a, b) => a - b));
      for (const reason of DROP_REASONS) expect(built.drops[reason]).toHaveLength(stats.dropped[reason]);
    },
  );
});
