import { queryStoreHealth, queryTenantHealth } from '../../src/query/health-query';
import { refreshHourlyRollups } from '../../src/rollups/hourly-rollups';
import { SpanWriter } from '../../src/store/write/span-writer';
import { finalSpan, llmSpan, newTraceId } from '../support/span-records';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';

/** queryStoreHealth, what `agentspan health` prints: agent runs by status, all executions, the rollups' watermark. */

let store: StoreFixture;

beforeAll(async () => {
  store = await createStoreFixture();
});

afterAll(() => store?.close());

it('counts agent runs, running and failed ones, every execution, and says when the rollups were refreshed', async () => {
  expect(await queryStoreHealth(store.dataSource)).toEqual({
    runs: 0,
    running: 0,
    failed: 0,
    executions: 0,
    latestStart: null,
    rollupsRefreshedAt: null,
  });

  const failedTrace = newTraceId();
  const failed = finalSpan({
    traceId: failedTrace,
    kind: 'agent',
    execution: { status: 'failed', startedAt: '2026-11-01T10:00:00.000000Z' },
  });
  const running = finalSpan({
    traceId: newTraceId(),
    kind: 'agent',
    execution: { status: 'running', startedAt: '2026-11-01T11:00:00.000000Z' },
  });
  await new SpanWriter(store.dataSource).write([llmSpan(failedTrace, failed.execution.spanId), failed, running]);
  await refreshHourlyRollups(store.dataSource);

  const health = await queryStoreHealth(store.dataSource);
  expect(health).toMatchObject({ runs: 2, running: 1, failed: 1, executions: 3 });
  expect(health.latestStart).toBeInstanceOf(Date);
  expect(health.rollupsRefreshedAt).toBeInstanceOf(Date);
});

it('counts one tenant’s agent runs for a view pinned to it, and no executions', async () => {
  const acme = finalSpan({
    traceId: newTraceId(),
    kind: 'agent',
    execution: { status: 'failed', tenantId: 'initech', startedAt: '2026-11-02T10:00:00.000000Z' },
  });
  const globex = finalSpan({ traceId: newTraceId(), kind: 'agent', execution: { tenantId: 'globex' } });
  await new SpanWriter(store.dataSource).write([acme, globex]);
  const health = await queryTenantHealth(store.dataSource, 'initech');
  expect(health).toMatchObject({ runs: 1, running: 0, failed: 1 });
  expect(health).not.toHaveProperty('executions');
  expect(health.latestStart).toEqual(new Date('2026-11-02T10:00:00.000Z'));
  expect(await queryTenantHealth(store.dataSource, "nobody' OR 1=1 --")).toMatchObject({ runs: 0 });
});
