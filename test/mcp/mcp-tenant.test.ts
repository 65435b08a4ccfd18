import type { SpanRecord } from '../../src/model/records';
import { agentRun, decisionRecord, executionIds, keyOf, seed } from '../query/run-seeds';
import { finalSpan, llmSpan, newTraceId } from '../support/span-records';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';
import { answerOf, callTool, startMcpServer, type McpSession } from './mcp-session';

/**
 * `agentspan mcp --tenant acme`: every tool sees acme's runs only. Two tenants share an agent, a user and a session
 * id, and globex's run is the newest: nothing of it may show, by listing, by id, by aggregate, or by a tenantId
 * argument.
 */

let store: StoreFixture;
let session: McpSession;
const acmeTrace = newTraceId();
const globexTrace = newTraceId();
let globexLlmExecutionId: string;

/** A failed Researcher run of `tenantId` with an LLM call and a decision, all of the same tenant. */
function runOf(tenantId: string, traceId: string, minute: number, errorType: string): SpanRecord[] {
  const context = { tenantId, sessionId: 'shared-session', userId: 'shared-user' };
  const root = agentRun({
    agentName: 'Researcher',
    startedAt: new Date(Date.UTC(2026, 10, 3, 9, minute)),
    status: 'failed',
    traceId,
    execution: { ...context, errorType, errorMessage: `${tenantId} failed` },
  });
  const startedAt = new Date(Date.UTC(2026, 10, 3, 9, minute, 1));
  const llm = llmSpan(traceId, root.execution.spanId, {}, { ...context, startedAt });
  const decision = {
    ...finalSpan({
      traceId,
      parentSpanId: root.execution.spanId,
      kind: 'decision',
      execution: { ...context, startedAt },
    }),
    decisions: [decisionRecord(0, { name: `${tenantId}_choice` })],
  };
  return [root, llm, decision];
}

beforeAll(async () => {
  store = await createStoreFixture();
  const acme = runOf('acme', acmeTrace, 1, 'TimeoutError');
  const globex = runOf('globex', globexTrace, 2, 'QuotaError');
  await seed(store.dataSource, [...acme, ...globex]);
  globexLlmExecutionId = (await executionIds(store.dataSource, [globex[1]!])).get(keyOf(globex[1]!))!;
  session = await startMcpServer(['--database', store.database.url, '--tenant', 'acme']);
}, 60_000);

afterAll(async () => {
  await session?.close();
  await store?.close();
});

it('offers no tenantId argument, and refuses one', async () => {
  const { tools } = await session.client.listTools();
  for (const tool of tools) expect(Object.keys(tool.inputSchema.properties ?? {})).not.toContain('tenantId');
  for (const tenantId of ['globex', 'acme']) {
    const answer = await callTool(session, 'list_runs', { tenantId });
    expect(answer).toMatchObject({ isError: true, text: expect.stringMatching(/tenantId/) });
  }
});

it('lists, counts and aggregates the pinned tenant’s runs only', async () => {
  const { runs } = await answerOf(session, 'list_runs');
  expect(runs.map((run: { traceId: string; tenantId: string }) => [run.traceId, run.tenantId])).toEqual([
    [acmeTrace, 'acme'],
  ]);
  expect((await answerOf(session, 'list_runs', { userId: 'shared-user', agent: 'Researcher' })).runs).toHaveLength(1);

  const { sessions } = await answerOf(session, 'list_sessions');
  expect(sessions).toEqual([expect.objectContaining({ sessionId: 'shared-session', runCount: 1 })]);

  const keys = (groups: Array<{ key: string | null }>) => groups.map((group) => group.key);
  expect(keys((await answerOf(session, 'run_stats', { groupBy: 'tenant' })).groups)).toEqual(['acme']);
  expect(keys((await answerOf(session, 'cost_breakdown', { groupBy: 'tenant' })).groups)).toEqual(['acme']);
  const { errors } = await answerOf(session, 'top_errors', { kind: 'all' });
  expect(errors.map((group: { errorType: string }) => group.errorType)).toEqual(['TimeoutError']);

  const { decisions } = await answerOf(session, 'list_decisions');
  expect(decisions.map((decision: { name: string }) => decision.name)).toEqual(['acme_choice']);
  expect(await answerOf(session, 'decision_stats')).toMatchObject({ total: 1 });

  const health = await answerOf(session, 'health');
  expect(health).toMatchObject({ server: { tenant: 'acme' }, runs: { total: 1, failed: 1, running: 0 } });
  // The store's own counts cover every tenant: a pinned server does not show them.
  expect(health.runs).not.toHaveProperty('executions');
});

it('does not find another tenant’s run by its trace id or an execution id', async () => {
  expect((await answerOf(session, 'get_run', { id: acmeTrace })).totalSteps).toBe(3);
  for (const id of [globexTrace, globexLlmExecutionId]) {
    expect(await callTool(session, 'get_run', { id })).toMatchObject({
      isError: true,
      text: `get_run: no run with id ${id}`,
    });
  }
});
