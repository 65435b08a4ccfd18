import { availableParallelism } from 'node:os';
import type {
  AgentSpanProcessorHealth,
  AgentSpanProcessorOptions,
  AgentSpanProcessorStats,
  FlushResult,
} from '../export/types';
import { checkCollectorOptions, type CollectorOptions } from './collector-options';
import { startCollector, type Collector } from './collector-server';
import { WorkerIntake } from './worker-intake';
import { openWritePath } from './write-path';

/** `agentspan collect` as a library: the HTTP side (CollectorOptions), the database and the write path. */
export interface CollectorServiceOptions extends CollectorOptions {
  /** postgres://…; absent: the embedded database in `dataDir`. */
  databaseUrl?: string;
  /** The embedded database's directory (without databaseUrl). Default ./.agentspan. */
  dataDir?: string;
  /** Run agentspan's migrations at start, as an instrumented application does. Default true. */
  migrate?: boolean;
  /** The write path's queue, writer, breaker, spill and warnings: as for AgentSpanProcessor (each worker has its own). */
  processor?: Pick<
    AgentSpanProcessorOptions,
    'queue' | 'writer' | 'breaker' | 'spill' | 'shutdownTimeoutMs' | 'warnings'
  >;
  /**
   * Worker threads that decode, map and write (each with its own connections and queue), so that one collector uses
   * every core. Default: one per core, at most 4, with a databaseUrl; 0 (all in the HTTP thread) on the embedded
   * database, which takes one connection at a time.
   */
  workers?: number;
}

export interface CollectorService {
  readonly collector: Collector;
  /** The write path's counters (all workers' added up), as AgentSpanProcessor.stats(). */
  stats(): AgentSpanProcessorStats;
  health(): AgentSpanProcessorHealth;
  /** Waits until what was taken so far is written or counted as dropped, as AgentSpanProcessor.flush(). */
  flush(timeoutMs?: number): Promise<FlushResult>;
  /**
   * Stops taking requests, writes what the queues hold (or spills it, with a spill) within the processor's shutdown
   * time box, and closes the database. Idempotent; never rejects.
   */
  close(): Promise<void>;
}

const MAX_DEFAULT_WORKERS = 4;
const MAX_WORKERS = 64;

/**
 * Starts a collector: listening at once, the database opened (and migrated) on first use and retried while it is
 * unreachable — meanwhile requests get 503 with Retry-After once the breaker opens, and the spans already taken wait
 * in the queue. Stateless apart from that queue: several collectors may write to one database (the writer is
 * idempotent, so a span sent to two of them is stored once).
 */
export async function startCollectorService(options: CollectorServiceOptions = {}): Promise<CollectorService> {
  const { databaseUrl, dataDir, migrate, processor: processorOptions = {}, workers, ...http } = options;
  const checked = checkCollectorOptions(http);
  const intakeOptions = { queueWaitMs: checked.queueWaitMs, retryAfterSeconds: checked.retryAfterSeconds };
  const workerCount = workersOf(workers, databaseUrl);
  if (workerCount > 0) {
    const intake = await WorkerIntake.start(workerCount, {
      databaseUrl: databaseUrl!,
      migrate: migrate !== false,
      processor: processorOptions,
      intake: intakeOptions,
    });
    let collector: Collector;
    try {
      collector = await startCollector(intake, http);
    } catch (error) {
      await intake.close();
      throw error;
    }
    return service(collector, intake, () => intake.close());
  }

  const writePath = openWritePath({
    databaseUrl,
    dataDir,
    migrate: migrate !== false,
    processor: processorOptions,
    intake: intakeOptions,
  });
  let collector: Collector;
  try {
    collector = await startCollector(writePath.intake, http);
  } catch (error) {
    await writePath.close();
    throw error;
  }
  return service(collector, writePath.processor, () => writePath.close());
}

function workersOf(workers: number | undefined, databaseUrl: string | undefined): number {
  if (workers === undefined) return databaseUrl ? Math.min(availableParallelism(), MAX_DEFAULT_WORKERS) : 0;
  if (!Number.isInteger(workers) || workers < 0 || workers > MAX_WORKERS) {
    throw new TypeError(`agentspan: collector workers must be an integer from 0 to ${MAX_WORKERS}`);
  }
  if (workers > 0 && !databaseUrl) {
    throw new TypeError('agentspan: collector workers need a databaseUrl: the embedded database takes one connection');
  }
  return workers;
}

function service(
  collector: Collector,
  writePath: Pick<CollectorService, 'stats' | 'health' | 'flush'>,
  closeWritePath: () => Promise<void>,
): CollectorService {
  let closing: Promise<void> | undefined;
  return {
    collector,
    stats: () => writePath.stats(),
    health: () => writePath.health(),
    flush: (timeoutMs) => writePath.flush(timeoutMs),
    close() {
      closing ??= (async () => {
        await collector.close();
        await closeWritePath();
      })();
      return closing;
    },
  };
}
