import { diag } from '@opentelemetry/api';
import type { QueryRunner } from 'typeorm';
import { qualifiedName } from '../schema/table-names';

/** The tables of a run, distributed by trace_id and co-located: a run and all its rows live on one shard group. */
export const RUN_TABLES = ['agent_executions', 'agent_performance', 'agent_decisions', 'agent_events'] as const;

/**
 * Small tables every node reads, replicated to all of them: prices (read by every write), the hourly rollups and
 * their watermark, and the run-change log watch() reads (one row per write transaction, joined with nothing).
 */
export const REFERENCE_TABLES = [
  'model_prices',
  'agent_metrics_hourly',
  'agentspan_rollup_state',
  'agentspan_run_changes',
] as const;

/** What distributeTables did: the tables it distributed or made reference tables now (none when already done). */
export interface DistributeResult {
  distributed: string[];
  reference: string[];
}

/** The database has no Citus, or the connection is not to its coordinator. */
export class NotDistributableError extends Error {
  override readonly name = 'NotDistributableError';
}

/**
 * Distributes agentspan's tables on a Citus cluster (idempotent): the run tables by trace_id, co-located with
 * agent_executions, in `shardCount` shards each (default: the coordinator's citus.shard_count, 32 unless set), the
 * shared ones as reference tables. Fewer shards cost less per query that reads every shard (a history page, analytics):
 * measured on a small cluster in docs/SCALING.md. Run on the coordinator, on `queryRunner` (the migration
 * lock's connection), after the migrations. Tables that are distributed already are left as they are, so it is also
 * what a later migration's new table needs.
 */
export async function distributeTables(
  queryRunner: QueryRunner,
  schema: string | undefined,
  shardCount?: number,
): Promise<DistributeResult> {
  const [citus] = (await queryRunner.query(
    `SELECT extversion AS version FROM pg_extension WHERE extname = 'citus'`,
  )) as Array<{ version: string }>;
  if (citus === undefined) {
    throw new NotDistributableError(
      'agentspan: cannot distribute the tables: the database has no citus extension ' +
        '(CREATE EXTENSION citus on the coordinator, then add the workers with citus_add_node)',
    );
  }
  const [{ coordinator }] = (await queryRunner.query(`SELECT citus_is_coordinator() AS coordinator`)) as Array<{
    coordinator: boolean;
  }>;
  if (!coordinator) {
    throw new NotDistributableError(
      'agentspan: cannot distribute the tables from a worker node: connect to the Citus coordinator',
    );
  }
  const name = (table: string) => qualifiedName(schema, table);
  // Compared by relation, not by name: regclass text drops quotes and the schema on the search path.
  const rows = (await queryRunner.query(
    `SELECT t AS name FROM unnest($1::text[]) AS t
     WHERE EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = to_regclass(t))`,
    [[...RUN_TABLES, ...REFERENCE_TABLES].map(name)],
  )) as Array<{ name: string }>;
  const done = new Set(rows.map((row) => row.name));
  const isDone = (table: string) => done.has(name(table));
  const result: DistributeResult = { distributed: [], reference: [] };
  for (const table of RUN_TABLES) {
    if (isDone(table)) continue;
    if (table === RUN_TABLES[0]) {
      // The first one sets the shard count of the co-location group; the others follow it.
      await queryRunner.query(
        `SELECT create_distributed_table($1, 'trace_id',
           shard_count => COALESCE($2::int, current_setting('citus.shard_count')::int))`,
        [name(table), shardCount ?? null],
      );
    } else {
      await queryRunner.query(`SELECT create_distributed_table($1, 'trace_id', colocate_with => $2)`, [
        name(table),
        name(RUN_TABLES[0]),
      ]);
    }
    result.distributed.push(table);
  }
  for (const table of REFERENCE_TABLES) {
    if (isDone(table)) continue;
    await queryRunner.query(`SELECT create_reference_table($1)`, [name(table)]);
    result.reference.push(table);
  }
  if (result.distributed.length + result.reference.length > 0) {
    diag.info(
      `agentspan: distributed ${result.distributed.join(', ') || 'no table'} by trace_id; ` +
        `reference tables: ${result.reference.join(', ') || 'none new'}`,
    );
  }
  return result;
}
