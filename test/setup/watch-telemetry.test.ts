import { Agent, Tool, Trace } from '../../src/instrument';
import { currentWatchCursor } from '../../src/query/watch/watch-runs';
import { telemetryLifecycle } from '../support/telemetry-lifecycle';
import { collect } from '../support/watch-events';

/**
 * telemetry.runs.watch() from end to end: a decorated agent's run seen live — started while it runs, a step when its
 * tool returns (with the totals so far), completed when it returns — and shutdown() ending a watch that waits.
 * PGlite without DATABASE_URL, the server with it.
 */
@Agent({ name: 'LiveAgent' })
class LiveAgent {
  @Trace() async run(gate: Promise<void>) {
    await this.lookup('facts');
    await gate;
    return 'done';
  }
  @Tool() async lookup(topic: string) {
    return `found ${topic}`;
  }
}

const lifecycle = telemetryLifecycle();

const options = () => ({
  // Written as they come, so the run is seen while it runs.
  queue: { flushIntervalMs: 20 },
});

it('shows a decorated run live: started, its tool as a step with the totals so far, completed', async () => {
  const telemetry = await lifecycle.start(options());
  // From a cursor taken now: the watch sees the run's start however late its first read comes.
  const after = await currentWatchCursor(await telemetry.dataSource());
  const watch = collect(telemetry.runs.watch({ agent: 'LiveAgent', after }));
  let release!: () => void;
  const running = new LiveAgent().run(new Promise<void>((resolve) => (release = resolve)));

  const [started, step] = await watch.until((events) => events.some((event) => event.type === 'step'));
  expect(started).toMatchObject({ type: 'started', run: { agentName: 'LiveAgent' } });
  expect(step).toMatchObject({ type: 'step', run: { status: 'running', totals: { toolCalls: 1, llmCalls: 0 } } });

  release();
  await running;
  const events = await watch.until((seen) => seen.some((event) => event.type === 'completed'));
  expect(events.map((event) => event.type)).toEqual(['started', 'step', 'completed']);
  expect(events[2]!.run).toMatchObject({ status: 'completed', output: 'done', totals: { toolCalls: 1 } });
  await watch.stop();
});

it('ends a waiting watch, and its tenant view’s, on shutdown()', async () => {
  const telemetry = await lifecycle.start(options());
  const watch = telemetry.runs.watch();
  const tenantWatch = telemetry.runs.forTenant('acme').watch();
  const waiting = [watch.next(), tenantWatch.next()];
  let settled = 0;
  for (const next of waiting) void next.then(() => settled++);
  await new Promise((resolve) => setTimeout(resolve, 500));
  await telemetry.shutdown();
  // Ended by shutdown itself, before it resolved: not later, when the watches would next have read.
  expect(settled).toBe(2);
  expect(await Promise.all(waiting)).toEqual([
    { done: true, value: undefined },
    { done: true, value: undefined },
  ]);
});
