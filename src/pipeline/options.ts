import {
  checkObject,
  describeValue,
  MAX_TIMER_MS,
  milliseconds,
  optionalFunction,
  positiveInteger,
  requiredFunction,
} from '../internal/check-option';
import type { BackoffPolicy } from './backoff';
import type { CircuitBreakerOptions, ResolvedBreakerOptions } from './circuit-breaker';
import { estimateSize } from './size-estimate';
import type { BatchPipelineOptions, DropReason, SpillSink, WriteResult } from './types';

export const PIPELINE_DEFAULTS = {
  maxQueueSize: 20_000,
  maxQueueBytes: 64 * 1024 * 1024,
  maxBatchSize: 2_000,
  flushIntervalMs: 500,
  maxConcurrentWrites: 1,
  writeTimeoutMs: 0,
  retry: { initialBackoffMs: 100, maxBackoffMs: 10_000, multiplier: 2, jitter: 'full' },
} as const satisfies Omit<
  Required<BatchPipelineOptions<unknown>>,
  'write' | 'isTransientError' | 'sizeOf' | 'onDrop' | 'breaker' | 'spill'
>;

/** The breaker's defaults, when one is asked for (`breaker: {}`). */
export const BREAKER_DEFAULTS = {
  failureThreshold: 5,
  cooldownMs: 1_000,
  maxCooldownMs: 10_000,
} as const satisfies Required<CircuitBreakerOptions>;

export const DEFAULT_TIMEOUT_MS = 30_000;

const PREFIX = 'pipeline option';

export interface ResolvedPipelineOptions<T> {
  readonly write: (batch: T[], signal: AbortSignal) => Promise<WriteResult<T>>;
  readonly isTransientError: (err: unknown) => boolean;
  readonly sizeOf: (item: T) => number;
  readonly maxQueueSize: number;
  readonly maxQueueBytes: number;
  readonly maxBatchSize: number;
  readonly flushIntervalMs: number;
  readonly maxConcurrentWrites: number;
  /** 0: no deadline. */
  readonly writeTimeoutMs: number;
  readonly retry: BackoffPolicy;
  readonly onDrop: ((items: T[], reason: DropReason) => void) | undefined;
  readonly breaker: ResolvedBreakerOptions | undefined;
  readonly spill: SpillSink<T> | undefined;
}

/**
 * Applies defaults and checks every option, throwing a TypeError that names the bad one: configuration mistakes
 * surface when the pipeline is built, not as silent misbehaviour under load.
 */
export function resolvePipelineOptions<T>(options: BatchPipelineOptions<T>): ResolvedPipelineOptions<T> {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`agentspan: BatchPipeline expects an options object, got ${describeValue(options)}`);
  }
  const write = requiredFunction(`${PREFIX} write`, options.write);
  const isTransientError =
    optionalFunction(`${PREFIX} isTransientError`, options.isTransientError) ?? everythingIsTransient;
  const sizeOf = optionalFunction(`${PREFIX} sizeOf`, options.sizeOf) ?? estimateSize;
  const onDrop = optionalFunction(`${PREFIX} onDrop`, options.onDrop);

  const maxQueueSize = positiveInteger(`${PREFIX} maxQueueSize`, options.maxQueueSize, PIPELINE_DEFAULTS.maxQueueSize);
  const maxQueueBytes = positiveInteger(
    `${PREFIX} maxQueueBytes`,
    options.maxQueueBytes,
    PIPELINE_DEFAULTS.maxQueueBytes,
  );
  let maxBatchSize = positiveInteger(`${PREFIX} maxBatchSize`, options.maxBatchSize, PIPELINE_DEFAULTS.maxBatchSize);
  if (maxBatchSize > maxQueueSize) {
    if (options.maxBatchSize !== undefined) {
      throw new TypeError(
        `agentspan: ${PREFIX} maxBatchSize (${maxBatchSize}) must not exceed maxQueueSize (${maxQueueSize})`,
      );
    }
    // Only the default is too big for a small queue the caller chose: follow the queue rather than fail.
    maxBatchSize = maxQueueSize;
  }
  const flushIntervalMs = milliseconds(
    `${PREFIX} flushIntervalMs`,
    options.flushIntervalMs,
    PIPELINE_DEFAULTS.flushIntervalMs,
    1,
  );
  const maxConcurrentWrites = positiveInteger(
    `${PREFIX} maxConcurrentWrites`,
    options.maxConcurrentWrites,
    PIPELINE_DEFAULTS.maxConcurrentWrites,
  );
  const writeTimeoutMs = milliseconds(
    `${PREFIX} writeTimeoutMs`,
    options.writeTimeoutMs,
    PIPELINE_DEFAULTS.writeTimeoutMs,
    0,
  );

  return {
    write,
    isTransientError,
    sizeOf,
    onDrop,
    maxQueueSize,
    maxQueueBytes,
    maxBatchSize,
    flushIntervalMs,
    maxConcurrentWrites,
    writeTimeoutMs,
    retry: resolveRetry(options.retry),
    breaker:
      options.breaker === undefined || options.breaker === false ? undefined : resolveBreakerOptions(options.breaker),
    spill: resolveSpill(options.spill),
  };
}

/** Applies the breaker's defaults and checks its options; the TypeError names the bad one. */
export function resolveBreakerOptions(
  breaker: CircuitBreakerOptions,
  prefix = `${PREFIX} breaker`,
): ResolvedBreakerOptions {
  if (breaker === null || typeof breaker !== 'object' || Array.isArray(breaker)) {
    throw new TypeError(`agentspan: ${prefix} must be an object or false, got ${describeValue(breaker)}`);
  }
  // `?? undefined`: a null threshold meant the default before the shared checkers, and still does.
  const failureThreshold = positiveInteger(
    `${prefix}.failureThreshold`,
    breaker.failureThreshold ?? undefined,
    BREAKER_DEFAULTS.failureThreshold,
  );
  const cooldownMs = milliseconds(`${prefix}.cooldownMs`, breaker.cooldownMs, BREAKER_DEFAULTS.cooldownMs, 1);
  const maxCooldownMs = milliseconds(
    `${prefix}.maxCooldownMs`,
    breaker.maxCooldownMs,
    Math.max(BREAKER_DEFAULTS.maxCooldownMs, cooldownMs),
    1,
  );
  if (maxCooldownMs < cooldownMs) {
    throw new TypeError(
      `agentspan: ${prefix}.maxCooldownMs (${maxCooldownMs}) must not be below cooldownMs (${cooldownMs})`,
    );
  }
  return { failureThreshold, cooldownMs, maxCooldownMs };
}

function resolveSpill<T>(spill: SpillSink<T> | undefined): SpillSink<T> | undefined {
  if (spill === undefined) return undefined;
  const usable = spill !== null && typeof spill === 'object' && typeof spill.store === 'function';
  if (!usable || typeof spill.storeSync !== 'function') {
    throw new TypeError(
      `agentspan: ${PREFIX} spill must be an object with store() and storeSync(), got ${describeValue(spill)}`,
    );
  }
  return spill;
}

/** A flush or shutdown time box: anything that is not a usable delay falls back to the default rather than throw. */
export function timeoutOrDefault(value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) return DEFAULT_TIMEOUT_MS;
  return Math.min(value, MAX_TIMER_MS);
}

function resolveRetry(retry: BatchPipelineOptions<unknown>['retry']): BackoffPolicy {
  if (retry !== undefined) checkObject(`${PREFIX} retry`, retry);
  const defaults = PIPELINE_DEFAULTS.retry;
  const initialBackoffMs = milliseconds(
    `${PREFIX} retry.initialBackoffMs`,
    retry?.initialBackoffMs,
    defaults.initialBackoffMs,
    0,
  );
  const maxBackoffMs = milliseconds(`${PREFIX} retry.maxBackoffMs`, retry?.maxBackoffMs, defaults.maxBackoffMs, 0);
  if (maxBackoffMs < initialBackoffMs) {
    throw new TypeError(
      `agentspan: ${PREFIX} retry.maxBackoffMs (${maxBackoffMs}) must not be below retry.initialBackoffMs (${initialBackoffMs})`,
    );
  }
  const multiplier = retry?.multiplier ?? defaults.multiplier;
  if (typeof multiplier !== 'number' || !Number.isFinite(multiplier) || multiplier < 1) {
    throw new TypeError(
      `agentspan: ${PREFIX} retry.multiplier must be a finite number ≥ 1, got ${describeValue(multiplier)}`,
    );
  }
  const jitter = retry?.jitter ?? defaults.jitter;
  if (jitter !== 'full' && jitter !== 'none') {
    throw new TypeError(`agentspan: ${PREFIX} retry.jitter must be 'full' or 'none', got ${describeValue(jitter)}`);
  }
  return { initialBackoffMs, maxBackoffMs, multiplier, jitter };
}

function everythingIsTransient(): boolean {
  return true;
}
