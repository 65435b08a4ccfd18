import { diag } from '@opentelemetry/api';
import { MigrationExecutor, type DataSource, type QueryRunner } from 'typeorm';
import { quoteIdentifier } from '../schema/table-names';
import { distributeTables } from './distribute';
import { partitionTables } from './partition';
import { ensurePartitions } from '../maintenance/ensure-partitions';
import { PARTITIONED_TABLES, type PartitionedTable } from '../schema/partitions';
import { tableLayoutOf, tablesArePartitioned } from '../schema/table-layout';
import { untraced } from '../../internal/untraced';

/**
 * Fixed advisory-lock key for agentspan schema changes (the ASCII of "agentspa" as a bigint). Every process that
 * migrates the same database takes it first, so two of them starting at once run the migrations one after the other
 * and the second finds nothing left to do.
 */
export const MIGRATION_LOCK_KEY = '7018141366094509409';

export interface MigrateOptions {
  /**
   * On a Citus coordinator: also distribute the run tables by trace_id and make the shared ones reference tables
   * (see distributeTables), after the migrations, under the same lock. Fails on a database without Citus.
   */
  distributed?: boolean;
  /** With `distributed`: shards per run table (default: the coordinator's citus.shard_count). */
  shardCount?: number;
  /**
   * Partition agent_executions and agent_events by month (see partitionTables), after the migrations and the
   * distribution, under the same lock. Once they are, every migration run also makes the coming months' partitions.
   */
  partitioned?: boolean;
}

/**
 * Applies every pending migration in one transaction while holding the migration advisory lock. Returns the names
 * of the migrations it applied (empty when the schema was already current).
 */
export async function runMigrations(dataSource: DataSource, options: MigrateOptions = {}): Promise<string[]> {
  return withMigrationLock(dataSource, async (queryRunner) => {
    const executor = new MigrationExecutor(dataSource, queryRunner);
    executor.transaction = 'all';
    const applied = await executor.executePendingMigrations();
    const names = applied.map((migration) => migration.name);
    if (names.length > 0) diag.info(`agentspan: applied migrations ${names.join(', ')}`);
    const schema = (dataSource.options as { schema?: string }).schema;
    if (options.distributed === true) await distributeTables(queryRunner, schema, options.shardCount);
    if (options.partitioned === true) {
      await partitionTables(queryRunner, schema, (await tableLayoutOf(queryRunner, dataSource)) === 'distributed');
    } else if (await tablesArePartitioned(queryRunner, dataSource)) {
      for (const table of Object.keys(PARTITIONED_TABLES) as PartitionedTable[]) {
        await ensurePartitions(queryRunner, schema, table);
      }
    }
    return names;
  });
}

/** Reverts every applied agentspan migration, newest first, under the same lock. Returns the reverted names. */
export async function revertAllMigrations(dataSource: DataSource): Promise<string[]> {
  return withMigrationLock(dataSource, async (queryRunner) => {
    const executor = new MigrationExecutor(dataSource, queryRunner);
    executor.transaction = 'each';
    const reverted: string[] = [];
    for (;;) {
      const executed = await executor.getExecutedMigrations();
      if (executed.length === 0) break;
      const newest = executed.reduce((a, b) => (b.timestamp > a.timestamp ? b : a));
      await executor.undoLastMigration();
      reverted.push(newest.name);
    }
    if (reverted.length > 0) diag.info(`agentspan: reverted migrations ${reverted.join(', ')}`);
    return reverted;
  });
}

/**
 * Runs `work` on one dedicated connection that holds the session advisory lock. The migrations run on that same
 * connection: `dataSource.runMigrations()` would take a second one from the pool, which deadlocks a pool of one
 * (the embedded database) and would not be covered by the lock's session anyway.
 */
async function withMigrationLock<T>(
  dataSource: DataSource,
  work: (queryRunner: QueryRunner) => Promise<T>,
): Promise<T> {
  const previous = migrationsInThisProcess;
  const mine = previous.then(() => lockedOnOneConnection(dataSource, work));
  migrationsInThisProcess = mine.catch(() => undefined);
  return mine;
}

/**
 * Migrations of this process, one after another. The advisory lock covers separate processes on a real server; on
 * the embedded PGlite every connection shares one backend session, where an advisory lock is re-entrant and so does
 * not exclude anything.
 */
let migrationsInThisProcess: Promise<unknown> = Promise.resolve();

async function lockedOnOneConnection<T>(
  dataSource: DataSource,
  work: (queryRunner: QueryRunner) => Promise<T>,
): Promise<T> {
  return untraced(async () => {
    const queryRunner = dataSource.createQueryRunner('master');
    await queryRunner.connect();
    let locked = false;
    try {
      // Waiting for another migrator, or a long migration, must not trip the pool's statement_timeout.
      await queryRunner.query('SET statement_timeout = 0');
      await queryRunner.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
      locked = true;
      const schema = (dataSource.options as { schema?: string }).schema;
      if (schema) await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
      return await work(queryRunner);
    } finally {
      try {
        if (locked) await queryRunner.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]);
        await queryRunner.query('RESET statement_timeout');
      } catch (error) {
        // The connection is likely gone, and the session lock with it.
        diag.warn(`agentspan: could not release the migration lock cleanly: ${String((error as Error).message)}`);
      }
      await queryRunner.release();
    }
  });
}
