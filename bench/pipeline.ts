/**
 * Pipeline benchmark: what `enqueue` costs the application's hot path, and how many records per second the pipeline
 * moves to a writer that does nothing. Run alone with `npx ts-node --transpile-only bench/pipeline.ts`.
 */
import { performance } from 'node:perf_hooks';
import { BatchPipeline, type WriteResult } from '../src/pipeline';

export interface PipelineBenchResult {
  /** Enqueue with a constant sizeOf and room in the queue. */
  enqueueNsPerOp: number;
  enqueuePerSecond: number;
  /** Enqueue of a span-like record measured by the default sizeOf (bounded shallow walk). */
  enqueueDefaultSizeOfNsPerOp: number;
  /** Enqueue while the writer hangs and the queue is full: every call evicts the oldest record. */
  enqueueWhenFullNsPerOp: number;
  /** Enqueue → batch → no-op writer, end to end, with default options. */
  throughputRecordsPerSecond: number;
  /** Records dropped during the throughput run (should be 0, or the figure above is not a throughput). */
  throughputDropped: number;
}

interface BenchRecord {
  id: number;
  name: string;
  input: string;
  output: string;
  metadata: { issue: number; repository: string };
}

const noopWrite = (batch: unknown[]): Promise<WriteResult<never>> =>
  Promise.resolve({ written: batch.length, rejected: [] });
const hangingWrite = (): Promise<WriteResult<never>> => new Promise(() => undefined);
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function makeRecords(count: number): BenchRecord[] {
  const input = 'x'.repeat(1_024);
  const output = 'y'.repeat(512);
  return Array.from({ length: count }, (_, id) => ({
    id,
    name: 'web_search',
    input,
    output,
    metadata: { issue: id, repository: 'agentspan' },
  }));
}

const CHUNK = 1_000;
const ROUNDS = 5;

/**
 * Nanoseconds per enqueue, timing only the enqueue calls: records go in chunks, and between chunks the event loop
 * gets a turn (untimed) so the flusher drains the queue as it would in a running application. Median of ROUNDS.
 */
async function timeEnqueue(records: BenchRecord[], build: () => BatchPipeline<BenchRecord>): Promise<number> {
  const rounds: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const pipeline = build();
    let enqueueMs = 0;
    for (let offset = 0; offset < records.length; offset += CHUNK) {
      const end = Math.min(records.length, offset + CHUNK);
      const start = performance.now();
      for (let i = offset; i < end; i++) pipeline.enqueue(records[i]!);
      enqueueMs += performance.now() - start;
      await nextTurn();
    }
    await pipeline.shutdown(0);
    if (round > 0) rounds.push((enqueueMs * 1e6) / records.length); // round 0 warms the JIT up
  }
  return median(rounds);
}

async function timeThroughput(records: BenchRecord[]): Promise<{ perSecond: number; dropped: number }> {
  const rounds: number[] = [];
  let dropped = 0;
  for (let round = 0; round <= ROUNDS; round++) {
    const pipeline = new BatchPipeline<BenchRecord>({ write: noopWrite, sizeOf: () => 2_000 });
    const chunk = 10_000;
    const start = performance.now();
    for (let offset = 0; offset < records.length; offset += chunk) {
      const end = Math.min(records.length, offset + chunk);
      for (let i = offset; i < end; i++) pipeline.enqueue(records[i]!);
      await nextTurn(); // give the flusher a turn, as an application's event loop would
    }
    await pipeline.forceFlush();
    const elapsedMs = performance.now() - start;
    const stats = pipeline.stats();
    await pipeline.shutdown();
    dropped += stats.droppedTotal;
    if (round > 0) rounds.push((stats.written * 1_000) / elapsedMs);
  }
  return { perSecond: median(rounds), dropped };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function benchPipeline(recordCount = 200_000): Promise<PipelineBenchResult> {
  const records = makeRecords(recordCount);

  // Default options throughout (20k records, 64 MiB, batches of 2,000), except where a case needs otherwise.
  const enqueueNsPerOp = await timeEnqueue(
    records,
    () => new BatchPipeline<BenchRecord>({ write: noopWrite, sizeOf: () => 2_000 }),
  );
  const enqueueDefaultSizeOfNsPerOp = await timeEnqueue(
    records,
    () => new BatchPipeline<BenchRecord>({ write: noopWrite }),
  );
  const enqueueWhenFullNsPerOp = await timeEnqueue(
    records,
    () =>
      new BatchPipeline<BenchRecord>({
        write: hangingWrite,
        sizeOf: () => 2_000,
        maxQueueSize: 10_000,
        maxBatchSize: 1_000,
      }),
  );
  const throughput = await timeThroughput(records);

  return {
    enqueueNsPerOp,
    enqueuePerSecond: 1e9 / enqueueNsPerOp,
    enqueueDefaultSizeOfNsPerOp,
    enqueueWhenFullNsPerOp,
    throughputRecordsPerSecond: throughput.perSecond,
    throughputDropped: throughput.dropped,
  };
}

if (require.main === module) {
  benchPipeline().then(
    (result) => {
      const rows = Object.entries(result).map(([name, value]) => [name, Math.round(value).toLocaleString('en-US')]);
      console.table(Object.fromEntries(rows));
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
