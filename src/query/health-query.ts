import type { DataSource } from 'typeorm';
import { rollupWatermark } from '../rollups/hourly-rollups';
import { qualifiedTableName } from '../store/schema/table-names';
import { untraced } from '../internal/untraced';
import { dateOrNull } from './sql-values';

/** What the store holds, at a glance (`agentspan health`). */
export interface StoreHealth {
  /** Agent runs (executions of kind agent, nested ones included). */
  runs: number;
  /** Agent runs still running. */
  running: number;
  /** Agent runs that failed. */
  failed: number;
  /** Executions of every kind. */
  executions: number;
  /** When the latest execution started; null when there is none. */
  latestStart: Date | null;
  /** When the hourly rollups were last refreshed; null when never. */
  rollupsRefreshedAt: Date | null;
}

/**
 * Counts of the executions table and the rollups' watermark. Fails with the driver's error (42P01) when the tables
 * are missing, which is how a caller tells an unmigrated database.
 */
export async function queryStoreHealth(dataSource: DataSource): Promise<StoreHealth> {
  const executions = qualifiedTableName(dataSource, 'agent_executions');
  const [row]: Array<Record<string, unknown>> = await untraced(() =>
    dataSource.query(
      `SELECT count(*) FILTER (WHERE kind = 'agent')::int AS runs,
              count(*) FILTER (WHERE kind = 'agent' AND status = 'running')::int AS running,
              count(*) FILTER (WHERE kind = 'agent' AND status = 'failed')::int AS failed,
              count(*)::int AS executions,
              max(started_at) AS "latestStart"
       FROM ${executions}`,
    ),
  );
  return healthOf(row!, await rollupWatermark(dataSource));
}

/**
 * The same for one tenant's agent runs: what a view pinned to a tenant may show (the store's totals would tell it
 * how much the other tenants run). No count of executions: steps carry their run's tenant only when their span did.
 */
export async function queryTenantHealth(
  dataSource: DataSource,
  tenantId: string,
): Promise<Omit<StoreHealth, 'executions'>> {
  const executions = qualifiedTableName(dataSource, 'agent_executions');
  const [row]: Array<Record<string, unknown>> = await untraced(() =>
    dataSource.query(
      `SELECT count(*)::int AS runs,
              count(*) FILTER (WHERE status = 'running')::int AS running,
              count(*) FILTER (WHERE status = 'failed')::int AS failed,
              max(started_at) AS "latestStart"
       FROM ${executions}
       WHERE kind = 'agent' AND tenant_id = $1`,
      [tenantId],
    ),
  );
  const { executions: _executions, ...health } = healthOf(row!, await rollupWatermark(dataSource));
  return health;
}

function healthOf(row: Record<string, unknown>, rollupsRefreshedAt: Date | null): StoreHealth {
  return {
    runs: Number(row.runs),
    running: Number(row.running),
    failed: Number(row.failed),
    executions: Number(row.executions ?? 0),
    latestStart: dateOrNull(row.latestStart),
    rollupsRefreshedAt,
  };
}
