/**
 * One application process of the Citus load test (test/system/citus-load.test.ts): startAgentTelemetry on
 * LOAD_DATABASE_URL (a Citus coordinator, `distributed: true`), then LOAD_RUNS runs of the decorated agents of
 * load-agents.ts, started evenly over LOAD_SPREAD_MS once the test writes a line on stdin.
 *
 * Prints one JSON line when telemetry is started (`{ "ready": true }`), and one when it is done: the runs' trace ids,
 * what flush() answered, the processor's stats after shutdown(), what its health showed meanwhile (queue depth, breaker
 * states) and the diag warnings and errors it logged. Then it returns, and the process must exit by itself.
 */
import 'reflect-metadata';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { createInterface } from 'node:readline';
import { startAgentTelemetry } from '../../src/setup/start-agent-telemetry';
import { LoadOrchestrator } from './load-agents';

export interface LoadAppReport {
  app: number;
  /** Trace id of each run, by run number; '' for a run that threw (none should). */
  traceIds: string[];
  /** Messages of the runs that threw. */
  thrown: string[];
  /** Milliseconds from the go signal to the last run's end. */
  ranMs: number;
  /** What flush() answered after the last run, and how long it took. */
  flush: { complete: boolean; pending: number; ms: number };
  shutdownMs: number;
  stats: ReturnType<Awaited<ReturnType<typeof startAgentTelemetry>>['stats']>;
  /** Largest queue depth seen, the breaker's opened count, and each change of breaker state (ms after go). */
  maxQueueDepth: number;
  breakerOpened: number;
  breakerStates: Array<{ atMs: number; state: string }>;
  /** Every second after go: records written so far, and the queue's depth. */
  progress: Array<{ atMs: number; written: number; queued: number }>;
  /** diag warnings and errors: how many, and the first ones. */
  diagnostics: number;
  firstDiagnostics: string[];
}

async function main(): Promise<void> {
  const app = Number(process.env.LOAD_APP);
  const runs = Number(process.env.LOAD_RUNS);
  const spreadMs = Number(process.env.LOAD_SPREAD_MS);
  const diagnostics: string[] = [];
  let diagnosticCount = 0;
  const keep = (message: string) => {
    diagnosticCount++;
    if (diagnostics.length < 40) diagnostics.push(message);
  };
  diag.setLogger(
    { error: keep, warn: keep, info: () => undefined, debug: () => undefined, verbose: () => undefined },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );

  const telemetry = await startAgentTelemetry({
    databaseUrl: process.env.LOAD_DATABASE_URL,
    distributed: true,
    serviceName: `load-app-${app}`,
    otlp: false,
    // The outage is on purpose; diag keeps what happened for the report.
    warnings: false,
  });
  process.stdout.write(`${JSON.stringify({ ready: true, app })}\n`);
  await new Promise<void>((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.once('line', () => {
      lines.close();
      resolve();
    });
  });

  const started = Date.now();
  let maxQueueDepth = 0;
  const breakerStates: LoadAppReport['breakerStates'] = [];
  const progress: LoadAppReport['progress'] = [];
  const sample = () => {
    const health = telemetry.health();
    maxQueueDepth = Math.max(maxQueueDepth, health.queue.depth);
    const state = health.breaker.state;
    if (breakerStates.at(-1)?.state !== state) breakerStates.push({ atMs: Date.now() - started, state });
    const atMs = Date.now() - started;
    if (atMs >= progress.length * 1000)
      progress.push({ atMs, written: health.counters.written, queued: health.queue.depth });
  };
  sample();
  const sampler = setInterval(sample, 100);

  const agent = new LoadOrchestrator();
  const traceIds: string[] = new Array(runs).fill('');
  const thrown: string[] = [];
  await Promise.all(
    Array.from({ length: runs }, async (_, run) => {
      await new Promise((resolve) => setTimeout(resolve, (run * spreadMs) / runs));
      try {
        traceIds[run] = await agent.handle(app, run);
      } catch (error) {
        thrown.push(String(error));
      }
    }),
  );
  const ranMs = Date.now() - started;

  // Everything recorded is to be written: the queue's bounds hold this volume, and the outage is short.
  const flushStarted = Date.now();
  const flushed = await telemetry.flush(120_000);
  const flush = { ...flushed, ms: Date.now() - flushStarted };
  clearInterval(sampler);
  sample();
  const breakerOpened = telemetry.health().breaker.opened;
  const shutdownStarted = Date.now();
  await telemetry.shutdown();
  const report: LoadAppReport = {
    app,
    traceIds,
    thrown,
    ranMs,
    flush,
    shutdownMs: Date.now() - shutdownStarted,
    stats: telemetry.stats(),
    maxQueueDepth,
    breakerOpened,
    breakerStates,
    progress,
    diagnostics: diagnosticCount,
    firstDiagnostics: diagnostics,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  // Nothing else: the process must exit on its own once telemetry is shut down.
}

main().catch((error: unknown) => {
  process.stderr.write(`load app failed: ${String(error)}\n`);
  process.exitCode = 2;
});
