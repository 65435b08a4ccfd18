import { createServer, type Server } from 'node:net';
import { Agent, Trace } from '../../src/instrument';
import { resetWarnings } from '../../src/export/first-failure-warnings';
import { telemetryLifecycle } from '../support/telemetry-lifecycle';

/** startAgentTelemetry({ ui }): the dashboard served from the application, over its own queue and database. */
@Agent({ name: 'Served' })
class Served {
  @Trace() async run(topic: string) {
    return `facts about ${topic}`;
  }
}

const lifecycle = telemetryLifecycle();
const start = (ui: unknown) => lifecycle.start({ ui } as Parameters<typeof lifecycle.start>[0]);

it('serves runs that just ended and the processor’s health, and stops with shutdown()', async () => {
  const telemetry = await start({ port: 0 });
  const url = telemetry.ui!.url;
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  await new Served().run('retail');
  // No flush: the API's query writes what the processor holds first, as telemetry.runs does.
  const runs = (await (await fetch(new URL('/api/runs?agent=Served', url))).json()) as {
    runs: Array<{ status: string }>;
  };
  expect(runs.runs.map((run) => run.status)).toEqual(['completed']);
  const health = (await (await fetch(new URL('/api/health', url))).json()) as {
    database: { reachable: boolean };
    process: { queue: unknown; breaker: { state: string } };
  };
  expect(health.database.reachable).toBe(true);
  expect(health.process.breaker.state).toBe('closed');
  await lifecycle.stop();
  await expect(fetch(new URL('/api/config', url))).rejects.toThrow();
});

it('refuses an address other machines reach without a token, at start', async () => {
  await expect(start({ host: '0.0.0.0' })).rejects.toThrow(/only with a token/);
  await expect(start({ colour: 'red' })).rejects.toThrow(/ui\.colour/);
});

it('starts without a dashboard, and warns once, when its port is taken', async () => {
  const taken: Server = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  resetWarnings();
  const warnings: Array<{ code?: string; message: string }> = [];
  jest.spyOn(process, 'emitWarning').mockImplementation(((message: string, options?: { code?: string }) => {
    warnings.push({ code: options?.code, message: String(message) });
  }) as typeof process.emitWarning);
  try {
    const telemetry = await start({ port });
    expect(telemetry.ui).toBeUndefined();
    await new Served().run('still traced');
    expect((await telemetry.runs.history({ agent: 'Served' })).runs.length).toBeGreaterThan(0);
    expect(warnings.find((warning) => warning.code === 'AGENTSPAN_UI_UNAVAILABLE')?.message).toMatch(/EADDRINUSE/);
  } finally {
    jest.restoreAllMocks();
    await new Promise((resolve) => taken.close(resolve));
  }
});
