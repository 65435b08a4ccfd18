import { AgentSpanProcessor } from '../export/agent-span-processor';
import type { AgentSpanProcessorOptions } from '../export/types';
import { openStore } from '../store/connection/open-store';
import { StoreConnection } from '../store/connection/store-connection';
import type { CollectorOptions } from './collector-options';
import { startCollector, type Collector } from './collector-server';

/** `agentspan collect` as a library: the HTTP side (CollectorOptions), the database and the write path. */
export interface CollectorServiceOptions extends CollectorOptions {
  /** postgres://…; absent: the embedded database in `dataDir`. */
  databaseUrl?: string;
  /** The embedded database's directory (without databaseUrl). Default ./.agentspan. */
  dataDir?: string;
  /** Run agentspan's migrations at start, as an instrumented application does. Default true. */
  migrate?: boolean;
  /** The write path's queue, writer, breaker, spill and warnings: as for AgentSpanProcessor. */
  processor?: Pick<
    AgentSpanProcessorOptions,
    'queue' | 'writer' | 'breaker' | 'spill' | 'shutdownTimeoutMs' | 'warnings'
  >;
}

export interface CollectorService {
  readonly collector: Collector;
  readonly processor: AgentSpanProcessor;
  /**
   * Stops taking requests, writes what the queue holds (or spills it, with a spill) within the processor's shutdown
   * time box, and closes the database. Idempotent; never rejects.
   */
  close(): Promise<void>;
}

/**
 * Starts a collector: listening at once, the database opened (and migrated) on first use and retried while it is
 * unreachable — meanwhile requests get 503 with Retry-After once the breaker opens, and the spans already taken wait
 * in the queue. Stateless apart from that queue: several collectors may write to one database (the writer is
 * idempotent, so a span sent to two of them is stored once).
 */
export async function startCollectorService(options: CollectorServiceOptions = {}): Promise<CollectorService> {
  const { databaseUrl, dataDir, migrate, processor: processorOptions, ...http } = options;
  const connection = new StoreConnection(() => openStore({ url: databaseUrl, dataDir }), {
    migrate: migrate !== false,
  });
  const processor = new AgentSpanProcessor({
    ...processorOptions,
    connection,
    // The collector writes no `running` rows (it sees spans once they end): it has no runs of its own to abandon.
    staleRuns: false,
  });
  let collector: Collector;
  try {
    collector = await startCollector(processor, http);
  } catch (error) {
    await processor.shutdown();
    await connection.close().catch(() => undefined);
    throw error;
  }
  // Opening the database now, not at the first request: a database that is down shows in /healthz from the start.
  connection.dataSource().catch(() => undefined);
  let closing: Promise<void> | undefined;
  return {
    collector,
    processor,
    close() {
      closing ??= (async () => {
        await collector.close();
        await processor.shutdown();
        await connection.close().catch(() => undefined);
      })();
      return closing;
    },
  };
}
