import type { RunChange, RunWatch } from '../../src/query/watch/watch-types';

/** A watch iterated in the background: the events so far, and a wait for the ones a test expects. */
export interface CollectedWatch {
  readonly events: RunChange[];
  /** Resolves once `done(events)` holds; rejects after `timeoutMs` (generous: delivery is within a second). */
  until(done: (events: readonly RunChange[]) => boolean, timeoutMs?: number): Promise<RunChange[]>;
  /** Resolves once `count` events have come. */
  count(count: number, timeoutMs?: number): Promise<RunChange[]>;
  /** Closes the watch and waits for the loop to end; rethrows what the iteration threw. */
  stop(): Promise<void>;
}

export function collect(watch: RunWatch): CollectedWatch {
  const events: RunChange[] = [];
  let failure: unknown;
  const loop = (async () => {
    try {
      for await (const event of watch) events.push(event);
    } catch (error) {
      failure = error;
    }
  })();
  const until = async (done: (events: readonly RunChange[]) => boolean, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!done(events)) {
      if (failure !== undefined) throw failure;
      if (Date.now() > deadline) {
        throw new Error(`timed out; the watch delivered: ${JSON.stringify(events.map(describeEvent))}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return [...events];
  };
  return {
    events,
    until,
    count: (count, timeoutMs) => until((seen) => seen.length >= count, timeoutMs),
    async stop() {
      await watch.close();
      await loop;
      if (failure !== undefined) throw failure;
    },
  };
}

/** `type agent status`, short enough to compare lists of events. */
export function describeEvent(event: RunChange): string {
  return `${event.type} ${event.run.agentName ?? event.run.name}`;
}
