import { startAgentTelemetry, type AgentTelemetry } from '../../src/setup/start-agent-telemetry';
import { createTestDatabase, type TestDatabase } from './database';

/**
 * A test file's database (created before its tests, closed after them) and its telemetry (started by `start`, shut
 * down after each test), through jest's hooks: the set-up files that start `startAgentTelemetry` repeat otherwise.
 * `start` writes to that database with nothing else running (no OTLP, no rollup job, no stale-run sweeper) unless
 * its options say otherwise.
 */
export function telemetryLifecycle(): {
  start: (options: Parameters<typeof startAgentTelemetry>[0]) => Promise<AgentTelemetry>;
  /** Shuts the current telemetry down now (idempotent; afterEach does it otherwise). */
  stop: () => Promise<void>;
} {
  let database: TestDatabase | undefined;
  let telemetry: AgentTelemetry | undefined;
  const stop = async () => {
    await telemetry?.shutdown();
    telemetry = undefined;
  };
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterEach(stop);
  afterAll(async () => {
    await database?.close();
  });
  return {
    start: async (options) =>
      (telemetry = await startAgentTelemetry({
        databaseUrl: database!.url,
        otlp: false,
        rollups: false,
        staleRuns: false,
        ...options,
      })),
    stop,
  };
}
