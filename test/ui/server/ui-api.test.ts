import type { DataSource } from 'typeorm';
import type { UiServer } from '../../../src/ui/server/ui-server';
import { createStoreFixture, type StoreFixture } from '../../support/store-fixture';
import { agentRun, decisionRecord, seed } from '../../query/run-seeds';
import { api, serveUi } from './ui-fixture';

/** The dashboard's JSON API over a seeded store: each route answers what its repository method does. */
const minute = (n: number) => new Date(Date.UTC(2026, 10, 3, 9, n, 0));
let store: StoreFixture;
let dataSource: DataSource;
let server: UiServer;
const failed = agentRun({ agentName: 'Writer', startedAt: minute(3), status: 'failed', tenantId: 'acme' });

beforeAll(async () => {
  store = await createStoreFixture();
  dataSource = store.dataSource;
  const planner = agentRun({
    agentName: 'Planner',
    startedAt: minute(1),
    tenantId: 'acme',
    execution: { metadata: JSON.stringify({ repo: 'acme/api' }), sessionId: 's-1' },
  });
  planner.decisions = [decisionRecord(0, { name: 'channel', confidence: 0.8, occurredAt: minute(1) })];
  await seed(dataSource, [
    planner,
    agentRun({
      agentName: 'Planner',
      startedAt: minute(2),
      tenantId: 'globex',
      execution: { metadata: JSON.stringify({ repo: 'x/y' }) },
    }),
    failed,
  ]);
  server = await serveUi(dataSource);
});

afterAll(async () => {
  await server?.close();
  await store?.close();
});

it('says what it serves', async () => {
  expect((await api(server, '/api/config')).body).toEqual({ version: expect.any(String), tenant: null, live: true });
});

it('lists runs newest first, with the filters of history() and a cursor to watch from', async () => {
  const all = await api(server, '/api/runs');
  expect(all.status).toBe(200);
  expect(all.body.runs.map((run: { agentName: string }) => run.agentName)).toEqual(['Writer', 'Planner', 'Planner']);
  expect(typeof all.body.liveCursor).toBe('string');
  expect(all.body.runs[0].startedAt).toBe(minute(3).toISOString());

  const byMeta = await api(server, '/api/runs?meta.repo=acme%2Fapi');
  expect(byMeta.body.runs.map((run: { tenantId: string }) => run.tenantId)).toEqual(['acme']);
  const byStatus = await api(server, '/api/runs?status=failed&status=running');
  expect(byStatus.body.runs.map((run: { agentName: string }) => run.agentName)).toEqual(['Writer']);
  const paged = await api(server, '/api/runs?limit=1');
  const next = await api(server, `/api/runs?limit=1&cursor=${encodeURIComponent(paged.body.nextCursor)}`);
  expect(next.body.runs[0].startedAt).toBe(minute(2).toISOString());
});

it('refuses bad arguments with a 400 that names them, and never a stack trace', async () => {
  const unknown = await api(server, '/api/runs?colour=red');
  expect(unknown.status).toBe(400);
  expect(unknown.body.error).toMatch(/parameter colour is not a parameter here/);
  const limit = await api(server, '/api/runs?limit=0');
  expect(limit).toMatchObject({ status: 400, body: { code: 'invalid-argument' } });
  expect(limit.body.error).toMatch(/limit/);
  const notANumber = await api(server, '/api/runs?limit=ten');
  expect(notANumber.body.error).toBe('parameter limit must be a number, got "ten"');
  const since = await api(server, '/api/runs?since=yesterday');
  expect(since.status).toBe(400);
  expect(JSON.stringify([unknown.body, limit.body, since.body])).not.toMatch(/\n\s+at /);
  expect((await api(server, '/api/runs?agent=a%00b')).status).toBe(400);
  expect((await api(server, '/api/nothing')).status).toBe(404);
  expect((await api(server, '/api/runs', { method: 'DELETE' })).status).toBe(405);
});

it('opens a run as its tree, and answers 404 for one that is not there', async () => {
  const tree = await api(server, `/api/runs/${failed.execution.traceId}`);
  expect(tree.status).toBe(200);
  expect(tree.body.roots[0].execution.agentName).toBe('Writer');
  expect(tree.body.roots[0].execution.errorType).toBe('TimeoutError');
  expect((await api(server, `/api/runs/${'0'.repeat(32)}`)).status).toBe(404);
});

it('answers the analytics, sessions and health routes from their repository methods', async () => {
  const stats = await api(server, '/api/stats?since=2026-11-03&until=2026-11-04');
  expect(stats.body.groups.map((group: { key: string }) => group.key).sort()).toEqual(['Planner', 'Writer']);
  const byDay = await api(server, '/api/stats?groupBy=day&since=2026-11-03&until=2026-11-04');
  expect(byDay.body.groups).toHaveLength(1);
  expect((await api(server, '/api/costs?groupBy=model')).status).toBe(200);
  const errors = await api(server, '/api/errors');
  expect(errors.body.map((group: { errorType: string }) => group.errorType)).toEqual(['TimeoutError']);
  const sessions = await api(server, '/api/sessions');
  expect(sessions.body.sessions.map((session: { sessionId: string }) => session.sessionId)).toContain('s-1');
  const calibration = await api(server, '/api/decision-stats?name=channel');
  expect(calibration.body.total).toBe(1);
  expect((await api(server, '/api/decision-stats?name=nothing')).body.total).toBe(0);
  const health = await api(server, '/api/health');
  expect(health.body).toMatchObject({ database: { reachable: true, runs: 3, failed: 1 }, process: null });
  expect((await api(server, '/api/stats?groupBy=colour')).status).toBe(400);
});

it('records a decision outcome posted as JSON, and refuses other bodies', async () => {
  const { body } = await api(server, '/api/decisions');
  const [decision] = body.decisions;
  const post = (payload: string, type = 'application/json') =>
    api(server, `/api/decisions/${decision.decisionId}/outcome`, {
      method: 'POST',
      headers: { 'Content-Type': type },
      body: payload,
    });
  const recorded = await post(JSON.stringify({ outcome: 'success', score: 0.9 }));
  expect(recorded.body).not.toHaveProperty('error');
  expect(recorded.status).toBe(200);
  expect(recorded.body).toMatchObject({ decisionId: decision.decisionId, outcome: 'success', outcomeScore: 0.9 });
  const [row] = await dataSource.query('SELECT outcome, outcome_score FROM agent_decisions WHERE id = $1', [
    decision.decisionId,
  ]);
  expect(row).toEqual({ outcome: 'success', outcome_score: 0.9 });

  expect((await post('outcome=success', 'application/x-www-form-urlencoded')).status).toBe(415);
  expect((await post('{not json')).status).toBe(400);
  expect((await post(JSON.stringify({ outcome: 'x', score: 7 }))).status).toBe(400);
  expect((await post(JSON.stringify(['x']))).status).toBe(400);
});
