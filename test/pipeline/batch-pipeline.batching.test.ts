import { context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { isTracingSuppressed } from '@opentelemetry/core';
import { advance, expectInvariant, FakeWriter, harness, ids, range, rec, useFakeClock } from './support';

describe('BatchPipeline batching', () => {
  beforeEach(useFakeClock);
  afterEach(() => jest.useRealTimers());

  it('writes a batch as soon as maxBatchSize records are queued, but never inside enqueue', async () => {
    const { pipeline, writer } = harness({ maxBatchSize: 3, flushIntervalMs: 60_000 });
    pipeline.enqueue(rec(0));
    pipeline.enqueue(rec(1));
    await advance(0);
    expect(writer.calls).toHaveLength(0);

    pipeline.enqueue(rec(2));
    expect(writer.calls).toHaveLength(0); // not synchronously
    await Promise.resolve();
    expect(writer.calls).toHaveLength(0); // not in a microtask of the caller's turn either
    await advance(0);
    expect(writer.calls.map(ids)).toEqual([[0, 1, 2]]);
    expect(pipeline.stats()).toMatchObject({ written: 3, queueDepth: 0, inFlight: 0 });
  });

  it('writes whatever is queued every flushIntervalMs', async () => {
    const { pipeline, writer } = harness({ maxBatchSize: 100, flushIntervalMs: 500 });
    range(0, 5).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(499);
    expect(writer.calls).toHaveLength(0);
    await advance(1);
    expect(writer.calls.map(ids)).toEqual([[0, 1, 2, 3, 4]]);

    pipeline.enqueue(rec(5));
    await advance(500);
    expect(writer.calls.map(ids)).toEqual([[0, 1, 2, 3, 4], [5]]);
  });

  it('does not call the writer when there is nothing to write', async () => {
    const { writer } = harness({ flushIntervalMs: 100 });
    await advance(1_000);
    expect(writer.calls).toHaveLength(0);
  });

  it('splits a backlog into batches of at most maxBatchSize, in order, one write at a time', async () => {
    let active = 0;
    let maxActive = 0;
    const writer = new FakeWriter().behave(async (batch) => {
      maxActive = Math.max(maxActive, ++active);
      await new Promise((resolve) => setTimeout(resolve, 50));
      active--;
      return { written: batch.length, rejected: [] };
    });
    const { pipeline } = harness({ maxBatchSize: 4, flushIntervalMs: 60_000 }, writer);
    range(0, 10).forEach((id) => pipeline.enqueue(rec(id)));
    const flushed = pipeline.forceFlush();
    await advance(1_000);
    await expect(flushed).resolves.toEqual({ complete: true, pending: 0 });
    expect(writer.calls.map(ids)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(maxActive).toBe(1);
    expectInvariant(pipeline.stats());
  });

  it('keeps writing full batches while records keep arriving faster than the writer', async () => {
    const writer = new FakeWriter().behave(async (batch) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      return { written: batch.length, rejected: [] };
    });
    const { pipeline } = harness({ maxQueueSize: 1_000, maxBatchSize: 5, flushIntervalMs: 60_000 }, writer);
    for (let id = 0; id < 50; id++) {
      pipeline.enqueue(rec(id));
      await advance(1);
    }
    await advance(200);
    expect(writer.written.map((r) => r.id)).toEqual(range(0, 50));
    expect(writer.calls.every((batch) => batch.length <= 5)).toBe(true);
  });

  it('hands the writer a fresh copy of the batch on every attempt', async () => {
    const seen: number[][] = [];
    const writer = new FakeWriter().behave((batch, call) => {
      seen.push(ids(batch));
      batch.length = 0; // a writer that consumes its input
      return call === 0 ? Promise.reject(new Error('blip')) : { written: 3, rejected: [] };
    });
    const { pipeline } = harness({ maxBatchSize: 3 }, writer);
    range(0, 3).forEach((id) => pipeline.enqueue(rec(id)));
    await advance(0);
    await advance(100);
    expect(seen).toEqual([
      [0, 1, 2],
      [0, 1, 2],
    ]);
    expect(pipeline.stats()).toMatchObject({ written: 3, droppedTotal: 0 });
  });
});

describe('BatchPipeline write context', () => {
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => context.setGlobalContextManager(manager.enable()));
  afterAll(() => {
    context.disable();
  });

  it('writes with tracing suppressed and outside whatever context the record was enqueued in', async () => {
    const userKey = createContextKey('user span');
    const seen: Array<{ suppressed: boolean; userValue: unknown }> = [];
    const writer = new FakeWriter().behave((batch) => {
      seen.push({ suppressed: isTracingSuppressed(context.active()), userValue: context.active().getValue(userKey) });
      return { written: batch.length, rejected: [] };
    });
    const { pipeline } = harness({ maxBatchSize: 2, flushIntervalMs: 10 }, writer);
    context.with(ROOT_CONTEXT.setValue(userKey, 'the caller'), () => {
      pipeline.enqueue(rec(0));
      pipeline.enqueue(rec(1)); // kick path
      pipeline.enqueue(rec(2)); // interval path
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await pipeline.shutdown();
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.every((s) => s.suppressed && s.userValue === undefined)).toBe(true);
  });
});
