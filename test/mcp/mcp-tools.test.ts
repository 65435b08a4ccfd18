import type { SpanRecord } from '../../src/model/records';
import { agentRun, decisionRecord, eventRecord, executionIds, keyOf, seed } from '../query/run-seeds';
import { finalSpan, llmSpan, newTraceId } from '../support/span-records';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';
import { answerOf, callTool, startMcpServer, type McpSession } from './mcp-session';

/**
 * `agentspan mcp` over stdio with the SDK's own client, against a seeded database: the tools it lists, each tool's
 * answer, bad arguments as tool errors that name the problem, paging, and long values cut with a visible marker.
 * One server process for the whole file.
 */

const at = (minute: number, second = 0) => new Date(Date.UTC(2026, 10, 3, 9, minute, second));
const PROMPT_LENGTH = 30_000;
const LONG_ERROR = `gave up after ${'retrying '.repeat(300)}`;
const TOOLS = [
  'cost_breakdown',
  'decision_stats',
  'get_run',
  'health',
  'list_decisions',
  'list_runs',
  'list_sessions',
  'run_stats',
  'top_errors',
];

let store: StoreFixture;
let session: McpSession;
const researchTrace = newTraceId();
const failedTrace = newTraceId();
const globexTrace = newTraceId();
const plannerTraces = [0, 1, 2, 3, 4].map(() => newTraceId());
let researchRoot: SpanRecord;
let researchLlm: SpanRecord;
let llmExecutionId: string;

/** A child step of `root`, `second`s after it started. */
function childOf(root: SpanRecord, second: number, kind: 'tool' | 'decision', name: string): SpanRecord {
  const startedAt = new Date((root.execution.startedAt as Date).getTime() + second * 1000);
  return finalSpan({
    traceId: root.execution.traceId,
    parentSpanId: root.execution.spanId,
    kind,
    execution: { name, startedAt, completedAt: new Date(startedAt.getTime() + 100), sessionId: 'chat-1' },
  });
}

function seeds(): SpanRecord[] {
  researchRoot = {
    ...agentRun({
      agentName: 'Researcher',
      startedAt: at(10),
      traceId: researchTrace,
      execution: {
        sessionId: 'chat-1',
        metadata: '{"repo":"acme/api","pr":318}',
        input: JSON.stringify({ prompt: 'x'.repeat(PROMPT_LENGTH) }),
        output: '{"summary":"done"}',
      },
    }),
    events: [eventRecord(0), eventRecord(1), eventRecord(2)],
  };
  researchLlm = llmSpan(
    researchTrace,
    researchRoot.execution.spanId,
    {},
    {
      startedAt: at(10, 1),
      completedAt: at(10, 2),
      sessionId: 'chat-1',
    },
  );
  const decision = {
    ...childOf(researchRoot, 3, 'decision', 'decision choose_channel'),
    decisions: [decisionRecord(0, { confidence: 0.9 })],
  };
  const failed = agentRun({
    agentName: 'Researcher',
    startedAt: at(20),
    status: 'failed',
    traceId: failedTrace,
    execution: { sessionId: 'chat-1', errorMessage: LONG_ERROR },
  });
  const planners = plannerTraces.flatMap((traceId, index) => {
    const root = agentRun({
      agentName: 'Planner',
      startedAt: at(30 + index),
      traceId,
      execution: { sessionId: 'chat-2' },
    });
    const llm = llmSpan(traceId, root.execution.spanId, {}, { startedAt: at(30 + index, 1), sessionId: 'chat-2' });
    return [root, llm];
  });
  const globex = agentRun({
    agentName: 'Planner',
    startedAt: at(40),
    status: 'failed',
    tenantId: 'globex',
    traceId: globexTrace,
    execution: { sessionId: 'globex-chat', errorType: 'QuotaError', errorMessage: 'quota exceeded' },
  });
  return [
    researchRoot,
    researchLlm,
    childOf(researchRoot, 2, 'tool', 'execute_tool web_search'),
    decision,
    failed,
    ...planners,
    globex,
  ];
}

beforeAll(async () => {
  store = await createStoreFixture();
  const records = seeds();
  await seed(store.dataSource, records);
  llmExecutionId = (await executionIds(store.dataSource, [researchLlm])).get(keyOf(researchLlm))!;
  session = await startMcpServer(['--database', store.database.url]);
}, 60_000);

afterAll(async () => {
  await session?.close();
  await store?.close();
});

it('lists its tools, each with a description, a strict input schema and the read-only hint', async () => {
  const { tools } = await session.client.listTools();
  expect(tools.map((tool) => tool.name).sort()).toEqual(TOOLS);
  for (const tool of tools) {
    expect(tool.description!.length).toBeGreaterThan(80);
    expect(tool.inputSchema).toMatchObject({ type: 'object', additionalProperties: false });
    expect(tool.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
  }
  const listRuns = tools.find((tool) => tool.name === 'list_runs')!;
  expect(Object.keys(listRuns.inputSchema.properties!)).toEqual(
    expect.arrayContaining(['agent', 'status', 'userId', 'tenantId', 'sessionId', 'metadata', 'since', 'until']),
  );
  expect(Object.keys(listRuns.inputSchema.properties!)).toEqual(
    expect.arrayContaining(['errorContains', 'limit', 'cursor']),
  );
  expect(tools.find((tool) => tool.name === 'get_run')!.inputSchema.required).toEqual(['id']);
});

describe('list_runs', () => {
  it('lists agent runs newest first, with totals and the start of input and output', async () => {
    const { runs, nextCursor } = await answerOf(session, 'list_runs');
    expect(nextCursor).toBeNull();
    expect(runs.map((run: { traceId: string }) => run.traceId)).toEqual([
      globexTrace,
      ...[...plannerTraces].reverse(),
      failedTrace,
      researchTrace,
    ]);
    const research = runs.at(-1);
    expect(research).toMatchObject({
      agent: 'Researcher',
      status: 'completed',
      startedAt: at(10).toISOString(),
      metadata: { repo: 'acme/api', pr: 318 },
      output: { summary: 'done' },
      nested: false,
      totals: { llmCalls: 1, toolCalls: 1, costUsd: 0.00125 },
    });
    // A long value is cut, and the marker says how much: 200 characters kept of 30,000.
    expect(research.input.prompt).toBe(`${'x'.repeat(200)}…[cut 29,800 chars]`);
  });

  it('filters by agent, status, user, tenant, session, metadata, time range and error text', async () => {
    const traces = async (args: Record<string, unknown>) =>
      (await answerOf(session, 'list_runs', args)).runs.map((run: { traceId: string }) => run.traceId);
    expect(await traces({ agent: 'Researcher' })).toEqual([failedTrace, researchTrace]);
    expect(await traces({ status: 'failed' })).toEqual([globexTrace, failedTrace]);
    expect(await traces({ status: ['failed', 'completed'], agent: 'Researcher' })).toHaveLength(2);
    expect(await traces({ tenantId: 'globex' })).toEqual([globexTrace]);
    expect(await traces({ userId: 'nobody' })).toEqual([]);
    expect(await traces({ sessionId: 'chat-1' })).toEqual([failedTrace, researchTrace]);
    expect(await traces({ metadata: { repo: 'acme/api', pr: 318 } })).toEqual([researchTrace]);
    expect(await traces({ metadata: { pr: '318' } })).toEqual([]);
    expect(await traces({ errorContains: 'QUOTA' })).toEqual([globexTrace]);
    expect(await traces({ since: '2026-11-03T09:31:00Z', until: '2026-11-03T09:33:00Z' })).toEqual([
      plannerTraces[2],
      plannerTraces[1],
    ]);
    expect(await traces({ since: '1h' })).toEqual([]);
    expect(await traces({ since: '36500d', agent: 'Researcher' })).toHaveLength(2);
  });

  it('pages with nextCursor: every run once, in order', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await answerOf(session, 'list_runs', {
        sessionId: 'chat-2',
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.runs.map((run: { traceId: string }) => run.traceId));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([...plannerTraces].reverse());
  });
});

describe('get_run', () => {
  it('answers the run as its steps, depth first, with model, tokens, cost, decisions and events', async () => {
    const run = await answerOf(session, 'get_run', { id: researchTrace });
    expect(run).toMatchObject({ traceId: researchTrace, totalSteps: 4, firstStep: 0, nextCursor: null });
    expect(run.steps.map((step: { kind: string; depth: number }) => [step.kind, step.depth])).toEqual([
      ['agent', 0],
      ['llm', 1],
      ['tool', 1],
      ['decision', 1],
    ]);
    const [root, llm, , decision] = run.steps;
    expect(root).toMatchObject({ agent: 'Researcher', traceId: researchTrace, sessionId: 'chat-1', tenantId: 'acme' });
    expect(root.events.map((event: { message: string }) => event.message)).toEqual(['event 0', 'event 1', 'event 2']);
    expect(llm).toMatchObject({
      parentExecutionId: root.executionId,
      model: { provider: 'openai', request: 'gpt-4o' },
      tokens: { input: 100, output: 20, cacheRead: 10 },
      costUsd: 0.00125,
      costSource: 'calculated',
    });
    expect(decision.decisions).toEqual([
      expect.objectContaining({ name: 'choose_channel', choice: 'linkedin', confidence: 0.9, outcome: null }),
    ]);
  });

  it('cuts long inputs with the marker, and keeps more when asked', async () => {
    const cut = (prompt: string) => {
      const match = /^(x*)…\[cut ([\d,]+) chars\]$/.exec(prompt)!;
      return { kept: match[1]!.length, cut: Number(match[2]!.replace(/,/g, '')) };
    };
    const short = cut((await answerOf(session, 'get_run', { id: researchTrace })).steps[0].input.prompt);
    expect(short.kept + short.cut).toBe(PROMPT_LENGTH);
    expect(short.kept).toBeLessThanOrEqual(500);
    const long = cut(
      (await answerOf(session, 'get_run', { id: researchTrace, maxStringLength: 20_000 })).steps[0].input.prompt,
    );
    expect(long.kept + long.cut).toBe(PROMPT_LENGTH);
    expect(long.kept).toBeGreaterThan(19_000);
  });

  it('opens one step by its execution id, and pages through long runs with nextCursor', async () => {
    const step = await answerOf(session, 'get_run', { id: llmExecutionId });
    expect(step.steps).toEqual([expect.objectContaining({ executionId: llmExecutionId, kind: 'llm', depth: 0 })]);

    const kinds: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await answerOf(session, 'get_run', { id: researchTrace, limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.firstStep).toBe(kinds.length);
      kinds.push(...page.steps.map((s: { kind: string }) => s.kind));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    expect(kinds).toEqual(['agent', 'llm', 'tool', 'decision']);

    const first = await answerOf(session, 'get_run', { id: researchTrace, limit: 1 });
    const other = await callTool(session, 'get_run', { id: failedTrace, cursor: first.nextCursor });
    expect(other).toMatchObject({ isError: true, text: expect.stringMatching(/^get_run: invalid cursor/) });
  });

  it('says which run id is unknown, and which is not an id', async () => {
    const unknown = newTraceId();
    expect(await callTool(session, 'get_run', { id: unknown })).toMatchObject({
      isError: true,
      text: `get_run: no run with id ${unknown}`,
    });
    expect((await callTool(session, 'get_run', { id: 'run-42' })).text).toMatch(
      /^get_run: id must be a 32-hex trace id or an execution uuid, got "run-42"/,
    );
  });
});

it('list_sessions: sessions newest first with their runs, a page at a time', async () => {
  const first = await answerOf(session, 'list_sessions', { limit: 2, runsPerSession: 1 });
  expect(first.sessions.map((s: { sessionId: string }) => s.sessionId)).toEqual(['globex-chat', 'chat-2']);
  expect(first.sessions[1]).toMatchObject({
    runCount: 5,
    agents: ['Planner'],
    statusCounts: { completed: 5 },
    runs: [expect.objectContaining({ traceId: plannerTraces[4], agent: 'Planner' })],
  });
  const second = await answerOf(session, 'list_sessions', { limit: 2, runsPerSession: 1, cursor: first.nextCursor });
  expect(second.sessions.map((s: { sessionId: string }) => s.sessionId)).toEqual(['chat-1']);
  expect(second.nextCursor).toBeNull();
});

describe('analytics', () => {
  it('run_stats: per agent, a page of groups at a time, the cursor bound to its arguments', async () => {
    const first = await answerOf(session, 'run_stats', { groupBy: 'agent', limit: 1 });
    expect(first).toMatchObject({ groupBy: 'agent', kind: 'agent', source: 'raw', totalGroups: 2 });
    expect(first.groups).toEqual([
      expect.objectContaining({ key: 'Planner', count: 6, succeeded: 5, failed: 1, successRate: 5 / 6 }),
    ]);
    const second = await answerOf(session, 'run_stats', { groupBy: 'agent', limit: 1, cursor: first.nextCursor });
    expect(second.groups).toEqual([expect.objectContaining({ key: 'Researcher', count: 2, failed: 1 })]);
    expect(second.nextCursor).toBeNull();
    const moved = await callTool(session, 'run_stats', { groupBy: 'user', limit: 1, cursor: first.nextCursor });
    expect(moved).toMatchObject({ isError: true, text: expect.stringMatching(/^run_stats: invalid cursor/) });
    const byRepo = await answerOf(session, 'run_stats', { groupBy: 'metadata.repo', agent: 'Researcher' });
    expect(byRepo.groups.map((group: { key: string | null }) => group.key).sort()).toEqual(['acme/api', null]);
  });

  it('cost_breakdown: cost and tokens per model, and the total', async () => {
    const costs = await answerOf(session, 'cost_breakdown', { groupBy: 'model' });
    expect(costs.groups).toEqual([expect.objectContaining({ key: 'gpt-4o', executions: 6 })]);
    expect(costs.groups[0].costUsd).toBeCloseTo(6 * 0.00125, 10);
    expect(costs.total).toMatchObject({ executions: 6, tokens: expect.objectContaining({ input: 600 }) });
  });

  it('top_errors: the most frequent failures, long messages cut with the marker', async () => {
    const { errors, nextCursor } = await answerOf(session, 'top_errors');
    expect(nextCursor).toBeNull();
    expect(errors).toHaveLength(2);
    const timeout = errors.find((group: { errorType: string }) => group.errorType === 'TimeoutError');
    expect(timeout).toMatchObject({ count: 1, agents: ['Researcher'], latestTraceId: failedTrace });
    const cut = (LONG_ERROR.length - 500).toLocaleString('en-US');
    expect(timeout.errorMessage).toBe(`${LONG_ERROR.slice(0, 500)}…[cut ${cut} chars]`);
    const paged = await answerOf(session, 'top_errors', { limit: 1 });
    expect(paged.errors).toHaveLength(1);
    const rest = await answerOf(session, 'top_errors', { limit: 1, cursor: paged.nextCursor });
    expect(rest.errors).toHaveLength(1);
    expect(rest.errors[0].errorType).not.toBe(paged.errors[0].errorType);
  });

  it('list_decisions and decision_stats', async () => {
    const { decisions } = await answerOf(session, 'list_decisions', { agent: 'ResearchAgent' });
    expect(decisions).toEqual([
      expect.objectContaining({
        name: 'choose_channel',
        choice: 'linkedin',
        reasoning: 'B2B audience',
        confidence: 0.9,
      }),
    ]);
    expect((await answerOf(session, 'list_decisions', { minConfidence: 0.95 })).decisions).toEqual([]);
    expect(await answerOf(session, 'decision_stats')).toMatchObject({ total: 1, pending: 1, recorded: 0 });
  });
});

it('health: the database reachable, its runs, the rollups never refreshed', async () => {
  const health = await answerOf(session, 'health');
  expect(health).toMatchObject({
    server: { tenant: null, database: expect.stringMatching(/^postgres(ql)?:\/\//) },
    database: { reachable: true, migrated: true },
    runs: { total: 8, running: 0, failed: 2, latestStartedAt: at(40).toISOString() },
    rollups: { completeUntil: null, lagMinutes: null },
  });
});

describe('bad arguments are tool errors that name the problem', () => {
  it.each([
    ['list_runs', { limit: 0 }, /limit/],
    ['list_runs', { limit: 51 }, /limit/],
    ['list_runs', { agnet: 'Planner' }, /agnet/],
    ['list_runs', { status: 'done' }, /status must be one of running, completed, failed, cancelled, abandoned/],
    ['list_runs', { metadata: { repo: { nested: true } } }, /metadata must be an object of key\/value pairs/],
    ['list_runs', { metadata: { 'bad key': 1 } }, /^list_runs: metadata key must be a letter or _/],
    ['list_runs', { since: 'yesterday' }, /^list_runs: since must be a Date or an ISO 8601 string/],
    ['list_runs', { since: '2026-11-03T10:00:00Z', until: '2026-11-03T09:00:00Z' }, /since must be before until/],
    ['list_runs', { since: '99999999d' }, /^list_runs: since: An age must be at most 1,000 years/],
    ['list_runs', { cursor: 'not-a-cursor' }, /^list_runs: invalid cursor/],
    ['get_run', {}, /id/],
    ['run_stats', {}, /groupBy/],
    ['run_stats', { groupBy: 'colour' }, /groupBy must be one of agent, model, .*metadata\.<key>/],
    ['run_stats', { groupBy: 'model', kind: 'agent' }, /^run_stats: groupBy model needs kind llm/],
    ['cost_breakdown', { groupBy: 'metadata.bad key' }, /^cost_breakdown: .*metadata/],
    ['list_decisions', { minConfidence: 2 }, /minConfidence/],
    ['list_sessions', { runsPerSession: 11 }, /runsPerSession/],
    ['top_errors', { kind: 'everything' }, /kind/],
  ])('%s %j', async (tool, args, message) => {
    const answer = await callTool(session, tool, args);
    expect(answer.isError).toBe(true);
    expect(answer.text).toMatch(message);
  });

  it('an unknown tool too, and the server answers on after every one', async () => {
    expect(await callTool(session, 'delete_runs', {})).toMatchObject({
      isError: true,
      text: expect.stringMatching(/delete_runs/),
    });
    expect((await answerOf(session, 'health')).database.reachable).toBe(true);
    expect(session.stderr()).not.toMatch(/TypeError|at .*\.ts:\d+/);
    expect(session.protocolErrors()).toEqual([]);
  });
});
