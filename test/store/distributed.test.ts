import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { runCli } from '../../src/cli/run-cli';
import { AgentRunRepository } from '../../src/query/agent-run-repository';
import { startAgentTelemetry } from '../../src/setup/start-agent-telemetry';
import { createAgentspanDataSource } from '../../src/store/connection/data-source';
import { NotDistributableError } from '../../src/store/connection/distribute';
import { runMigrations } from '../../src/store/connection/migrate';
import { layoutOf } from '../../src/store/schema/table-layout';
import { SpanWriter } from '../../src/store/write/span-writer';
import { CITUS_SKIP_REASON, citusUrl, createCitusDatabase, testsAreDistributed } from '../support/citus-database';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { agentRun, decisionRecord, eventRecord } from '../query/run-seeds';
import { finalSpan, llmSpan, newTraceId, runningSpan } from '../support/span-records';

/**
 * Distributed tables (Citus): `agentspan migrate --distributed` and startAgentTelemetry({ distributed: true }). The
 * refusals run everywhere; the cluster tests run when AGENTSPAN_CITUS_URL names a coordinator (scripts/citus-cluster.sh)
 * and are skipped, with that reason in their title, otherwise. `npm run test:citus` runs the other integration tests
 * on the cluster too.
 */

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), env: {} });
  return { code, stdout, stderr };
}

describe('distribution refused where it cannot be', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase({ empty: true });
  });
  afterAll(() => database.close());

  it('on a database without the citus extension: a clear error, and the migrations applied', async () => {
    const dataSource = await createAgentspanDataSource({ url: database.url, poolSize: 1 });
    try {
      const refused = await runMigrations(dataSource, { distributed: true }).catch((error: unknown) => error);
      // On the Citus test cluster every database has the extension: there, distribution succeeds instead.
      if (refused instanceof Error) {
        expect(refused).toBeInstanceOf(NotDistributableError);
        expect(refused.message).toContain('the database has no citus extension');
        expect(await layoutOf(dataSource)).toBe('single');
      }
      const [{ count }] = await dataSource.query(`SELECT count(*)::int AS count FROM agent_executions`);
      expect(count).toBe(0);
    } finally {
      await dataSource.destroy();
    }
  });

  it('agentspan migrate --distributed: exit 3 without citus, exit 2 on the embedded database', async () => {
    if (!testsAreDistributed() && process.env.DATABASE_URL) {
      const refused = await run(['--database', database.url, 'migrate', '--distributed']);
      expect(refused).toMatchObject({ code: 3, stdout: '' });
      expect(refused.stderr).toContain('cannot distribute the tables: the database has no citus extension');
    }
    const embedded = await run(['--data-dir', '/nonexistent/agentspan', 'migrate', '--distributed']);
    expect(embedded.code).toBe(2);
    expect(embedded.stderr).toContain('--distributed needs a Citus coordinator');
  });

  it('startAgentTelemetry({ distributed }): needs a database URL and migrate', async () => {
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      await expect(startAgentTelemetry({ distributed: true })).rejects.toThrow(
        'option distributed needs a Citus coordinator',
      );
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
    }
    await expect(startAgentTelemetry({ distributed: true, migrate: false })).rejects.toThrow('it needs migrate');
    await expect(startAgentTelemetry({ partitioned: true, migrate: false })).rejects.toThrow('it needs migrate');
    await expect(startAgentTelemetry({ distributed: 'yes' as never })).rejects.toThrow('option distributed');
  });
});

const onCitus = citusUrl() === undefined ? describe.skip : describe;

onCitus(`on a Citus cluster (${citusUrl() === undefined ? CITUS_SKIP_REASON : 'AGENTSPAN_CITUS_URL'})`, () => {
  const cluster = citusUrl()!;
  const opened: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const item of opened.reverse()) await item.close().catch(() => undefined);
  });
  async function emptyDatabase(): Promise<string> {
    const database = await createCitusDatabase(cluster, { migrated: false });
    opened.push(database);
    return database.url;
  }
  async function open(url: string): Promise<DataSource> {
    const dataSource = await createAgentspanDataSource({ url, poolSize: 4 });
    opened.push({ close: () => dataSource.destroy() });
    return dataSource;
  }
  const citusTables = (dataSource: DataSource) =>
    dataSource.query(
      `SELECT table_name::text AS name, citus_table_type AS type, distribution_column AS "column",
              colocation_id AS colocation
       FROM citus_tables ORDER BY 1`,
    ) as Promise<Array<{ name: string; type: string; column: string; colocation: number }>>;

  it('agentspan migrate --distributed: run tables by trace_id, co-located; shared ones replicated; idempotent', async () => {
    const url = await emptyDatabase();
    expect((await run(['--database', url, 'migrate', '--shards', '4'])).stderr).toContain(
      '--shards goes with --distributed',
    );
    expect((await run(['--database', url, 'migrate', '--distributed', '--shards', '0'])).code).toBe(2);
    const first = await run(['--database', url, 'migrate', '--distributed', '--shards', '4']);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/applied \d+ migration\(s\), tables distributed/);
    expect((await run(['--database', url, 'migrate', '--distributed'])).stdout).toContain(
      'up to date, tables distributed',
    );
    const dataSource = await open(url);
    const tables = await citusTables(dataSource);
    const [{ shards }] = await dataSource.query(
      `SELECT count(*)::int AS shards FROM pg_dist_shard WHERE logicalrelid = 'agent_events'::regclass`,
    );
    expect(shards).toBe(4);
    const runTables = tables.filter((table) => table.type === 'distributed');
    expect(runTables.map((table) => table.name)).toEqual([
      'agent_decisions',
      'agent_events',
      'agent_executions',
      'agent_performance',
    ]);
    expect(new Set(runTables.map((table) => `${table.column}/${table.colocation}`))).toEqual(
      new Set([`trace_id/${runTables[0]!.colocation}`]),
    );
    expect(tables.filter((table) => table.type === 'reference').map((table) => table.name)).toEqual([
      'agent_metrics_hourly',
      'agentspan_rollup_state',
      'agentspan_run_changes',
      'model_prices',
    ]);
  });

  it('startAgentTelemetry({ distributed: true }) distributes on its first use of the database', async () => {
    const url = await emptyDatabase();
    const telemetry = await startAgentTelemetry({ databaseUrl: url, distributed: true, warnings: false });
    try {
      expect(await telemetry.runs.history({})).toMatchObject({ runs: [] });
    } finally {
      await telemetry.shutdown();
    }
    const dataSource = await open(url);
    expect(await layoutOf(dataSource)).toBe('distributed');
    expect((await citusTables(dataSource)).filter((table) => table.type === 'distributed')).toHaveLength(4);
  });

  it('refuses to distribute from a worker node', async () => {
    const url = await emptyDatabase();
    const dataSource = await open(url);
    const [worker] = await dataSource.query(
      `SELECT nodename AS host, nodeport AS port FROM pg_dist_node WHERE groupid <> 0 ORDER BY nodeport LIMIT 1`,
    );
    const workerUrl = new URL(url);
    workerUrl.hostname = worker.host;
    workerUrl.port = String(worker.port);
    const onWorker = await open(workerUrl.toString());
    await expect(runMigrations(onWorker, { distributed: true })).rejects.toThrow('from a worker node');
  });

  it('a database with runs in it, distributed afterwards, answers every query as it did', async () => {
    const url = await emptyDatabase();
    const dataSource = await open(url);
    await runMigrations(dataSource);
    const repository = new AgentRunRepository(dataSource);
    // Runs over several shards, each with children written in separate batches, a nested agent, decisions, events,
    // a running run and a failed one.
    const writer = new SpanWriter(dataSource);
    const start = new Date('2026-11-20T10:00:00Z');
    for (let i = 0; i < 12; i++) {
      const traceId = newTraceId();
      const root = agentRun({ agentName: `Agent${i % 3}`, startedAt: new Date(start.getTime() + i * 60_000), traceId });
      root.execution.sessionId = `session-${i % 4}`;
      if (i === 5) root.execution.status = 'failed';
      root.decisions = [decisionRecord(0)];
      const nested = finalSpan({ traceId, parentSpanId: root.execution.spanId, kind: 'agent' });
      const call = llmSpan(traceId, nested.execution.spanId, { inputTokens: 100 + i, outputTokens: 10 });
      call.events = [eventRecord(0)];
      await writer.write([call]);
      await writer.write([nested, i === 7 ? runningSpan({ traceId, spanId: root.execution.spanId }) : root]);
    }
    const answers = async (runs: AgentRunRepository) => {
      const { runs: listed } = await runs.history({ limit: 50 });
      const trees = await Promise.all(listed.map((listedRun) => runs.getRun(listedRun.traceId)));
      return {
        listed,
        trees,
        byExecution: await runs.getRun(listed[0]!.executionId),
        stats: await runs.stats({ groupBy: 'agent' }),
        costs: await runs.costBreakdown({ groupBy: 'model' }),
        errors: await runs.topErrors({}),
        sessions: await runs.sessions({}),
        decisions: await runs.decisions({}),
      };
    };
    const before = await answers(repository);
    expect(before.listed.length).toBeGreaterThan(12);

    expect((await run(['--database', url, 'migrate', '--distributed'])).code).toBe(0);
    const distributed = await open(url);
    expect(await layoutOf(distributed)).toBe('distributed');
    expect(await answers(new AgentRunRepository(distributed))).toEqual(before);
  });
});
