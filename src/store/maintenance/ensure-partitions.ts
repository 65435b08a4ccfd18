import type { QueryRunner } from 'typeorm';
import { qualifiedName } from '../schema/table-names';
import {
  addMonths,
  monthStart,
  PARTITIONED_TABLES,
  partitionBefore,
  partitionDefault,
  partitionName,
  type PartitionedTable,
} from '../schema/partitions';

/** How many months ahead of now partitions are made. */
export const MONTHS_AHEAD = 3;

/**
 * Makes the monthly partitions of `table` from the month of `from` (default: this month) to MONTHS_AHEAD months
 * ahead (or that month alone, when it is further), those missing only, and the default partition, which takes a row of any time no partition covers yet (a span
 * from a clock far ahead; months nobody made partitions for) so that a write never fails for want of one. A month
 * whose rows went to the default partition gets them moved into its new partition. With `before`, also the partition
 * of everything before `from`. Runs in the caller's transaction (the migration's), or else in one of its own.
 */
export async function ensurePartitions(
  queryRunner: QueryRunner,
  schema: string | undefined,
  table: PartitionedTable,
  options: { from?: Date; before?: boolean } = {},
): Promise<string[]> {
  if (queryRunner.isTransactionActive) return makePartitions(queryRunner, schema, table, options);
  // Its own transaction otherwise: rows moved out of the default partition are never left half way.
  await queryRunner.startTransaction();
  try {
    const created = await makePartitions(queryRunner, schema, table, options);
    await queryRunner.commitTransaction();
    return created;
  } catch (error) {
    await queryRunner.rollbackTransaction().catch(() => undefined);
    throw error;
  }
}

async function makePartitions(
  queryRunner: QueryRunner,
  schema: string | undefined,
  table: PartitionedTable,
  options: { from?: Date; before?: boolean },
): Promise<string[]> {
  const name = (relation: string) => qualifiedName(schema, relation);
  const column = PARTITIONED_TABLES[table];
  const rows = (await queryRunner.query(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = to_regclass($1)`,
    [name(table)],
  )) as Array<{ name: string }>;
  const existing = new Set(rows.map((row) => row.name));
  const created: string[] = [];
  const first = monthStart(options.from ?? new Date());
  if (options.before === true && !existing.has(partitionBefore(table))) {
    await queryRunner.query(
      `CREATE TABLE ${name(partitionBefore(table))} PARTITION OF ${name(table)}
       FOR VALUES FROM (MINVALUE) TO ('${first.toISOString()}')`,
    );
    created.push(partitionBefore(table));
  }
  const hasDefault = existing.has(partitionDefault(table));
  const ahead = addMonths(new Date(), MONTHS_AHEAD);
  const last = first > ahead ? first : ahead;
  for (let month = first; month <= last; month = addMonths(month, 1)) {
    const partition = partitionName(table, month);
    if (existing.has(partition)) continue;
    const range = [month.toISOString(), addMonths(month, 1).toISOString()];
    // Rows of this month in the default partition must leave it first: PostgreSQL refuses a partition whose rows
    // the default one holds. None, unless nobody made partitions for a while.
    let moved = false;
    if (hasDefault) {
      const [{ stray }] = (await queryRunner.query(
        `SELECT EXISTS (SELECT 1 FROM ${name(partitionDefault(table))} WHERE ${column} >= $1 AND ${column} < $2) AS stray`,
        range,
      )) as Array<{ stray: boolean }>;
      if (stray) {
        await queryRunner.query(`CREATE TEMP TABLE agentspan_stray (LIKE ${name(table)})`);
        await queryRunner.query(
          `WITH gone AS (DELETE FROM ${name(partitionDefault(table))} WHERE ${column} >= $1 AND ${column} < $2
                         RETURNING *)
           INSERT INTO agentspan_stray SELECT * FROM gone`,
          range,
        );
        moved = true;
      }
    }
    await queryRunner.query(
      `CREATE TABLE ${name(partition)} PARTITION OF ${name(table)} FOR VALUES FROM ('${range[0]}') TO ('${range[1]}')`,
    );
    if (moved) {
      await queryRunner.query(`INSERT INTO ${name(table)} SELECT * FROM agentspan_stray`);
      await queryRunner.query(`DROP TABLE agentspan_stray`);
    }
    created.push(partition);
  }
  if (!hasDefault) {
    await queryRunner.query(`CREATE TABLE ${name(partitionDefault(table))} PARTITION OF ${name(table)} DEFAULT`);
    created.push(partitionDefault(table));
  }
  return created;
}
