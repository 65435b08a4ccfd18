import type { MeterProvider } from '@opentelemetry/api';
import {
  checkObject,
  describeValue,
  knownKeys,
  milliseconds,
  optionalBoolean,
  positiveNumber,
  type OptionKeys,
} from '../internal/check-option';
import type { CircuitBreakerOptions } from '../pipeline/circuit-breaker';
import type { RetryOptions } from '../pipeline/types';
import type { SpillOptions } from '../pipeline/spill/types';
import type { SpanWriterOptions } from '../store/write/span-writer';
import type { BackoffPolicy } from '../pipeline/backoff';
import type { ResolvedBreakerOptions } from '../pipeline/circuit-breaker';
import { resolveBreakerOptions, resolvePipelineOptions } from '../pipeline/options';
import { resolveSpillOptions } from '../pipeline/spill/options';
import type { ResolvedSpillOptions } from '../pipeline/spill/types';
import type { AgentSpanProcessorOptions, QueueOptions, StaleRunOptions } from './types';

export const STALE_RUN_DEFAULTS = {
  abandonAfterMs: 3_600_000,
  checkIntervalMs: 60_000,
} as const satisfies Required<StaleRunOptions>;

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/** The processor's queue, where it differs from the pipeline's defaults. */
export const PROCESSOR_QUEUE_DEFAULTS = {
  // Bigger batches than the pipeline's defaults: the bulk writer is several times faster per span at 5,000.
  maxQueueSize: 50_000,
  maxBatchSize: 5_000,
  // The next batch is mapped while the previous one is in the database, so Node and PostgreSQL work at once.
  // Order across batches does not matter to the writer: a running record never overwrites a final one, and
  // totals are recomputed under per-trace locks after whichever batch commits last.
  maxConcurrentWrites: 2,
  // Our own connections time out every statement; an application's DataSource may have no timeouts at all, and a
  // database that stops answering must not hold a batch forever. The writer is idempotent, so a retry is safe.
  writeTimeoutMs: 120_000,
} as const satisfies QueueOptions;

// Every key of each options type, nested objects included: a misspelt key is refused in JavaScript as in TypeScript.
const PROCESSOR_KEYS = {
  dataSource: true,
  connection: true,
  queue: true,
  writer: true,
  shutdownTimeoutMs: true,
  breaker: true,
  spill: true,
  staleRuns: true,
  meterProvider: true,
  warnings: true,
} as const satisfies OptionKeys<AgentSpanProcessorOptions>;
const QUEUE_KEYS = {
  maxQueueSize: true,
  maxQueueBytes: true,
  maxBatchSize: true,
  flushIntervalMs: true,
  maxConcurrentWrites: true,
  writeTimeoutMs: true,
  retry: true,
} as const satisfies OptionKeys<QueueOptions>;
const RETRY_KEYS = {
  initialBackoffMs: true,
  maxBackoffMs: true,
  multiplier: true,
  jitter: true,
} as const satisfies OptionKeys<RetryOptions>;
const WRITER_KEYS = {
  chunkSize: true,
  liveTotals: true,
  concurrency: true,
  loadMethod: true,
  statementTimeoutMs: true,
  runChanges: true,
  notify: true,
  runChangesRetentionMs: true,
} as const satisfies OptionKeys<SpanWriterOptions>;
const BREAKER_KEYS = {
  failureThreshold: true,
  cooldownMs: true,
  maxCooldownMs: true,
} as const satisfies OptionKeys<CircuitBreakerOptions>;
const SPILL_KEYS = {
  directory: true,
  maxBytes: true,
  segmentBytes: true,
  fsync: true,
  fsyncIntervalMs: true,
  rescanIntervalMs: true,
} as const satisfies OptionKeys<SpillOptions>;
const STALE_RUN_KEYS = { abandonAfterMs: true, checkIntervalMs: true } as const satisfies OptionKeys<StaleRunOptions>;

export interface ResolvedReliabilityOptions {
  readonly breaker: ResolvedBreakerOptions | undefined;
  readonly spill: ResolvedSpillOptions | undefined;
  readonly staleRuns: Required<StaleRunOptions> | undefined;
  readonly meterProvider: MeterProvider | undefined;
  /** Print the first failure of each kind once as a process warning. */
  readonly warnings: boolean;
}

export interface ResolvedProcessorOptions extends ResolvedReliabilityOptions {
  readonly shutdownTimeoutMs: number;
  /** The processor's queue defaults, then the application's queue options. */
  readonly queue: QueueOptions;
  /** The retry policy of the queue, which the spill's replay follows too. */
  readonly retry: BackoffPolicy;
}

/**
 * Checks every option of the processor that is not about its store, and applies the defaults. Pure: it runs before
 * the processor starts anything (a timer, the spill directory), so a mistake costs nothing but the TypeError naming it.
 */
export function resolveProcessorOptions(options: AgentSpanProcessorOptions): ResolvedProcessorOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('agentspan: AgentSpanProcessor expects an options object with a dataSource');
  }
  checkKeys(options);
  const shutdownTimeoutMs = positiveNumber(
    'AgentSpanProcessor option shutdownTimeoutMs',
    options.shutdownTimeoutMs,
    DEFAULT_SHUTDOWN_TIMEOUT_MS,
  );
  const reliability = resolveReliabilityOptions(options);
  const queue: QueueOptions = { ...PROCESSOR_QUEUE_DEFAULTS, ...options.queue };
  // The pipeline checks the queue options again when it is built; here they are checked before the spill is opened.
  const { retry } = resolvePipelineOptions({ ...queue, write: neverCalled });
  return { ...reliability, shutdownTimeoutMs, queue, retry };
}

/**
 * Checks the processor's reliability options (breaker, spill, staleRuns, meterProvider) and applies their defaults.
 */
export function resolveReliabilityOptions(options: AgentSpanProcessorOptions): ResolvedReliabilityOptions {
  const breaker =
    options.breaker === false ? undefined : resolveBreakerOptions(options.breaker ?? {}, 'option breaker');
  const spill = resolveSpillOptions(options.spill, 'option spill');
  const staleRuns = resolveStaleRuns(options.staleRuns);
  const warnings = optionalBoolean('AgentSpanProcessor option warnings', options.warnings, true);
  return { breaker, spill, staleRuns, meterProvider: resolveMeterProvider(options.meterProvider), warnings };
}

/** Unknown keys, at the top and in the nested option objects (their values are checked where they are resolved). */
function checkKeys(options: AgentSpanProcessorOptions): void {
  knownKeys('AgentSpanProcessor', options, PROCESSOR_KEYS);
  const nested: Array<[keyof AgentSpanProcessorOptions, Readonly<Record<string, true>>]> = [
    ['queue', QUEUE_KEYS],
    ['writer', WRITER_KEYS],
    ['breaker', BREAKER_KEYS],
    ['spill', SPILL_KEYS],
    ['staleRuns', STALE_RUN_KEYS],
  ];
  for (const [name, keys] of nested) {
    const value: unknown = options[name];
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    knownKeys('AgentSpanProcessor', value, keys, `${name}.`);
  }
  const retry: unknown = options.queue?.retry;
  if (retry !== undefined) {
    checkObject('AgentSpanProcessor option queue.retry', retry);
    knownKeys('AgentSpanProcessor', retry as object, RETRY_KEYS, 'queue.retry.');
  }
}

function resolveStaleRuns(staleRuns: StaleRunOptions | false | undefined): Required<StaleRunOptions> | undefined {
  if (staleRuns === false) return undefined;
  if (staleRuns !== undefined && (staleRuns === null || typeof staleRuns !== 'object' || Array.isArray(staleRuns))) {
    throw new TypeError(`agentspan: option staleRuns must be an object or false, got ${describeValue(staleRuns)}`);
  }
  return {
    abandonAfterMs: milliseconds(
      'option staleRuns.abandonAfterMs',
      staleRuns?.abandonAfterMs,
      STALE_RUN_DEFAULTS.abandonAfterMs,
      1,
    ),
    checkIntervalMs: milliseconds(
      'option staleRuns.checkIntervalMs',
      staleRuns?.checkIntervalMs,
      STALE_RUN_DEFAULTS.checkIntervalMs,
      1,
    ),
  };
}

function resolveMeterProvider(provider: unknown): MeterProvider | undefined {
  if (provider === undefined) return undefined;
  if (provider === null || typeof (provider as MeterProvider).getMeter !== 'function') {
    throw new TypeError(
      `agentspan: option meterProvider must be an OpenTelemetry MeterProvider, got ${describeValue(provider)}`,
    );
  }
  return provider as MeterProvider;
}

/** Stands in for the writer while only the queue options are checked. */
async function neverCalled(): Promise<never> {
  throw new Error('agentspan: not a writer');
}
