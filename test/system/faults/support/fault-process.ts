/**
 * Run as a child process by process-exit.test.ts, under `--unhandled-rejections=strict` (through NODE_OPTIONS): one
 * unhandled rejection or uncaught error anywhere — ours, pg's, the pool's — and it dies with a non-zero code.
 *
 *   scenario  an application with agentspan set up by startAgentTelemetry, its database behind a FaultProxy in this
 *             process; concurrent agents run through a cut, resets of busy and idle connections, a spell of `reset`
 *             mode and finally a hung database, during which shutdown() is called. Prints one JSON line with what
 *             it saw, then simply returns: the process must exit on its own.
 *   probe     rejects a promise nobody handles, to show the flag is in force (the process must die).
 */
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { startAgentTelemetry } from '../../../../src/setup/start-agent-telemetry';
import { FaultProxy } from '../../../support/fault-proxy';
import { range, runTasks, type Outcome } from './workload';

async function scenario(databaseUrl: string): Promise<void> {
  const warnings: string[] = [];
  diag.setLogger(
    {
      error: (message) => warnings.push(message),
      warn: (message) => warnings.push(message),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  const proxy = await FaultProxy.forUrl(databaseUrl);
  const tasks = range(0, 1_200);
  // The same calls without telemetry: what every call must return.
  const expected = await runTasks(tasks, 20);

  const telemetry = await startAgentTelemetry({
    databaseUrl: proxy.urlFor(databaseUrl),
    otlp: false,
    queue: { flushIntervalMs: 50, maxBatchSize: 500, retry: { initialBackoffMs: 20, maxBackoffMs: 300 } },
    shutdownTimeoutMs: 3_000,
    // The faults are on purpose: their warnings would fill the stderr this test expects empty.
    warnings: false,
  });
  const outcomes: Outcome[] = [];
  const phase = async (from: number, count: number, during?: () => unknown) => {
    const running = runTasks(tasks.slice(from, from + count), 20);
    await during?.();
    outcomes.push(...(await running));
  };
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  await phase(0, 200);
  await proxy.setMode('cut');
  await phase(200, 200, () => pause(300));
  await proxy.setMode('pass');
  // Reset every connection while writes are in flight, then again once they sit idle in the pool.
  await phase(400, 200, () => proxy.resetAll());
  await telemetry.flush(10_000);
  const idleConnections = proxy.stats().open;
  proxy.resetAll();
  await pause(100);
  await phase(600, 200, () => pause(200));
  await proxy.setMode('reset');
  await phase(800, 200, () => pause(300));
  await proxy.setMode('pass');
  const beforeHang = await telemetry.flush(20_000);
  // The database stops answering; the queued writes hang (the default query timeout is 70 s), and the application
  // shuts down meanwhile.
  await proxy.setMode('hang');
  await phase(1_000, 200, () => pause(300));

  const shutdownStarted = Date.now();
  await telemetry.shutdown();
  const shutdownMs = Date.now() - shutdownStarted;

  process.stdout.write(
    `${JSON.stringify({
      identical: JSON.stringify(outcomes) === JSON.stringify(expected),
      calls: outcomes.length,
      beforeHang,
      stats: telemetry.stats(),
      shutdownMs,
      resets: proxy.stats().resets,
      idleConnections,
      idleFailures: warnings.filter((message) => message.includes('idle database connection failed')).length,
      warnings: warnings.slice(0, 50),
    })}\n`,
  );
  // Nothing else: no process.exit(), no closing the proxy. Whatever is left must not hold the process.
}

const mode = process.argv[2];
if (mode === 'probe') {
  void Promise.reject(new Error('an unhandled rejection, on purpose'));
  setTimeout(() => process.stdout.write('{"survived":true}\n'), 500);
} else {
  scenario(process.env.FAULT_DATABASE_URL!).catch((error: unknown) => {
    process.stderr.write(`scenario failed: ${String(error)}\n`);
    process.exitCode = 2;
  });
}
