/**
 * Run as a child process by exit-without-shutdown.test.ts: an application that starts agentspan, runs its agents and
 * simply returns, never calling shutdown(). With AGENTSPAN_TEST_DATABASE_URL it stores runs there, else in an
 * embedded database in AGENTSPAN_TEST_DATA_DIR. The process must exit by itself, with its runs stored.
 * Prints one JSON line: what the application saw before it returned.
 */
import 'reflect-metadata';
import { Agent, Tool, Trace } from '../../../src/instrument';
import { startAgentTelemetry } from '../../../src/setup/start-agent-telemetry';

@Agent({ name: 'LeftWithoutShutdown' })
class LeftWithoutShutdown {
  @Trace() async run(i: number) {
    return this.step(i);
  }
  @Tool() async step(i: number) {
    return i * 2;
  }
}

async function main(): Promise<void> {
  const databaseUrl = process.env.AGENTSPAN_TEST_DATABASE_URL;
  const telemetry = await startAgentTelemetry({
    ...(databaseUrl ? { databaseUrl } : { embeddedDataDir: process.env.AGENTSPAN_TEST_DATA_DIR }),
    otlp: false,
    // With AGENTSPAN_TEST_UI the dashboard too, which must not hold the process either.
    ...(process.env.AGENTSPAN_TEST_UI ? { ui: { port: 0 } } : {}),
  });
  if (process.env.AGENTSPAN_TEST_UI) await fetch(new URL('/api/runs', telemetry.ui!.url));
  for (let i = 0; i < 3; i++) await new LeftWithoutShutdown().run(i);
  const stats = telemetry.stats();
  process.stdout.write(
    `${JSON.stringify({ storage: telemetry.storage, recorded: stats.recorded, dashboard: telemetry.ui !== undefined })}\n`,
  );
  // No shutdown(): the process ends when its event loop is empty.
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
  process.exitCode = 1;
});
