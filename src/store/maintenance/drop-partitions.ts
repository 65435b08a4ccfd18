import type { DataSource, QueryRunner } from 'typeorm';
import { qualifiedName, qualifiedTableName } from '../schema/table-names';
import { partitionDefault, type PartitionedTable } from '../schema/partitions';
import { tablesArePartitioned } from '../schema/table-layout';

export interface DroppedPartitions {
  /** The partitions detached and dropped, oldest first. */
  dropped: string[];
  /** The oldest partition that was due but kept, and why (the ones after it wait for it). */
  kept: { partition: string; reason: string } | null;
  /** Runs removed: those of the dropped partitions, with their rows in newer partitions and other tables. */
  traces: number;
  executions: number;
  performance: number;
  decisions: number;
  events: number;
}

/** Partitions of a table wholly before `cutoff`, oldest first, with the upper bound of each. */
async function partitionsBefore(
  queryRunner: QueryRunner,
  dataSource: DataSource,
  table: PartitionedTable,
  cutoff: Date,
): Promise<Array<{ name: string; until: Date }>> {
  const rows = (await queryRunner.query(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = to_regclass($1)`,
    [qualifiedTableName(dataSource, table)],
  )) as Array<{ name: string; bound: string }>;
  return rows
    .filter((row) => row.name !== partitionDefault(table))
    .map((row) => ({ name: row.name, until: new Date(/TO \('([^']+)'\)/.exec(row.bound)?.[1] ?? NaN) }))
    .filter((partition) => !Number.isNaN(partition.until.getTime()) && partition.until <= cutoff)
    .sort((a, b) => a.until.getTime() - b.until.getTime());
}

/**
 * Retention on time partitions: detaches and drops the partitions of agent_executions and agent_events that end at or
 * before `cutoff`, oldest month first, one month per transaction. Every run stays whole: a run with a row in a
 * dropped partition goes entirely — its rows in newer partitions (a run that crossed the month's end), its
 * performance and decision rows (tables that are not partitioned) are deleted with it, by their keys. A month holding
 * a run that is still running is kept, and the later ones with it (reported in `kept`). The caller refreshes the
 * hourly rollups first: they keep the history of what is dropped.
 */
export async function dropOldPartitions(dataSource: DataSource, cutoff: Date): Promise<DroppedPartitions> {
  const result: DroppedPartitions = {
    dropped: [],
    kept: null,
    traces: 0,
    executions: 0,
    performance: 0,
    decisions: 0,
    events: 0,
  };
  const queryRunner = dataSource.createQueryRunner('master');
  await queryRunner.connect();
  try {
    if (!(await tablesArePartitioned(queryRunner, dataSource))) return result;
    const executions = await partitionsBefore(queryRunner, dataSource, 'agent_executions', cutoff);
    const events = await partitionsBefore(queryRunner, dataSource, 'agent_events', cutoff);
    for (const month of executions) {
      const eventPartitions = events.filter((partition) => partition.until.getTime() === month.until.getTime());
      const kept = await dropMonth(queryRunner, dataSource, month, eventPartitions, result);
      if (kept !== null) {
        result.kept = kept;
        break;
      }
    }
    return result;
  } finally {
    await queryRunner.release();
  }
}

/** One month in one transaction (see dropOldPartitions); returns why it was kept, or null once it is dropped. */
async function dropMonth(
  queryRunner: QueryRunner,
  dataSource: DataSource,
  month: { name: string; until: Date },
  eventPartitions: ReadonlyArray<{ name: string }>,
  result: DroppedPartitions,
): Promise<{ partition: string; reason: string } | null> {
  const schema = (dataSource.options as { schema?: string }).schema;
  const name = (relation: string) => qualifiedName(schema, relation);
  const table = (relation: Parameters<typeof qualifiedTableName>[1]) => qualifiedTableName(dataSource, relation);
  const partition = name(month.name);
  const eventUnion = eventPartitions.map((event) => ` UNION SELECT trace_id FROM ${name(event.name)}`).join('');
  // The traces of the month: named by the partitions themselves, never sent as a list.
  const doomed = `(SELECT trace_id FROM ${partition}${eventUnion})`;
  const until = month.until.toISOString();
  const count = async (sql: string, parameters: unknown[] = []) =>
    Number(((await queryRunner.query(sql, parameters)) as Array<{ n: number }>)[0]?.n ?? 0);
  await queryRunner.startTransaction();
  try {
    const running = await count(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${table('agent_executions')} x
       WHERE x.status = 'running' AND x.trace_id IN ${doomed} LIMIT 1) r`,
    );
    if (running > 0) {
      await queryRunner.rollbackTransaction();
      return { partition: month.name, reason: 'a run in it is still running' };
    }
    result.traces += await count(`SELECT count(*)::int AS n FROM ${doomed} d`);
    result.performance += await count(
      `WITH gone AS (
         DELETE FROM ${table('agent_performance')} p USING ${table('agent_executions')} x
         WHERE p.trace_id = x.trace_id AND p.execution_id = x.id AND x.trace_id IN ${doomed} RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
    );
    result.decisions += await count(
      `WITH gone AS (DELETE FROM ${table('agent_decisions')} WHERE trace_id IN ${doomed} RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
    );
    // Rows of the month's runs in newer partitions (runs that crossed the month's end) go by their keys.
    result.executions += await count(
      `WITH gone AS (
         DELETE FROM ${table('agent_executions')} WHERE started_at >= $1 AND trace_id IN ${doomed} RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [until],
    );
    result.events += await count(
      `WITH gone AS (
         DELETE FROM ${table('agent_events')} WHERE occurred_at >= $1 AND trace_id IN ${doomed} RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [until],
    );
    result.executions += await count(`SELECT count(*)::int AS n FROM ${partition}`);
    for (const event of eventPartitions)
      result.events += await count(`SELECT count(*)::int AS n FROM ${name(event.name)}`);
    await queryRunner.query(`ALTER TABLE ${table('agent_executions')} DETACH PARTITION ${partition}`);
    await queryRunner.query(`DROP TABLE ${partition}`);
    for (const event of eventPartitions) {
      await queryRunner.query(`ALTER TABLE ${table('agent_events')} DETACH PARTITION ${name(event.name)}`);
      await queryRunner.query(`DROP TABLE ${name(event.name)}`);
    }
    await queryRunner.commitTransaction();
  } catch (error) {
    if (queryRunner.isTransactionActive) await queryRunner.rollbackTransaction().catch(() => undefined);
    throw error;
  }
  result.dropped.push(month.name, ...eventPartitions.map((event) => event.name));
  return null;
}
