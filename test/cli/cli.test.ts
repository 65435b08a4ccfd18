import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { createAgentspanDataSource } from '../../src/store/connection/data-source';
import { SpanWriter } from '../../src/store/write/span-writer';
import { agentspanMigrations } from '../../migrations';
import { agentspan } from '../support/cli-process';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { finalSpan, llmSpan, newTraceId } from '../support/span-records';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';

let store: StoreFixture;
let url: string;
const failedTrace = newTraceId();
const okTrace = newTraceId();

beforeAll(async () => {
  store = await createStoreFixture();
  url = store.database.url;
  const failedAgent = finalSpan({
    traceId: failedTrace,
    kind: 'agent',
    execution: {
      agentName: 'WriterAgent',
      status: 'failed',
      errorType: 'CmsError',
      errorMessage: 'CMS said 503',
      startedAt: '2026-11-01T10:00:00.000000Z',
    },
  });
  failedAgent.decisions = [
    {
      ordinal: 0,
      name: 'channel',
      choice: '"linkedin"',
      alternatives: null,
      reasoning: 'B2B',
      confidence: 0.82,
      context: null,
      occurredAt: '2026-11-01T10:00:00.500000Z',
    },
  ];
  const okAgent = finalSpan({
    traceId: okTrace,
    kind: 'agent',
    execution: { agentName: 'ResearchAgent', startedAt: '2026-11-01T09:00:00.000000Z' },
  });
  await new SpanWriter(store.dataSource).write([
    llmSpan(failedTrace, failedAgent.execution.spanId, {
      inputTokens: 500,
      outputTokens: 100,
      costUsd: '0.0012500000',
    }),
    failedAgent,
    okAgent,
  ]);
}, 60_000);

afterAll(() => store?.close());

describe('agentspan CLI', () => {
  it('lists runs newest first as a table, and as JSON with --json', async () => {
    const table = await agentspan('--database', url, 'runs');
    expect(table).toMatchObject({ code: 0, stderr: '' });
    // Tokens in: input + cache read + cache write (500 + 10 + 0); out: output + reasoning (100 + 5).
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^started\s+agent\s+status\s+duration\s+tokens in\s+tokens out\s+cost \$\s+trace\s+error$/,
    );
    expect(lines[2]).toMatch(/WriterAgent\s+failed\s+.*510\s+105\s+0\.00125\s+[0-9a-f]{32}\s+CMS said 503/);
    expect(lines[3]).toMatch(/ResearchAgent\s+completed/);

    const json = await agentspan('runs', '--json', '--agent', 'WriterAgent', '--database', url);
    expect(json.code).toBe(0);
    const page = JSON.parse(json.stdout);
    expect(page.runs).toHaveLength(1);
    expect(page.runs[0]).toMatchObject({
      traceId: failedTrace,
      status: 'failed',
      totals: { inputTokens: 500, llmCalls: 1 },
    });
  }, 60_000);

  it('shows one run as a tree with its LLM call, decision and error', async () => {
    const { code, stdout } = await agentspan('--database', url, 'show', failedTrace);
    expect(code).toBe(0);
    expect(stdout).toContain(`trace ${failedTrace}`);
    expect(stdout).toMatch(/^invoke_agent ResearchAgent \[agent, failed\].*✗ CmsError: CMS said 503$/m);
    expect(stdout).toMatch(/^ {2}↳ decided channel = "linkedin" \(confidence 0\.82\)$/m);
    // The same tokens as `runs` counts: input + cache read + cache write, output + reasoning.
    expect(stdout).toMatch(
      /^ {2}chat gpt-4o \[llm, completed\].*510 in \(10 cached\) \/ 105 out \(5 reasoning\) {2}\$0\.00125$/m,
    );
  }, 60_000);

  it('lists decisions and reports database health', async () => {
    const decisions = await agentspan('--database', url, 'decisions', '--min-confidence', '0.8');
    expect(decisions.code).toBe(0);
    expect(decisions.stdout).toMatch(/WriterAgent\s+channel\s+"linkedin"\s+0\.82\s+pending/);
    const health = await agentspan('--database', url, '--json', 'health');
    expect(health.code).toBe(0);
    expect(JSON.parse(health.stdout)).toMatchObject({ reachable: true, runs: 2, failed: 1, running: 0, executions: 3 });
  }, 60_000);

  it('says what is wrong with a bad argument, exit code 2', async () => {
    const limit = await agentspan('--database', url, 'runs', '--limit', '0');
    expect(limit).toMatchObject({ code: 2, stdout: '' });
    expect(limit.stderr).toContain('limit must be an integer from 1 to 1000, got 0');
    const status = await agentspan('--database', url, 'runs', '--status', 'exploded');
    expect(status.code).toBe(2);
    expect(status.stderr).toMatch(/argument 'exploded' is invalid/);
    const command = await agentspan('explode');
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("unknown command 'explode'");
  }, 60_000);

  it('reports an unreachable database with exit code 3, never its password', async () => {
    const { code, stderr } = await agentspan('--database', 'postgres://admin:hunter2@127.0.0.1:1/nowhere', 'runs');
    expect(code).toBe(3);
    expect(stderr).toContain('postgres://admin:***@127.0.0.1:1/nowhere');
    expect(stderr).not.toContain('hunter2');
  }, 60_000);

  it('prunes runs older than an age, and refuses an age it cannot read', async () => {
    const oldTrace = newTraceId();
    await new SpanWriter(store.dataSource).write([finalSpan({ traceId: oldTrace, kind: 'agent' })]);
    await store.dataSource.query(
      `UPDATE agent_executions SET created_at = now() - interval '40 days' WHERE trace_id = $1`,
      [oldTrace],
    );
    const pruned = await agentspan('--database', url, '--json', 'prune', '--older-than', '30d');
    expect(pruned.code).toBe(0);
    expect(JSON.parse(pruned.stdout)).toEqual({
      traces: 1,
      executions: 1,
      performance: 1,
      decisions: 0,
      events: 0,
      partitionsDropped: [],
      partitionKept: null,
    });
    const bad = await agentspan('--database', url, 'prune', '--older-than', 'a while');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('olderThan must be a Date, an ISO 8601 time or an age in milliseconds');
    expect((await agentspan('--database', url, 'prune')).code).toBe(2);
  }, 60_000);

  it('says not found for an unknown run, exit code 1', async () => {
    const { code, stderr } = await agentspan('--database', url, 'show', newTraceId());
    expect(code).toBe(1);
    expect(stderr).toMatch(/no run with id [0-9a-f]{32}/);
  }, 60_000);
});

describe('agentspan migrate', () => {
  let empty: TestDatabase;
  beforeAll(async () => {
    empty = await createTestDatabase({ empty: true });
  }, 60_000);
  afterAll(() => empty?.close());

  it('points at migrate on a database without tables, and migrate creates them', async () => {
    const before = await agentspan('--database', empty.url, 'runs');
    expect(before.code).toBe(3);
    expect(before.stderr).toContain('has no agentspan tables: run `agentspan migrate` first');

    const migrate = await agentspan('--database', empty.url, 'migrate');
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toMatch(`applied ${agentspanMigrations.length} migration`);
    expect((await agentspan('--database', empty.url, 'migrate')).stdout).toMatch(/up to date/);

    const after = await agentspan('--database', empty.url, 'runs');
    expect(after).toMatchObject({ code: 0, stdout: '(no runs)\n' });
    const dataSource: DataSource = await createAgentspanDataSource({ url: empty.url, poolSize: 1 });
    try {
      const [{ tables }] = await dataSource.query(
        `SELECT count(*)::int AS tables FROM information_schema.tables WHERE table_name LIKE 'agent\\_%'`,
      );
      expect(tables).toBe(5); // executions, performance, decisions, events, metrics_hourly
    } finally {
      await dataSource.destroy();
    }
  }, 120_000);
});
