import { AgentSpanProcessor } from '../export/agent-span-processor';
import { openStore } from '../store/connection/open-store';
import { StoreConnection } from '../store/connection/store-connection';
import type { IntakeWorkerInit } from './intake-messages';
import { ReceiverIntake } from './trace-intake';

/** Where a write path writes: a URL, else (in the collector's own thread only) the embedded database in `dataDir`. */
export interface WritePathOptions extends Omit<IntakeWorkerInit, 'databaseUrl'> {
  databaseUrl?: string;
  dataDir?: string;
}

/** One write path of the collector: its database connection, an AgentSpanProcessor, and the intake in front. */
export interface WritePath {
  readonly processor: AgentSpanProcessor;
  readonly intake: ReceiverIntake;
  /** Writes what the queue holds (or spills it) within the shutdown time box, then closes the database. */
  close(): Promise<void>;
}

/**
 * Opens a write path, in the collector's thread or in one of its workers: the database opened (and migrated) at once
 * in the background and retried while it is unreachable, so a database that is down shows in /healthz from the start.
 */
export function openWritePath(options: WritePathOptions): WritePath {
  const connection = new StoreConnection(() => openStore({ url: options.databaseUrl, dataDir: options.dataDir }), {
    migrate: options.migrate,
  });
  const processor = new AgentSpanProcessor({
    ...options.processor,
    connection,
    // The collector writes no `running` rows (it sees spans once they end): it has no runs of its own to abandon.
    staleRuns: false,
  });
  connection.dataSource().catch(() => undefined);
  return {
    processor,
    intake: new ReceiverIntake(processor, options.intake),
    async close() {
      await processor.shutdown();
      await connection.close().catch(() => undefined);
    },
  };
}
