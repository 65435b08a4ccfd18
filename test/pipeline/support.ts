import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import {
  BatchPipeline,
  type BatchPipelineOptions,
  type DropReason,
  type PipelineStats,
  type WriteResult,
} from '../../src/pipeline';

export interface Rec {
  id: number;
  /** Bytes this record claims to hold, read by `sizeOfRec`. */
  size: number;
}

export const rec = (id: number, size = 10): Rec => ({ id, size });
export const sizeOfRec = (r: Rec): number => r.size;
export const ids = (records: readonly Rec[]): number[] => records.map((r) => r.id);
export const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

type Behaviour = (batch: Rec[], call: number) => Promise<WriteResult<Rec>> | WriteResult<Rec>;

/**
 * A writer whose behaviour the test switches at will. It records every batch it was called with (`calls`) and every
 * record it accepted (`written`), so tests can check both what was attempted and what landed.
 */
export class FakeWriter {
  readonly calls: Rec[][] = [];
  readonly written: Rec[] = [];
  private behaviour: Behaviour = () => ({ written: 0, rejected: [] });

  readonly write = async (batch: Rec[]): Promise<WriteResult<Rec>> => {
    const call = this.calls.length;
    this.calls.push(batch);
    const result = await this.behaviour(batch, call);
    const rejected = new Set(result.rejected.map((r) => r.record));
    this.written.push(...batch.filter((r) => !rejected.has(r)));
    return result;
  };

  succeed(): this {
    this.behaviour = (batch) => ({ written: batch.length, rejected: [] });
    return this;
  }

  fail(error: unknown = new Error('database is down')): this {
    this.behaviour = () => Promise.reject(error);
    return this;
  }

  /** Never settles, like a write stuck on a dead connection. */
  hang(): this {
    this.behaviour = () => new Promise<never>(() => undefined);
    return this;
  }

  behave(behaviour: Behaviour): this {
    this.behaviour = behaviour;
    return this;
  }
}

export function expectInvariant(stats: PipelineStats): void {
  const droppedSum = Object.values(stats.dropped).reduce((a, b) => a + b, 0);
  expect(stats.droppedTotal).toBe(droppedSum);
  expect(stats.enqueued).toBe(stats.written + stats.droppedTotal + stats.queueDepth + stats.inFlight + stats.spilled);
}

/** Lets timers and promise chains run under jest's modern fake timers. */
export async function advance(ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
}

export function useFakeClock(): void {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
}

export interface DiagCapture {
  /** [level, message] for every diag line, minus the API's own registration notice. */
  readonly lines: Array<[string, string]>;
  restore(): void;
}

export function captureDiag(): DiagCapture {
  const lines: Array<[string, string]> = [];
  const record = (level: string) => (message: string) => {
    if (!message.startsWith('@opentelemetry/api')) lines.push([level, message]);
  };
  const logger: DiagLogger = {
    error: record('error'),
    warn: record('warn'),
    info: record('info'),
    debug: record('debug'),
    verbose: record('verbose'),
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
  return { lines, restore: () => diag.disable() };
}

export interface Harness {
  pipeline: BatchPipeline<Rec>;
  writer: FakeWriter;
  /** Records passed to onDrop, by reason, in the order they were dropped. */
  drops: Record<DropReason, Rec[]>;
}

/** A pipeline on a FakeWriter with small, deterministic settings (no jitter, sizes read from the records). */
export function harness(
  overrides: Partial<BatchPipelineOptions<Rec>> = {},
  writer = new FakeWriter().succeed(),
): Harness {
  const drops: Record<DropReason, Rec[]> = {
    queue_full: [],
    rejected: [],
    write_failed: [],
    shutdown: [],
    invalid: [],
    spill_full: [],
    spill_failed: [],
    spill_corrupt: [],
  };
  const pipeline = new BatchPipeline<Rec>({
    write: writer.write,
    sizeOf: sizeOfRec,
    maxQueueSize: 100,
    maxBatchSize: 10,
    flushIntervalMs: 1_000,
    ...overrides,
    retry: { initialBackoffMs: 100, maxBackoffMs: 1_000, multiplier: 2, jitter: 'none', ...overrides.retry },
    onDrop: (items, reason) => {
      drops[reason].push(...items);
      overrides.onDrop?.(items, reason);
    },
  });
  return { pipeline, writer, drops };
}

/** Tracks whether a promise has settled, without awaiting it. */
export function watch<V>(promise: Promise<V>): { settled: () => boolean; value: () => V | undefined } {
  let settled = false;
  let value: V | undefined;
  promise.then(
    (v) => {
      settled = true;
      value = v;
    },
    () => {
      settled = true;
    },
  );
  return { settled: () => settled, value: () => value };
}
