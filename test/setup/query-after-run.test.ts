import { Agent, Tool, Trace } from '../../src/instrument';
import { telemetryLifecycle } from '../support/telemetry-lifecycle';

/**
 * The README's snippet: run an agent, then query right away. The queue's timer is set far out (10 min), so nothing
 * but the query itself can have written the run: each `telemetry.runs` method first writes what the processor holds.
 * PGlite without DATABASE_URL, the server with it.
 */
@Agent({ name: 'JustFinished' })
class JustFinished {
  @Trace() async run(topic: string) {
    return this.lookup(topic);
  }
  @Tool() async lookup(topic: string) {
    return `facts about ${topic}`;
  }
}

const lifecycle = telemetryLifecycle();

const options = () => ({
  queue: { flushIntervalMs: 600_000 },
});

it('a query made right after a run finished sees it, completed, with its totals', async () => {
  const telemetry = await lifecycle.start(options());
  await new JustFinished().run('retail');

  const { runs } = await telemetry.runs.history({ agent: 'JustFinished' });
  expect(runs).toEqual([
    expect.objectContaining({ agentName: 'JustFinished', status: 'completed', output: 'facts about retail' }),
  ]);
  expect(runs[0].totals).toMatchObject({ toolCalls: 1, llmCalls: 0 });

  // The other methods, and a tenant view, see the next run as soon as it is over too.
  await new JustFinished().run('farming');
  const latest = await telemetry.runs.latest('JustFinished');
  expect(latest).toMatchObject({ status: 'completed', output: 'facts about farming' });
  const tree = await telemetry.runs.getRun(latest!.traceId);
  expect(tree?.roots[0].children.map((child) => child.execution.name)).toEqual(['execute_tool lookup']);
  expect(telemetry.stats()).toMatchObject({ written: 6, queueDepth: 0, inFlight: 0 });
});

it('a query still fails at once when the database is down, without waiting for the queue', async () => {
  const telemetry = await lifecycle.start({
    ...options(),
    databaseUrl: 'postgres://agentspan@127.0.0.1:1/nowhere',
    shutdownTimeoutMs: 500,
    warnings: false,
  });
  await new JustFinished().run('offline');
  await expect(telemetry.runs.history({ agent: 'JustFinished' })).rejects.toThrow(/ECONNREFUSED|connect/);
  expect(telemetry.stats().queueDepth).toBe(3);
});
