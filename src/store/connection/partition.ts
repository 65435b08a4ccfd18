import { diag } from '@opentelemetry/api';
import type { QueryRunner } from 'typeorm';
import { qualifiedName, quoteIdentifier } from '../schema/table-names';
import { addMonths, PARTITIONED_TABLES, partitionName, type PartitionedTable } from '../schema/partitions';
import { ensurePartitions } from '../maintenance/ensure-partitions';

/** The two keys of a partitioned table: every unique key holds the partition column (PostgreSQL requires it). */
const KEYS: Record<PartitionedTable, { primary: string; unique: [name: string, columns: string] }> = {
  agent_executions: {
    primary: 'id, trace_id, started_at',
    unique: ['uq_agent_executions_span', 'trace_id, span_id, started_at'],
  },
  agent_events: {
    primary: 'id, trace_id, occurred_at',
    unique: ['uq_agent_events_span_ordinal', 'trace_id, span_id, ordinal, occurred_at'],
  },
};

/** How long before now the monthly partitions of existing rows start; older rows share one partition. */
const MONTHS_OF_HISTORY = 24;

/**
 * Turns agent_executions (by started_at) and agent_events (by occurred_at) into tables partitioned by month, rows kept
 * (idempotent: a table partitioned already is left). Native declarative partitioning, managed by agentspan (see
 * ensurePartitions and dropOldPartitions). On Citus (`distributed`), the new tables are distributed by trace_id and
 * co-located with the other run tables before the rows are copied, so the copy runs on the workers.
 *
 * Each table in one transaction: its indexes and itself renamed aside, the partitioned table created like it (columns,
 * defaults, CHECKs), its keys with the partition column added, its other indexes as they were, monthly partitions for
 * the rows there are (from MONTHS_OF_HISTORY back; older ones in one partition from the beginning of time), three
 * months ahead and a default partition for anything beyond, then the rows copied and the old table dropped. A large
 * table is copied once: a maintenance window's work, or start partitioned.
 */
export async function partitionTables(
  queryRunner: QueryRunner,
  schema: string | undefined,
  distributed: boolean,
): Promise<string[]> {
  const name = (relation: string) => qualifiedName(schema, relation);
  const namespace = schema ?? ((await queryRunner.query('SELECT current_schema() AS s')) as Array<{ s: string }>)[0]!.s;
  const converted: string[] = [];
  const from = await firstMonth(queryRunner, namespace, name);
  for (const table of Object.keys(PARTITIONED_TABLES) as PartitionedTable[]) {
    const [existing] = (await queryRunner.query(
      `SELECT c.relkind AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relname = $2`,
      [namespace, table],
    )) as Array<{ kind: string }>;
    if (existing === undefined || existing.kind === 'p') continue;
    const column = PARTITIONED_TABLES[table];
    const aside = `${table}_unpartitioned`;
    await queryRunner.startTransaction();
    try {
      const indexes = (await queryRunner.query(
        `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition, x.indisprimary OR x.indisunique AS is_key
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
         WHERE x.indrelid = to_regclass($1) ORDER BY i.relname`,
        [name(table)],
      )) as Array<{ name: string; definition: string; is_key: boolean }>;
      for (const index of indexes) {
        await queryRunner.query(`ALTER INDEX ${name(index.name)} RENAME TO ${quoteIdentifier(`${index.name}_old`)}`);
      }
      await queryRunner.query(`ALTER TABLE ${name(table)} RENAME TO ${quoteIdentifier(aside)}`);
      await queryRunner.query(
        `CREATE TABLE ${name(table)} (LIKE ${name(aside)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
         PARTITION BY RANGE (${column})`,
      );
      const keys = KEYS[table];
      await queryRunner.query(
        `ALTER TABLE ${name(table)} ADD CONSTRAINT ${quoteIdentifier(`pk_${table}`)} PRIMARY KEY (${keys.primary})`,
      );
      await queryRunner.query(
        `ALTER TABLE ${name(table)} ADD CONSTRAINT ${quoteIdentifier(keys.unique[0])} UNIQUE (${keys.unique[1]})`,
      );
      for (const index of indexes.filter((candidate) => !candidate.is_key)) {
        // pg_get_indexdef names the old table and the index's name before we renamed it aside.
        const definition = index.definition.replace(
          /^CREATE INDEX \S+ ON (ONLY )?\S+/,
          `CREATE INDEX ${quoteIdentifier(index.name)} ON ${name(table)}`,
        );
        await queryRunner.query(definition);
      }
      if (distributed) {
        // Co-located with the run tables that stay as they are (agent_performance is never partitioned).
        await queryRunner.query(`SELECT create_distributed_table($1, 'trace_id', colocate_with => $2)`, [
          name(table),
          name('agent_performance'),
        ]);
      }
      await ensurePartitions(queryRunner, schema, table, { from, before: true });
      await queryRunner.query(`INSERT INTO ${name(table)} SELECT * FROM ${name(aside)}`);
      await queryRunner.query(`DROP TABLE ${name(aside)}`);
      await queryRunner.commitTransaction();
    } catch (error) {
      await queryRunner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
    converted.push(table);
    diag.info(`agentspan: ${table} partitioned by month on ${column} (${partitionName(table, new Date())} and on)`);
  }
  return converted;
}

/**
 * The first monthly partition of both tables (the same months for both, so that retention drops a month of each
 * together): the month of the oldest row of either, at most MONTHS_OF_HISTORY back, this month when they are empty.
 */
async function firstMonth(queryRunner: QueryRunner, namespace: string, name: (table: string) => string): Promise<Date> {
  const oldest: Date[] = [];
  for (const [table, column] of Object.entries(PARTITIONED_TABLES)) {
    const [present] = (await queryRunner.query(
      `SELECT 1 AS found FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'r'`,
      [namespace, table],
    )) as Array<{ found: number }>;
    if (present === undefined) continue;
    const [row] = (await queryRunner.query(`SELECT min(${column}) AS oldest FROM ${name(table)}`)) as Array<{
      oldest: Date | null;
    }>;
    if (row?.oldest != null) oldest.push(new Date(row.oldest));
  }
  const limit = addMonths(new Date(), -MONTHS_OF_HISTORY);
  const first = oldest.length === 0 ? new Date() : new Date(Math.min(...oldest.map((date) => date.getTime())));
  return first < limit ? limit : first;
}
