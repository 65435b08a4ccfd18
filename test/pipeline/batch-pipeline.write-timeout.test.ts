import { BatchPipeline, type WriteResult } from '../../src/pipeline';
import { ids, range, rec, sizeOfRec, type Rec } from './support';

describe('BatchPipeline writeTimeoutMs', () => {
  it('abandons an attempt that never settles, aborts its signal and retries the batch, whatever isTransientError says', async () => {
    const signals: AbortSignal[] = [];
    const written: Rec[] = [];
    let call = 0;
    const pipeline = new BatchPipeline<Rec>({
      write: (batch, signal) => {
        signals.push(signal);
        if (call++ === 0) return new Promise<WriteResult<Rec>>(() => undefined); // hangs forever
        written.push(...batch);
        return Promise.resolve({ written: batch.length, rejected: [] });
      },
      isTransientError: () => false,
      sizeOf: sizeOfRec,
      writeTimeoutMs: 50,
      retry: { initialBackoffMs: 1, maxBackoffMs: 5 },
    });
    for (const id of range(0, 10)) pipeline.enqueue(rec(id));

    expect(await pipeline.forceFlush(5_000)).toEqual({ complete: true, pending: 0 });
    expect(ids(written)).toEqual(range(0, 10));
    expect(signals).toHaveLength(2);
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[1]!.aborted).toBe(false);
    const stats = pipeline.stats();
    expect(stats).toMatchObject({ written: 10, retried: 1, droppedTotal: 0 });
    expect(stats.lastError).toMatch(/longer than 50 ms/);
    await pipeline.shutdown(1_000);
  });

  it('sets no deadline by default, and refuses a deadline that is not a number of milliseconds', () => {
    const write = async (batch: Rec[]) => ({ written: batch.length, rejected: [] });
    expect(() => new BatchPipeline<Rec>({ write, writeTimeoutMs: -1 })).toThrow(/writeTimeoutMs/);
    expect(() => new BatchPipeline<Rec>({ write, writeTimeoutMs: Number.NaN })).toThrow(/writeTimeoutMs/);
    void new BatchPipeline<Rec>({ write }).shutdown(100);
  });
});
