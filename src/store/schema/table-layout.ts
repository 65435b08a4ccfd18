import type { DataSource } from 'typeorm';
import { qualifiedTableName } from './table-names';

/**
 * Where a database keeps a run's rows: on one server, or on a Citus cluster where the run tables are distributed by
 * trace_id (see distribute). Asked once per writer (the first write), and again after a failed ask.
 */
export type TableLayout = 'single' | 'distributed';

/** The width of trace_id (varchar(32)). */
const TRACE_ID_WIDTH = 32;

/** What the functions here send their statements through: a QueryRunner, an EntityManager or a DataSource. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

export async function tableLayoutOf(queryRunner: Queryable, dataSource: DataSource): Promise<TableLayout> {
  const [citus] = (await queryRunner.query(
    `SELECT to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL AS present`,
  )) as Array<{ present: boolean }>;
  if (citus?.present !== true) return 'single';
  const [row] = (await queryRunner.query(
    `SELECT count(*)::int AS distributed FROM pg_catalog.pg_dist_partition
     WHERE logicalrelid = to_regclass($1) AND partmethod = 'h'`,
    [qualifiedTableName(dataSource, 'agent_executions')],
  )) as Array<{ distributed: number }>;
  return row?.distributed === 1 ? 'distributed' : 'single';
}

/**
 * The traces split into groups that each live on one shard (Citus), or a single group (one server). A statement that
 * reads the run tables for the traces of one group, and says so on every table it reads (`trace_id = ANY (…)`), is
 * run by Citus on that shard as it is — the only place it can run recursive CTEs and lookups correlated with a
 * set-returning function. The shard of each trace is the coordinator's answer (its metadata, no worker asked).
 */
export async function shardGroups(
  queryRunner: Queryable,
  dataSource: DataSource,
  layout: TableLayout,
  traceIds: readonly string[],
): Promise<string[][]> {
  if (traceIds.length === 0) return [];
  if (layout === 'single') return [[...traceIds]];
  const distinct = [...new Set(traceIds)];
  // A trace id too long for the column has no shard (asking would fail the whole statement); its rows are refused
  // for their data wherever they go, so it gets a group of its own.
  const unfit = distinct.filter((traceId) => traceId.length > TRACE_ID_WIDTH);
  const rows = (await queryRunner.query(
    `SELECT t.trace_id, get_shard_id_for_distribution_column($1, t.trace_id) AS shard
     FROM unnest($2::text[]) AS t(trace_id)`,
    [
      qualifiedTableName(dataSource, 'agent_executions'),
      unfit.length === 0 ? distinct : distinct.filter((traceId) => traceId.length <= TRACE_ID_WIDTH),
    ],
  )) as Array<{ trace_id: string; shard: string }>;
  const groups = new Map<string, string[]>();
  if (unfit.length > 0) groups.set('unfit', unfit);
  for (const row of rows) {
    const group = groups.get(String(row.shard));
    if (group === undefined) groups.set(String(row.shard), [row.trace_id]);
    else group.push(row.trace_id);
  }
  return [...groups.values()];
}

/** Whether agent_executions is partitioned by time (see connection/partition; agent_events goes with it). */
export async function tablesArePartitioned(queryRunner: Queryable, dataSource: DataSource): Promise<boolean> {
  const [row] = (await queryRunner.query(
    `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_partitioned_table WHERE partrelid = to_regclass($1)) AS partitioned`,
    [qualifiedTableName(dataSource, 'agent_executions')],
  )) as Array<{ partitioned: boolean }>;
  return row?.partitioned === true;
}

/** Each DataSource's layout, asked once (again after a failed ask); tables distributed later need a new DataSource. */
const layouts = new WeakMap<DataSource, Promise<TableLayout>>();

/**
 * The layout of the DataSource's tables (see tableLayoutOf), cached per DataSource. `on`: where to ask the first time
 * — inside a transaction, its manager: a pool of one connection (the embedded database) has none other to give.
 */
export function layoutOf(dataSource: DataSource, on: Queryable = dataSource): Promise<TableLayout> {
  let layout = layouts.get(dataSource);
  if (layout === undefined) {
    layout = tableLayoutOf(on, dataSource).catch((error: unknown) => {
      layouts.delete(dataSource);
      throw error;
    });
    layouts.set(dataSource, layout);
  }
  return layout;
}
