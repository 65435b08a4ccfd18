import type { DataSource } from 'typeorm';
import { maskUrlsIn } from '../../capture/mask-url';
import { queryStoreHealth, queryTenantHealth } from '../../query/health-query';
import { describeDatabaseError } from '../../store/connection/errors';

/**
 * /api/health's database and rollup figures; an unreachable database is an answer (reachable false), not a 500. A
 * dashboard pinned to a tenant counts that tenant's runs only.
 */
export async function storeHealth(
  dataSource: () => Promise<DataSource>,
  tenant: string | undefined,
): Promise<Record<string, unknown>> {
  try {
    const opened = await dataSource();
    const { rollupsRefreshedAt, ...counts } =
      tenant === undefined ? await queryStoreHealth(opened) : await queryTenantHealth(opened, tenant);
    return {
      database: { reachable: true, ...counts },
      rollups: {
        latestHour: rollupsRefreshedAt?.toISOString() ?? null,
        lagMinutes:
          rollupsRefreshedAt === null ? null : Math.round((Date.now() - rollupsRefreshedAt.getTime()) / 60_000),
      },
    };
  } catch (error) {
    return { database: { reachable: false, error: maskUrlsIn(describeDatabaseError(error)) }, rollups: null };
  }
}
