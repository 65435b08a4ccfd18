import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { AgentRunRepository } from '../../src/query/agent-run-repository';
import { refreshHourlyRollups } from '../../src/rollups/hourly-rollups';
import { runMigrations } from '../../src/store/connection/migrate';
import { ensurePartitions } from '../../src/store/maintenance/ensure-partitions';
import { pruneRuns } from '../../src/store/maintenance/prune-runs';
import { addMonths, monthStart, partitionName } from '../../src/store/schema/partitions';
import { tablesArePartitioned } from '../../src/store/schema/table-layout';
import type { SpanRecord } from '../../src/model/records';
import { SpanWriter } from '../../src/store/write/span-writer';
import { agentRun, decisionRecord, eventRecord, seed } from '../query/run-seeds';
import { finalSpan, llmSpan, newTraceId, runningSpan } from '../support/span-records';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';

/**
 * Time partitions (opt-in): `migrate --partitioned` turns agent_executions (by started_at) and agent_events (by
 * occurred_at) into monthly partitions with the rows in them; writes, re-deliveries and reads behave as before; retention
 * (pruneRuns) drops whole months, every run whole, the rollups kept. On a server, on PGlite and (npm run test:citus)
 * on Citus, where the partitioned tables are distributed too.
 */

const now = new Date();
/** The first instant of the month `offset` months from this one. */
const month = (offset: number) => addMonths(monthStart(now), offset);
const inMonth = (offset: number, minutes = 0) => new Date(month(offset).getTime() + 86_400_000 + minutes * 60_000);

/** A run with a nested LLM call (tokens), a decision and an event, started in a month. */
function run(agentName: string, startedAt: Date, traceId = newTraceId()): SpanRecord[] {
  const root = agentRun({ agentName, startedAt, traceId });
  root.decisions = [decisionRecord(0, { occurredAt: startedAt })];
  const call = llmSpan(traceId, root.execution.spanId, { inputTokens: 100, outputTokens: 10 }, { startedAt });
  call.events = [eventRecord(0, { occurredAt: new Date(startedAt.getTime() + 10) })];
  return [root, call];
}

const count = async (dataSource: DataSource, sql: string, parameters: unknown[] = []) =>
  Number((await dataSource.query(sql, parameters))[0].n);

let fixture: StoreFixture;
let dataSource: DataSource;
const old = run('Old', inMonth(-6));
const older = run('Older', inMonth(-7));
const recent = run('Recent', inMonth(0));

beforeAll(async () => {
  fixture = await createStoreFixture();
  dataSource = fixture.dataSource;
  // Rows first, partitions after: the conversion keeps them.
  await seed(dataSource, [...older, ...old, ...recent]);
});
afterAll(() => fixture.close());

describe('time partitions', () => {
  let before: unknown;

  it('migrate with partitioned: the two tables by month, every row kept, the same answers', async () => {
    const repository = new AgentRunRepository(dataSource);
    before = await repository.history({ limit: 50 });
    const executions = await count(dataSource, 'SELECT count(*)::int AS n FROM agent_executions');
    await runMigrations(dataSource, { partitioned: true });
    expect(await tablesArePartitioned(dataSource, dataSource)).toBe(true);
    const partitions: string[] = (
      await dataSource.query(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'agent_executions'::regclass ORDER BY 1`,
      )
    ).map((row: { name: string }) => row.name);
    // From the month of the oldest row, three months ahead, everything before, and the default.
    expect(partitions).toEqual(
      expect.arrayContaining([
        'agent_executions_before',
        'agent_executions_default',
        partitionName('agent_executions', month(-7)),
        partitionName('agent_executions', month(0)),
        partitionName('agent_executions', month(3)),
      ]),
    );
    expect(await count(dataSource, 'SELECT count(*)::int AS n FROM agent_executions')).toBe(executions);
    expect(await repository.history({ limit: 50 })).toEqual(before);
    // Again: nothing to do.
    await runMigrations(dataSource, { partitioned: true });
    expect(await count(dataSource, 'SELECT count(*)::int AS n FROM agent_executions')).toBe(executions);
  });

  // COPY on a server only: PGlite's socket server takes no COPY data (the writer never sends it there).
  it.each(process.env.DATABASE_URL ? (['copy', 'upsert'] as const) : (['upsert'] as const))(
    'takes writes as before (%s): a running row completed, spans and events delivered twice stored once',
    async (loadMethod) => {
      const writer = new SpanWriter(dataSource, { loadMethod });
      const traceId = newTraceId();
      const startedAt = inMonth(0, 5);
      const [root, call] = run('Partitioned', startedAt, traceId);
      await writer.write([runningSpan({ traceId, spanId: root!.execution.spanId, execution: root!.execution })]);
      await writer.write([call!]);
      await writer.write([call!, root!]);
      await writer.write([root!, call!]);
      expect(
        await dataSource.query(
          `SELECT e.status, count(*)::int AS n, max(p.total_input_tokens)::int AS tokens
           FROM agent_executions e LEFT JOIN agent_performance p ON p.trace_id = e.trace_id AND p.execution_id = e.id
           WHERE e.trace_id = $1 GROUP BY e.status, e.kind ORDER BY e.kind`,
          [traceId],
        ),
      ).toEqual([
        { status: 'completed', n: 1, tokens: 100 },
        { status: 'completed', n: 1, tokens: null },
      ]);
      expect(
        await count(dataSource, 'SELECT count(*)::int AS n FROM agent_events WHERE trace_id = $1', [traceId]),
      ).toBe(1);
    },
  );

  it('keeps a span from beyond the partitions in the default one, and moves it when its month is made', async () => {
    const traceId = newTraceId();
    const far = finalSpan({ traceId, kind: 'agent', execution: { startedAt: inMonth(8) } });
    await seed(dataSource, [far]);
    const inDefault = `SELECT count(*)::int AS n FROM agent_executions_default WHERE trace_id = $1`;
    expect(await count(dataSource, inDefault, [traceId])).toBe(1);
    const queryRunner = dataSource.createQueryRunner();
    try {
      await ensurePartitions(queryRunner, undefined, 'agent_executions', { from: month(8) });
    } finally {
      await queryRunner.release();
    }
    expect(await count(dataSource, inDefault, [traceId])).toBe(0);
    const inMonth8 = `SELECT count(*)::int AS n FROM ${partitionName('agent_executions', month(8))} WHERE trace_id = $1`;
    expect(await count(dataSource, inMonth8, [traceId])).toBe(1);
  });

  it('retention drops whole months: every run whole, a running one keeps its month, the rollups kept', async () => {
    // A run that crossed the end of month −6 (its call starts in month −5), and one still running in month −4.
    const crossing = run('Crossing', new Date(month(-5).getTime() - 60_000));
    crossing[1]!.execution.startedAt = new Date(month(-5).getTime() + 60_000);
    crossing[1]!.events[0]!.occurredAt = new Date(month(-5).getTime() + 61_000);
    const running = agentRun({ agentName: 'Stuck', startedAt: inMonth(-4), status: 'running' });
    await seed(dataSource, [...crossing, running]);
    await refreshHourlyRollups(dataSource);
    const rollups = () =>
      dataSource.query(
        `SELECT agent_name, hour, total, input_tokens FROM agent_metrics_hourly
         WHERE agent_name IN ('Old', 'Older', 'Crossing') ORDER BY 1, 2`,
      );
    const summarized = await rollups();
    expect(summarized).toHaveLength(3);

    const result = await pruneRuns(dataSource, { olderThan: month(-2) });
    // Months −7, −6 and −5 go (and everything before); month −4 holds a running run: it stays, and the later ones.
    expect(result.partitionsDropped).toEqual(
      expect.arrayContaining([
        'agent_executions_before',
        partitionName('agent_executions', month(-7)),
        partitionName('agent_events', month(-6)),
        partitionName('agent_executions', month(-5)),
      ]),
    );
    expect(result.partitionKept).toEqual({
      partition: partitionName('agent_executions', month(-4)),
      reason: 'a run in it is still running',
    });
    const gone = [...old, ...older, ...crossing].map((record) => record.execution.traceId);
    for (const table of ['agent_executions', 'agent_performance', 'agent_decisions', 'agent_events']) {
      expect([
        table,
        await count(dataSource, `SELECT count(*)::int AS n FROM ${table} WHERE trace_id = ANY($1)`, [gone]),
      ]).toEqual([table, 0]);
    }
    expect(result).toMatchObject({ traces: 3, executions: 6, performance: 6, decisions: 3, events: 3 });
    // The rest is untouched, the running run included.
    const kept = [...recent, running].map((record) => record.execution.traceId);
    expect(
      await count(dataSource, 'SELECT count(*)::int AS n FROM agent_executions WHERE trace_id = ANY($1)', [kept]),
    ).toBe(3);
    // The rollups keep the history, also when the hours are recomputed.
    expect(await rollups()).toEqual(summarized);
    await refreshHourlyRollups(dataSource, { since: month(-8), until: month(-1) });
    expect(await rollups()).toEqual(summarized);
  });
});
