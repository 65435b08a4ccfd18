import { BatchPipeline } from '../../src/pipeline';
import { PIPELINE_DEFAULTS, resolvePipelineOptions, timeoutOrDefault } from '../../src/pipeline/options';
import type { BatchPipelineOptions } from '../../src/pipeline';
import type { Rec } from './support';

const write = async () => ({ written: 0, rejected: [] });
const resolve = (overrides: Partial<BatchPipelineOptions<Rec>>) => resolvePipelineOptions<Rec>({ write, ...overrides });

describe('pipeline options', () => {
  it('fills in the documented defaults', () => {
    const options = resolvePipelineOptions<Rec>({ write });
    expect(options).toMatchObject({
      maxQueueSize: 20_000,
      maxQueueBytes: 64 * 1024 * 1024,
      maxBatchSize: 2_000,
      flushIntervalMs: 500,
      maxConcurrentWrites: 1,
      retry: { initialBackoffMs: 100, maxBackoffMs: 10_000, multiplier: 2, jitter: 'full' },
      onDrop: undefined,
    });
    expect(options.isTransientError(new Error('anything'))).toBe(true);
    expect(options.sizeOf({ id: 1, size: 1 })).toBeGreaterThan(0);
    expect(PIPELINE_DEFAULTS.maxQueueSize).toBe(20_000);
  });

  it('keeps what the caller gave', () => {
    const sizeOf = (r: Rec) => r.size;
    const options = resolve({ sizeOf, maxQueueSize: 10, maxBatchSize: 5, retry: { jitter: 'none', multiplier: 3 } });
    expect(options.sizeOf).toBe(sizeOf);
    expect(options).toMatchObject({
      maxQueueSize: 10,
      maxBatchSize: 5,
      retry: { jitter: 'none', multiplier: 3, initialBackoffMs: 100 },
    });
  });

  it('shrinks the default batch size to a smaller queue instead of failing', () => {
    expect(resolve({ maxQueueSize: 100 }).maxBatchSize).toBe(100);
  });

  it.each<[string, Partial<BatchPipelineOptions<Rec>>]>([
    ['write', { write: undefined as never }],
    ['write', { write: 'not a function' as never }],
    ['isTransientError', { isTransientError: true as never }],
    ['sizeOf', { sizeOf: 8 as never }],
    ['onDrop', { onDrop: {} as never }],
    ['maxQueueSize', { maxQueueSize: 0 }],
    ['maxQueueSize', { maxQueueSize: 1.5 }],
    ['maxQueueSize', { maxQueueSize: '100' as never }],
    ['maxQueueBytes', { maxQueueBytes: -1 }],
    ['maxQueueBytes', { maxQueueBytes: Number.POSITIVE_INFINITY }],
    ['maxBatchSize', { maxBatchSize: 0 }],
    ['maxBatchSize', { maxQueueSize: 10, maxBatchSize: 11 }],
    ['maxConcurrentWrites', { maxConcurrentWrites: 0 }],
    ['maxConcurrentWrites', { maxConcurrentWrites: 1.5 }],
    ['flushIntervalMs', { flushIntervalMs: 0 }],
    ['flushIntervalMs', { flushIntervalMs: Number.NaN }],
    ['flushIntervalMs', { flushIntervalMs: 2 ** 31 }],
    ['retry', { retry: 5 as never }],
    ['retry', { retry: null as never }],
    ['retry.initialBackoffMs', { retry: { initialBackoffMs: -1 } }],
    ['retry.maxBackoffMs', { retry: { maxBackoffMs: 50 } }],
    ['retry.maxBackoffMs', { retry: { maxBackoffMs: Number.POSITIVE_INFINITY } }],
    ['retry.multiplier', { retry: { multiplier: 0.5 } }],
    ['breaker', { breaker: true as never }],
    ['breaker.failureThreshold', { breaker: { failureThreshold: 1.5 } }],
    ['breaker.cooldownMs', { breaker: { cooldownMs: 0 } }],
    ['breaker.maxCooldownMs', { breaker: { cooldownMs: 100, maxCooldownMs: 50 } }],
    ['spill', { spill: {} as never }],
    ['retry.jitter', { retry: { jitter: 'half' as never } }],
  ])('throws a TypeError naming %s', (name, overrides) => {
    const attempt = () => resolve(overrides);
    expect(attempt).toThrow(TypeError);
    expect(attempt).toThrow(new RegExp(`\\b${name.replace('.', '\\.')}\\b`));
  });

  it('throws from the constructor, before any timer starts', () => {
    const setInterval = jest.spyOn(global, 'setInterval');
    try {
      expect(() => new BatchPipeline<Rec>({ write, maxQueueSize: -5 })).toThrow(
        /maxQueueSize must be a positive integer, got -5/,
      );
      expect(() => new BatchPipeline<Rec>(null as never)).toThrow(/options object/);
      expect(setInterval).not.toHaveBeenCalled();
    } finally {
      setInterval.mockRestore();
    }
  });

  it('turns unusable flush and shutdown time boxes into the default instead of throwing', () => {
    expect(timeoutOrDefault(undefined)).toBe(30_000);
    expect(timeoutOrDefault(Number.NaN)).toBe(30_000);
    expect(timeoutOrDefault(-1)).toBe(30_000);
    expect(timeoutOrDefault('5' as never)).toBe(30_000);
    expect(timeoutOrDefault(0)).toBe(0);
    expect(timeoutOrDefault(250)).toBe(250);
    expect(timeoutOrDefault(Number.POSITIVE_INFINITY)).toBe(2 ** 31 - 1);
  });
});
