import type { UiServer } from '../../../src/ui/server/ui-server';
import { createStoreFixture, type StoreFixture } from '../../support/store-fixture';
import { agentRun, seed } from '../../query/run-seeds';
import { serveUi } from './ui-fixture';

/** /api/live: run changes as Server-Sent Events, resumable from the last event id, filtered like /api/runs. */
let store: StoreFixture;
let server: UiServer;

beforeAll(async () => {
  store = await createStoreFixture();
  server = await serveUi(store.dataSource);
});

afterAll(async () => {
  await server?.close();
  await store?.close();
});

interface LiveEvent {
  id: string;
  change: { type: string; run: { agentName: string; traceId: string }; cursor: string };
}

/** Opens the stream and collects events until `count` have arrived. */
async function collect(path: string, count: number, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(new URL(path, server.url), { headers, signal: controller.signal });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: LiveEvent[] = [];
  let buffer = '';
  const done = (async () => {
    while (events.length < count) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const id = /^id: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (id !== undefined && data !== undefined) events.push({ id, change: JSON.parse(data) });
      }
    }
    controller.abort();
    return events;
  })();
  return { done };
}

/** Where the change log is now, as the runs page gets it with its first page. */
async function liveCursor(): Promise<string> {
  const response = await fetch(new URL('/api/runs?limit=1', server.url));
  return ((await response.json()) as { liveCursor: string }).liveCursor;
}

const at = (minute: number) => new Date(Date.UTC(2026, 10, 3, 9, minute));

it('pushes changes as they commit, each with its cursor as the event id', async () => {
  const live = await collect(`/api/live?agent=Watched&after=${encodeURIComponent(await liveCursor())}`, 2);
  await seed(store.dataSource, [agentRun({ agentName: 'Other', startedAt: at(0) })]);
  await seed(store.dataSource, [agentRun({ agentName: 'Watched', startedAt: at(1), status: 'running' })]);
  await seed(store.dataSource, [agentRun({ agentName: 'Watched', startedAt: at(2) })]);
  const events = await live.done;
  expect(events.map((event) => [event.change.type, event.change.run.agentName])).toEqual([
    ['started', 'Watched'],
    ['completed', 'Watched'],
  ]);
  expect(events.map((event) => event.id)).toEqual(events.map((event) => event.change.cursor));
});

it('goes on right after the Last-Event-ID an EventSource sends when it reconnects', async () => {
  // Three runs end; a reconnect that got the first gets the other two, nothing repeated.
  const live = await collect(`/api/live?agent=Resumed&after=${encodeURIComponent(await liveCursor())}`, 3);
  for (const minute of [10, 11, 12]) {
    await seed(store.dataSource, [agentRun({ agentName: 'Resumed', startedAt: at(minute) })]);
  }
  const events = await live.done;
  const resumed = await (await collect('/api/live?agent=Resumed', 2, { 'Last-Event-ID': events[0]!.id })).done;
  expect(resumed.map((event) => event.id)).toEqual(events.slice(1).map((event) => event.id));
});

it('refuses a bad filter with a 400 before streaming', async () => {
  const response = await fetch(new URL('/api/live?status=sleeping', server.url));
  expect(response.status).toBe(400);
  expect(((await response.json()) as { error: string }).error).toMatch(/status/);
});
