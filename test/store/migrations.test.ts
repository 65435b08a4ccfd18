import 'reflect-metadata';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createAgentspanDataSource } from '../../src/store/connection/data-source';
import { MIGRATION_LOCK_KEY, revertAllMigrations, runMigrations } from '../../src/store/connection/migrate';
import { SpanWriter } from '../../src/store/write/span-writer';
import { agentspanMigrations } from '../../migrations';
import { BinaryCollationForIds1796000000000 } from '../../migrations/1796000000000-BinaryCollationForIds';
import { TraceIdInEveryKey1797552000000 } from '../../migrations/1797552000000-TraceIdInEveryKey';
import { firstJsonLine, spawnTypeScript, stopChild } from '../support/child-process';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { finalSpan, llmSpan, newTraceId } from '../support/span-records';

const AGENTSPAN_TABLES = [
  'agent_decisions',
  'agent_events',
  'agent_executions',
  'agent_metrics_hourly',
  'agent_performance',
  'agentspan_rollup_state',
  'agentspan_run_changes',
];
/** What a migrated schema holds: our tables and TypeORM's bookkeeping table, in name order. */
const MIGRATED_TABLES = [...AGENTSPAN_TABLES, 'agentspan_migrations', 'model_prices'].sort();

const EXPECTED_INDEXES = [
  'idx_agent_decisions_agent_confidence',
  'idx_agent_decisions_agent_occurred',
  'idx_agent_decisions_execution',
  'idx_agent_decisions_occurred',
  'idx_agent_events_execution',
  'idx_agent_executions_agent_started',
  'idx_agent_executions_agent_updated',
  'idx_agent_executions_created_brin',
  'idx_agent_executions_metadata',
  'idx_agent_executions_parent',
  'idx_agent_executions_running',
  'idx_agent_executions_session_started',
  'idx_agent_executions_started',
  'idx_agent_executions_status_started',
  'idx_agent_executions_tenant_started',
  'idx_agent_executions_user_started',
  'idx_agent_metrics_hourly_hour',
  'idx_agent_performance_totals_updated',
  'pk_agent_decisions',
  'pk_agent_events',
  'pk_agent_executions',
  'pk_agent_metrics_hourly',
  'pk_agent_performance',
  'uq_agent_decisions_span_ordinal',
  'uq_agent_events_span_ordinal',
  'uq_agent_executions_span',
];

let database: TestDatabase;
const openDataSources: DataSource[] = [];

async function open(options: { schema?: string } = {}): Promise<DataSource> {
  const dataSource = await createAgentspanDataSource({ url: database.url, poolSize: 2, ...options });
  openDataSources.push(dataSource);
  return dataSource;
}

async function tablesIn(dataSource: DataSource, schema = 'public'): Promise<string[]> {
  const rows: Array<{ tablename: string }> = await dataSource.query(
    `SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename`,
    [schema],
  );
  return rows.map((row) => row.tablename);
}

async function indexesIn(dataSource: DataSource, schema = 'public'): Promise<string[]> {
  const rows: Array<{ indexname: string }> = await dataSource.query(
    `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename LIKE 'agent\\_%' ORDER BY indexname`,
    [schema],
  );
  return rows.map((row) => row.indexname);
}

/** The collation of every trace and span id column, as "table.column collation" (null: the database default). */
async function idCollationsIn(dataSource: DataSource): Promise<string[]> {
  const rows: Array<{ column: string; collation: string | null }> = await dataSource.query(
    `SELECT table_name || '.' || column_name AS column, collation_name AS collation FROM information_schema.columns
     WHERE table_schema = 'public' AND column_name IN ('trace_id', 'span_id', 'parent_span_id')
       AND table_name LIKE 'agent\\_%' ORDER BY 1`,
  );
  return rows.map((row) => `${row.column} ${row.collation}`);
}

const ID_COLUMNS = [
  'agent_decisions.span_id',
  'agent_decisions.trace_id',
  'agent_events.span_id',
  'agent_events.trace_id',
  'agent_executions.parent_span_id',
  'agent_executions.span_id',
  'agent_executions.trace_id',
];

/** Undoes the latest migrations, down to and including `name`; returns the names undone, latest first. */
async function undoDownTo(dataSource: DataSource, name: string): Promise<string[]> {
  const position = agentspanMigrations.findIndex((migration) => migration.name === name);
  if (position < 0) throw new Error(`no migration ${name}`);
  const undone = agentspanMigrations
    .slice(position)
    .map((migration) => migration.name)
    .reverse();
  for (let i = 0; i < undone.length; i++) await dataSource.undoLastMigration({ transaction: 'each' });
  return undone;
}

beforeAll(async () => {
  database = await createTestDatabase();
});

afterEach(async () => {
  for (const dataSource of openDataSources.splice(0)) {
    if (!dataSource.isInitialized) continue;
    await revertAllMigrations(dataSource).catch(() => undefined);
    await dataSource.destroy();
  }
});

afterAll(async () => {
  await database?.close();
});

describe('migrations', () => {
  it('go up, down and up again, and down removes everything up created', async () => {
    const dataSource = await open();
    expect(await tablesIn(dataSource)).toEqual([]);

    expect(await runMigrations(dataSource)).toEqual(agentspanMigrations.map((migration) => migration.name));
    expect(await tablesIn(dataSource)).toEqual(MIGRATED_TABLES);
    expect(await indexesIn(dataSource)).toEqual(EXPECTED_INDEXES);
    expect(await runMigrations(dataSource)).toEqual([]);

    expect(await revertAllMigrations(dataSource)).toEqual(
      agentspanMigrations.map((migration) => migration.name).reverse(),
    );
    // Only TypeORM's own bookkeeping table is left (created by the executor, not by a migration), and it is empty.
    expect(await tablesIn(dataSource)).toEqual(['agentspan_migrations']);
    expect(await indexesIn(dataSource)).toEqual([]);
    expect(await dataSource.query(`SELECT * FROM agentspan_migrations`)).toEqual([]);

    await runMigrations(dataSource);
    expect(await tablesIn(dataSource)).toEqual(MIGRATED_TABLES);
    const written = await new SpanWriter(dataSource).write([finalSpan({ traceId: newTraceId() })]);
    expect(written).toEqual({ written: 1, rejected: [] });
    // The seeded list prices came back with the table, and the cost columns with agent_performance.
    const [{ prices }] = await dataSource.query(
      `SELECT count(*)::int AS prices FROM model_prices WHERE valid_to IS NULL`,
    );
    expect(prices).toBe(39);
    const columns: Array<{ name: string }> = await dataSource.query(
      `SELECT column_name AS name FROM information_schema.columns
       WHERE table_name = 'agent_performance' AND column_name IN ('usage_source', 'price_id', 'unknown_cost_count')
       ORDER BY column_name`,
    );
    expect(columns.map((column) => column.name)).toEqual(['price_id', 'unknown_cost_count', 'usage_source']);
  });

  it('put trace_id in every key of a database with runs in it, filling agent_performance.trace_id, and back', async () => {
    const dataSource = await open();
    await runMigrations(dataSource);
    const traceId = newTraceId();
    await new SpanWriter(dataSource).write([finalSpan({ traceId, kind: 'llm' })]);
    expect(await undoDownTo(dataSource, TraceIdInEveryKey1797552000000.name)).toEqual([
      TraceIdInEveryKey1797552000000.name,
    ]);
    // Before it: performance rows have no trace; one of them has lost its execution.
    await dataSource.query(
      `INSERT INTO agent_performance (execution_id, cost_source) VALUES (gen_random_uuid(), 'unknown')`,
    );
    const keys = () =>
      dataSource.query(
        `SELECT conrelid::regclass::text AS "table", pg_get_constraintdef(oid) AS key FROM pg_constraint
         WHERE contype = 'p'
           AND conrelid::regclass::text IN ('agent_decisions', 'agent_events', 'agent_executions', 'agent_performance')
         ORDER BY 1`,
      );
    expect(await keys()).toEqual([
      { table: 'agent_decisions', key: 'PRIMARY KEY (id)' },
      { table: 'agent_events', key: 'PRIMARY KEY (id)' },
      { table: 'agent_executions', key: 'PRIMARY KEY (id)' },
      { table: 'agent_performance', key: 'PRIMARY KEY (execution_id)' },
    ]);
    await runMigrations(dataSource);
    expect(await keys()).toEqual([
      { table: 'agent_decisions', key: 'PRIMARY KEY (id, trace_id)' },
      { table: 'agent_events', key: 'PRIMARY KEY (id, trace_id)' },
      { table: 'agent_executions', key: 'PRIMARY KEY (id, trace_id)' },
      { table: 'agent_performance', key: 'PRIMARY KEY (execution_id, trace_id)' },
    ]);
    // The stored row got its execution's trace; the orphan, which has none, is gone.
    expect(await dataSource.query(`SELECT trace_id FROM agent_performance`)).toEqual([{ trace_id: traceId }]);
  });

  it('compare trace and span ids byte by byte (COLLATE "C"), and give the database default back on the way down', async () => {
    const dataSource = await open();
    await runMigrations(dataSource);
    // agent_performance.trace_id came later (TraceIdInEveryKey), with the collation of the others.
    expect(await idCollationsIn(dataSource)).toEqual(
      [...ID_COLUMNS, 'agent_performance.trace_id'].map((column) => `${column} C`),
    );
    // The unique span index still finds a span by its ids (the parameters take the column's collation).
    const traceId = newTraceId();
    await new SpanWriter(dataSource).write([finalSpan({ traceId })]);
    const [{ found }] = await dataSource.query(
      `SELECT count(*)::int AS found FROM agent_executions WHERE trace_id = $1`,
      [traceId],
    );
    expect(found).toBe(1);

    await undoDownTo(dataSource, BinaryCollationForIds1796000000000.name);
    expect(await idCollationsIn(dataSource)).toEqual(ID_COLUMNS.map((column) => `${column} null`));
  });

  it('take the analytics migrations down and up again on their own: metrics column, rollup tables, their indexes', async () => {
    const dataSource = await open();
    await runMigrations(dataSource);
    const metricsColumn = async () =>
      (
        await dataSource.query(
          `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'agent_executions' AND column_name = 'metrics'`,
        )
      )[0].n;
    expect(await metricsColumn()).toBe(1);

    // Down to and including AddExecutionMetrics: the migrations after it go first.
    const undone = await undoDownTo(dataSource, 'AddExecutionMetrics1796515200000');
    expect(await metricsColumn()).toBe(0);
    expect(await tablesIn(dataSource)).toEqual([
      'agent_decisions',
      'agent_events',
      'agent_executions',
      'agent_performance',
      'agentspan_migrations',
    ]);
    const analyticsIndexes = EXPECTED_INDEXES.filter((name) => /updated|hourly/.test(name));
    expect(analyticsIndexes).toHaveLength(4);
    // AddRunContextIndexes came later, so it went down too.
    const laterIndexes = ['idx_agent_executions_metadata', 'idx_agent_executions_session_started'];
    expect(await indexesIn(dataSource)).toEqual(
      EXPECTED_INDEXES.filter((name) => !analyticsIndexes.includes(name) && !laterIndexes.includes(name)),
    );

    expect(undone).toEqual(
      expect.arrayContaining(['AddExecutionMetrics1796515200000', 'CreateAgentMetricsHourly1796518800000']),
    );
    expect(await runMigrations(dataSource)).toEqual([...undone].reverse());
    expect(await metricsColumn()).toBe(1);
    expect(await indexesIn(dataSource)).toEqual(EXPECTED_INDEXES);
  });

  it('leave nothing for TypeORM to change: the entities describe exactly the migrated schema', async () => {
    const dataSource = await open();
    await runMigrations(dataSource);
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('end in the right schema when two DataSources of one process migrate at the same time', async () => {
    const [first, second] = await Promise.all([open(), open()]);
    const results = await Promise.all([runMigrations(first), runMigrations(second)]);

    // Exactly one of them applied the migrations; the other found nothing to do.
    expect(results.map((applied) => applied.length).sort()).toEqual([0, agentspanMigrations.length]);
    expect(await first.query(`SELECT name FROM agentspan_migrations`)).toHaveLength(agentspanMigrations.length);
    expect(await tablesIn(first)).toEqual(MIGRATED_TABLES);
    expect(await indexesIn(second)).toEqual(EXPECTED_INDEXES);
  });

  it('create the tables in the configured schema, where the writer finds them', async () => {
    const dataSource = await open({ schema: 'agentspan_custom' });
    await runMigrations(dataSource);
    expect(await tablesIn(dataSource, 'agentspan_custom')).toEqual(MIGRATED_TABLES);
    expect(await tablesIn(dataSource, 'public')).not.toContain('agent_executions');

    const traceId = newTraceId();
    const agent = finalSpan({ traceId });
    const result = await new SpanWriter(dataSource).write([agent, llmSpan(traceId, agent.execution.spanId)]);
    expect(result.rejected).toEqual([]);
    const [{ llmCalls }] = await dataSource.query(
      `SELECT p.llm_call_count AS "llmCalls" FROM agentspan_custom.agent_performance p
       JOIN agentspan_custom.agent_executions e ON e.trace_id = p.trace_id AND e.id = p.execution_id WHERE e.span_id = $1`,
      [agent.execution.spanId],
    );
    expect(llmCalls).toBe(1);

    await revertAllMigrations(dataSource);
    expect(await tablesIn(dataSource, 'agentspan_custom')).toEqual(['agentspan_migrations']);
  });

  // On PGlite every connection shares one backend session, where advisory locks are re-entrant: there the
  // in-process queue does the excluding (covered by the concurrent test above), and only one process can own the
  // database anyway. On a server, the advisory lock is what keeps separate processes apart.
  const onServer = process.env.DATABASE_URL ? it : it.skip;

  onServer('end in the right schema when two separate processes migrate at the same time', async () => {
    const children = [0, 1].map(() =>
      spawnTypeScript('test/support/migrate-process.ts', { AGENTSPAN_TEST_URL: database.url }),
    );
    try {
      const results = await Promise.all(
        children.map((child) => firstJsonLine<{ applied?: string[]; error?: string }>(child)),
      );
      expect(results.map((result) => result.error)).toEqual([undefined, undefined]);
      expect(results.map((result) => result.applied!.length).sort()).toEqual([0, agentspanMigrations.length]);
      const dataSource = await open();
      expect(await dataSource.query(`SELECT name FROM agentspan_migrations`)).toHaveLength(agentspanMigrations.length);
      expect(await indexesIn(dataSource)).toEqual(EXPECTED_INDEXES);
    } finally {
      await Promise.all(children.map((child) => stopChild(child)));
    }
  });
  onServer('wait for the advisory lock another process holds', async () => {
    const dataSource = await open();
    const otherProcess = new Client({ connectionString: database.url });
    await otherProcess.connect();
    try {
      await otherProcess.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
      let finished = false;
      const migrating = runMigrations(dataSource).then((applied) => {
        finished = true;
        return applied;
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(finished).toBe(false);
      const { rows } = await otherProcess.query(
        `SELECT count(*)::int AS count FROM pg_tables WHERE tablename = 'agent_executions'`,
      );
      expect(rows).toEqual([{ count: 0 }]);

      await otherProcess.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]);
      expect(await migrating).toHaveLength(agentspanMigrations.length);
    } finally {
      await otherProcess.end();
    }
  });
});
