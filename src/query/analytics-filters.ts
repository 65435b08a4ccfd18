import type { CheckedFilters } from './analytics-arguments';
import type { SqlConditions } from './sql-conditions';

/**
 * Adds the analytics filters to a WHERE clause over agent_executions aliased `e`; `time` is the column the range
 * applies to (a run's start, a decision's time). Values go in as parameters.
 */
export function addAnalyticsFilters(
  where: SqlConditions,
  filters: CheckedFilters,
  columns: { time: string; agent?: string } = { time: 'e.started_at' },
): void {
  const agentColumn = columns.agent ?? 'e.agent_name';
  if (filters.agent !== undefined) where.add(`${agentColumn} = ${where.param(filters.agent)}`);
  if (filters.tenantId !== undefined) where.add(`e.tenant_id = ${where.param(filters.tenantId)}`);
  if (filters.userId !== undefined) where.add(`e.user_id = ${where.param(filters.userId)}`);
  if (filters.statuses !== undefined) where.add(`e.status = ANY(${where.param(filters.statuses)}::text[])`);
  if (filters.since !== undefined) where.add(`${columns.time} >= ${where.param(filters.since)}::timestamptz`);
  if (filters.until !== undefined) where.add(`${columns.time} < ${where.param(filters.until)}::timestamptz`);
}
