import type { ChildProcess } from 'node:child_process';
import { firstJsonLine, spawnTypeScript, stopChild } from '../../support/child-process';
import { createStoreFixture, type StoreFixture } from '../../support/store-fixture';

/**
 * A watch never keeps a process alive by itself: after `break`, or when nobody iterates it any more, the process
 * exits on its own once the application has closed its database (nothing left open: no LISTEN connection holding
 * the event loop, no timer).
 */

let store: StoreFixture;
const children: ChildProcess[] = [];

beforeAll(async () => {
  store = await createStoreFixture();
}, 60_000);

afterEach(async () => {
  for (const child of children.splice(0)) await stopChild(child);
});

afterAll(() => store?.close());

function exitOf(child: ChildProcess, timeoutMs: number): Promise<number | null | 'still running'> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('still running'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

it.each(['break', 'idle'])('lets the process exit after %s', async (mode) => {
  const child = spawnTypeScript('test/support/watch-exit-process.ts', { AGENTSPAN_TEST_URL: store.database.url }, [
    mode,
  ]);
  children.push(child);
  const exited = exitOf(child, 60_000);
  expect(await firstJsonLine(child, 60_000)).toEqual({ events: 1 });
  // Generous: the process only has to notice that nothing is left to do.
  expect(await exited).toBe(0);
});
