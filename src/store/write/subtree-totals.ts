import type { DataSource } from 'typeorm';
import type { Queryable, TableLayout } from '../schema/table-layout';
import { seedsByGroup } from './shard-groups';
import { buildSubtreeTotalsSql, buildTotalsUpsertSql } from './subtree-totals-sql';

/** The statements of a totals refresh, built once per DataSource. */
export interface TotalsStatements {
  readonly write: string;
  readonly read: string;
  readonly upsert: string;
}

export function buildTotalsStatements(dataSource: DataSource): TotalsStatements {
  return {
    write: buildSubtreeTotalsSql(dataSource, 'write'),
    read: buildSubtreeTotalsSql(dataSource, 'read'),
    upsert: buildTotalsUpsertSql(dataSource),
  };
}

/**
 * Recomputes the subtree totals of the agents above `seeds` (parallel trace and span ids; see buildSubtreeTotalsSql),
 * a group of traces at a time (`groups`, see shard-groups). On one server: one statement per group that walks and
 * stores. On Citus: the walk of each group on its shard, then one upsert of every agent's totals.
 */
export async function refreshSubtreeTotals(
  database: Queryable,
  statements: TotalsStatements,
  layout: TableLayout,
  groups: readonly string[][],
  seeds: readonly [readonly string[], readonly string[]],
  liveTotals: boolean,
): Promise<void> {
  const rows: unknown[] = [];
  for (const [traceIds, spanIds, traces] of seedsByGroup(groups, seeds)) {
    const parameters = [traceIds, spanIds, liveTotals, traces];
    if (layout === 'single') await database.query(statements.write, parameters);
    else rows.push(...((await database.query(statements.read, parameters)) as unknown[]));
  }
  if (rows.length > 0) await database.query(statements.upsert, [JSON.stringify(rows)]);
}
