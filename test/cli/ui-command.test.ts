import { agentRun, seed } from '../query/run-seeds';
import { agentspan, serveCli } from '../support/cli-process';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';

/** `agentspan ui`: serves the dashboard over --database until stopped; --tenant pins it; other addresses need a token. */
let store: StoreFixture;

beforeAll(async () => {
  store = await createStoreFixture();
  await seed(store.dataSource, [
    agentRun({ agentName: 'Planner', startedAt: new Date('2026-11-03T09:00:00Z'), tenantId: 'acme' }),
    agentRun({ agentName: 'Planner', startedAt: new Date('2026-11-03T09:01:00Z'), tenantId: 'globex' }),
  ]);
});

afterAll(async () => {
  await store?.close();
});

it('serves until stopped, prints where, exits 0; --tenant pins every request', async () => {
  const ui = serveCli('ui', '--port', '0', '--tenant', 'acme', '--database', store.database.url);
  const url = await ui.url;
  expect(ui.stdout()).toMatch(/agentspan dashboard on http:\/\/127\.0\.0\.1:\d+\/ \(.*tenant acme\)/);
  const runs = (await (await fetch(new URL('/api/runs', url))).json()) as { runs: Array<{ tenantId: string }> };
  expect(runs.runs.map((run) => run.tenantId)).toEqual(['acme']);
  expect(await ui.stop()).toBe(0);
  await expect(fetch(new URL('/api/config', url))).rejects.toThrow();
});

it('refuses another address without a token, with exit code 2 and the reason', async () => {
  const result = await agentspan('ui', '--host', '0.0.0.0', '--database', store.database.url);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/binds to 0\.0\.0\.0.*only with a token/);
  const short = await agentspan('ui', '--token', 'short', '--database', store.database.url);
  expect(short.code).toBe(2);
  expect(short.stderr).toMatch(/at least 16 characters/);
});
