import type { DataSource } from 'typeorm';
import { AgentRunRepository, type TenantRuns } from '../../src/query/agent-run-repository';
import { AgentspanQueryError } from '../../src/query/agentspan-query-error';
import type { RunNode, RunSummary } from '../../src/query/types';
import { LazyRuns } from '../../src/setup/lazy-runs';
import type { SpanRecord } from '../../src/model/records';
import { llmSpan, newTraceId } from '../support/span-records';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';
import { agentRun, caught, decisionRecord, executionIds, keyOf, seed } from './run-seeds';

/**
 * forTenant: two tenants whose runs, calls, failures and decisions interleave in time, share agent and user names,
 * and one trace that mixes them. Every method of each view is checked against the table itself: it returns that
 * tenant's rows, all of them, and nothing of the other's.
 */

const ACME = 'acme';
const GLOBEX = 'globex';
const TENANTS = [ACME, GLOBEX] as const;
const minute = (n: number) => new Date(Date.UTC(2026, 10, 3, 9, n, 0));

let store: StoreFixture;
let dataSource: DataSource;
let runs: AgentRunRepository;
let mixedTrace: string;
let mixedRoot: SpanRecord;
let mixedChild: SpanRecord;
let nullRootTrace: string;
const ids = new Map<string, string>();

/** Runs alternate between the tenants minute by minute: the newest run overall is globex's. */
function interleavedRuns(): SpanRecord[] {
  const records: SpanRecord[] = [];
  for (let i = 0; i < 12; i++) {
    const tenantId = TENANTS[i % 2]!;
    const status = i % 3 === 0 ? 'failed' : 'completed';
    const run = agentRun({
      agentName: 'Researcher',
      startedAt: minute(i),
      status,
      userId: 'shared-user',
      tenantId,
      execution: status === 'failed' ? { errorType: 'TimeoutError', errorMessage: `${tenantId} timed out` } : {},
    });
    run.decisions = [
      decisionRecord(0, { name: 'channel', confidence: tenantId === ACME ? 0.9 : 0.2, occurredAt: minute(i) }),
    ];
    const cost = tenantId === ACME ? '0.0010000000' : '0.0020000000';
    records.push(
      run,
      llmSpan(run.execution.traceId, run.execution.spanId, { costUsd: cost }, { tenantId, startedAt: minute(i) }),
    );
  }
  return records;
}

beforeAll(async () => {
  store = await createStoreFixture();
  dataSource = store.dataSource;
  runs = new AgentRunRepository(dataSource);
  mixedTrace = newTraceId();
  mixedRoot = agentRun({ agentName: 'Orchestrator', startedAt: minute(20), tenantId: GLOBEX, traceId: mixedTrace });
  mixedChild = agentRun({
    agentName: 'Researcher',
    startedAt: minute(20),
    tenantId: ACME,
    traceId: mixedTrace,
    parentSpanId: mixedRoot.execution.spanId,
  });
  nullRootTrace = newTraceId();
  const nullRoot = agentRun({
    agentName: 'Orchestrator',
    startedAt: minute(21),
    tenantId: null,
    traceId: nullRootTrace,
  });
  const nullRootChild = agentRun({
    agentName: 'Researcher',
    startedAt: minute(21),
    tenantId: ACME,
    traceId: nullRootTrace,
    parentSpanId: nullRoot.execution.spanId,
  });
  const records = [...interleavedRuns(), mixedRoot, mixedChild, nullRoot, nullRootChild];
  await seed(dataSource, records);
  for (const [key, id] of await executionIds(dataSource, records)) ids.set(key, id);
});

afterAll(() => store?.close());

const idOf = (record: SpanRecord) => ids.get(keyOf(record))!;

/** Ground truth, from the tables. */
async function agentRunIds(tenantId: string): Promise<string[]> {
  const rows: Array<{ id: string }> = await dataSource.query(
    `SELECT id FROM agent_executions WHERE kind = 'agent' AND tenant_id = $1 ORDER BY started_at DESC, id DESC`,
    [tenantId],
  );
  return rows.map((row) => row.id);
}

async function decisionIds(tenantId: string): Promise<string[]> {
  const rows: Array<{ id: string }> = await dataSource.query(
    `SELECT d.id FROM agent_decisions d JOIN agent_executions e ON e.trace_id = d.trace_id AND e.id = d.execution_id WHERE e.tenant_id = $1`,
    [tenantId],
  );
  return rows.map((row) => row.id).sort();
}

async function allPages(view: TenantRuns): Promise<RunSummary[]> {
  const seen: RunSummary[] = [];
  let cursor: string | null = null;
  do {
    const page = await view.history({ limit: 3, cursor });
    seen.push(...page.runs);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return seen;
}

function treeTenants(nodes: RunNode[]): Array<string | null> {
  return nodes.flatMap((node) => [node.execution.tenantId, ...treeTenants(node.children)]);
}

describe.each(TENANTS)('forTenant(%s)', (tenant) => {
  const other = tenant === ACME ? GLOBEX : ACME;
  const view = () => runs.forTenant(tenant);

  it('history: every run of the tenant, page after page, and none of the other', async () => {
    const listed = await allPages(view());
    expect(listed.map((run) => run.executionId)).toEqual(await agentRunIds(tenant));
    expect(new Set(listed.map((run) => run.tenantId))).toEqual(new Set([tenant]));
    expect(await view().history({ tenantId: tenant, limit: 1000 })).toMatchObject({ nextCursor: null });
    const refused = await caught(view().history({ tenantId: other }));
    expect(refused).toBeInstanceOf(AgentspanQueryError);
    expect((refused as Error).message).toBe(
      `history: tenantId is "${tenant}" in this view (forTenant), got "${other}"`,
    );
  });

  it("latest: the tenant's newest run, not the other's newer one", async () => {
    const latest = await view().latest('Researcher');
    const [newest] = await dataSource.query(
      `SELECT id FROM agent_executions WHERE kind = 'agent' AND agent_name = 'Researcher' AND tenant_id = $1
       ORDER BY started_at DESC, id DESC LIMIT 1`,
      [tenant],
    );
    expect(latest?.executionId).toBe(newest.id);
    expect(latest?.tenantId).toBe(tenant);
    // The mixed trace's root is globex's own row: its view lists it (getRun of its trace is another matter, below).
    expect((await view().latest('Orchestrator'))?.executionId).toBe(tenant === GLOBEX ? idOf(mixedRoot) : undefined);
  });

  it("getRun: its own runs by trace and execution id; the other's are not found", async () => {
    for (const id of await agentRunIds(tenant)) {
      const [{ trace_id: traceId }] = await dataSource.query('SELECT trace_id FROM agent_executions WHERE id = $1', [
        id,
      ]);
      if (traceId === mixedTrace || traceId === nullRootTrace) continue;
      const byTrace = await view().getRun(traceId);
      expect(treeTenants(byTrace!.roots).length).toBe(2); // the run and its LLM call
      expect(new Set(treeTenants(byTrace!.roots))).toEqual(new Set([tenant]));
      expect((await view().getRun(id))?.roots[0]?.execution.executionId).toBe(id);
    }
    for (const id of await agentRunIds(other)) {
      const [{ trace_id: traceId }] = await dataSource.query('SELECT trace_id FROM agent_executions WHERE id = $1', [
        id,
      ]);
      expect(await view().getRun(traceId)).toBeNull();
      expect(await view().getRun(id)).toBeNull();
      expect(await view().getRun(id.toUpperCase())).toBeNull();
    }
  });

  it('decisions: exactly the decisions taken in its executions', async () => {
    const page = await view().decisions({ limit: 1000 });
    expect(page.decisions.map((decision) => decision.decisionId).sort()).toEqual(await decisionIds(tenant));
    expect(page.decisions.every((decision) => decision.confidence === (tenant === ACME ? 0.9 : 0.2))).toBe(true);
  });

  it("recordOutcome: records its own decisions; another tenant's decision id is not found and left alone", async () => {
    const [own] = await decisionIds(tenant);
    expect(await view().recordOutcome(own!, { outcome: `${tenant} ok`, score: 1 })).toMatchObject({
      decisionId: own,
      outcome: `${tenant} ok`,
    });
    const [foreign] = await decisionIds(other);
    const refused = await caught(view().recordOutcome(foreign!, { outcome: 'hijacked', score: 0 }));
    expect(refused).toBeInstanceOf(AgentspanQueryError);
    expect(refused).toMatchObject({ code: 'not-found', message: `recordOutcome: no decision with id ${foreign}` });
    const [row] = await dataSource.query('SELECT outcome, outcome_score FROM agent_decisions WHERE id = $1', [foreign]);
    expect(row.outcome).not.toBe('hijacked');
  });

  it('stats: counts only its runs, whatever the grouping', async () => {
    const expected = (await agentRunIds(tenant)).length;
    const byTenant = await view().stats({ groupBy: 'tenant' });
    expect(byTenant.groups.map((group) => [group.key, group.count])).toEqual([[tenant, expected]]);
    const byUser = await view().stats({ groupBy: 'user', since: minute(0) });
    expect(byUser.groups.reduce((sum, group) => sum + group.count, 0)).toBe(expected);
    const llm = await view().stats({ groupBy: 'model' });
    expect(llm.groups.reduce((sum, group) => sum + group.count, 0)).toBe(6);
  });

  it('costBreakdown: its calls and costs only', async () => {
    const [{ cost }] = await dataSource.query(
      `SELECT sum(p.cost_usd)::float8 AS cost FROM agent_performance p JOIN agent_executions e ON e.trace_id = p.trace_id AND e.id = p.execution_id
       WHERE e.tenant_id = $1`,
      [tenant],
    );
    const result = await view().costBreakdown({ groupBy: 'tenant' });
    expect(result.groups.map((group) => group.key)).toEqual([tenant]);
    expect(result.total.costUsd).toBeCloseTo(cost, 10);
    expect(result.total.costUsd).toBeCloseTo(tenant === ACME ? 0.006 : 0.012, 10);
  });

  it('topErrors: its failures only', async () => {
    const groups = await view().topErrors();
    expect(groups.map((group) => [group.errorMessage, group.count])).toEqual([[`${tenant} timed out`, 2]]);
  });

  it('decisionStats: its decisions only', async () => {
    const stats = await view().decisionStats();
    expect(stats.total).toBe((await decisionIds(tenant)).length);
    expect(stats.averageConfidence).toBeCloseTo(tenant === ACME ? 0.9 : 0.2, 10);
  });
});

describe('run trees that mix tenants', () => {
  it('are found by no view as a whole trace; a subtree wholly of one tenant is found by its view', async () => {
    expect(treeTenants((await runs.getRun(mixedTrace))!.roots).sort()).toEqual([ACME, GLOBEX]);
    expect(await runs.forTenant(ACME).getRun(mixedTrace)).toBeNull();
    expect(await runs.forTenant(GLOBEX).getRun(mixedTrace)).toBeNull();
    // The root is globex's but its subtree holds an acme run: not found for globex either.
    expect(await runs.forTenant(GLOBEX).getRun(idOf(mixedRoot))).toBeNull();
    const child = await runs.forTenant(ACME).getRun(idOf(mixedChild));
    expect(child?.roots.map((root) => root.execution.executionId)).toEqual([idOf(mixedChild)]);
    expect(await runs.forTenant(ACME).getRun(nullRootTrace)).toBeNull();
  });
});

describe('forTenant arguments', () => {
  it.each<[string, unknown, string]>([
    ['an empty id', '', 'forTenant: tenantId is empty'],
    ['257 characters', 'a'.repeat(257), 'forTenant: tenantId is longer than 256 characters'],
    ['257 astral characters', '😀'.repeat(257), 'forTenant: tenantId is longer than 256 characters'],
    ['a NUL', 'acme\u0000', 'forTenant: tenantId contains a NUL character'],
    ['a number', 42, 'forTenant: tenantId is not a string'],
    ['undefined', undefined, 'forTenant: tenantId is not a string'],
  ])('refuses %s at once, with an AgentspanQueryError', (_, id, message) => {
    expect(() => runs.forTenant(id as string)).toThrow(AgentspanQueryError);
    expect(() => runs.forTenant(id as string)).toThrow(message);
    const lazy = new LazyRuns(() => Promise.reject(new Error('the database is not opened to refuse an argument')));
    expect(() => lazy.forTenant(id as string)).toThrow(message);
  });

  it('takes 256 characters (and 256 astral ones, 512 UTF-16 units) as they are', async () => {
    expect(runs.forTenant('a'.repeat(256)).tenantId).toBe('a'.repeat(256));
    expect(await runs.forTenant('😀'.repeat(256)).history()).toEqual({ runs: [], nextCursor: null });
  });

  it('telemetry.runs.forTenant (LazyRuns) opens the database on first use and scopes like the repository', async () => {
    let opened = 0;
    const lazy = new LazyRuns(async () => {
      opened++;
      return runs;
    });
    const view = lazy.forTenant(ACME);
    expect(opened).toBe(0);
    expect((await view.history({ limit: 1000 })).runs.map((run) => run.executionId)).toEqual(await agentRunIds(ACME));
    expect(await view.getRun(mixedTrace)).toBeNull();
    expect(view.tenantId).toBe(ACME);
  });
});
