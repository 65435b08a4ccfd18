import type { CheckedFilters } from './analytics-arguments';
import { addRunFilters } from './run-filters';
import type { SqlConditions } from './sql-conditions';

/**
 * How long before its start a row may have been written, at most. Rows are written after their span starts
 * (created_at is the database's clock at insert), so this only covers an application clock running ahead of the
 * database's.
 */
const CLOCK_SKEW_ALLOWANCE = `interval '1 day'`;

/**
 * Adds the filters of a query that reads runs (analytics, history, sessions) to a WHERE clause over agent_executions
 * aliased `e`; `time` is the column the range applies to (a run's start, a decision's time). Values go in as
 * parameters.
 *
 * `allKinds`: the query reads executions of every kind, which no started_at index covers (those are partial on agent
 * rows, to keep them off the write path of tool and LLM calls). A lower bound on created_at, implied by since, lets
 * the BRIN index on created_at skip everything older instead of reading the whole table.
 */
export function addAnalyticsFilters(
  where: SqlConditions,
  filters: CheckedFilters,
  columns: { time: string; agent?: string; allKinds?: boolean } = { time: 'e.started_at' },
): void {
  if (columns.allKinds && filters.since !== undefined) {
    where.add(`e.created_at >= ${where.param(filters.since)}::timestamptz - ${CLOCK_SKEW_ALLOWANCE}`);
  }
  const agentColumn = columns.agent ?? 'e.agent_name';
  if (filters.agent !== undefined) where.add(`${agentColumn} = ${where.param(filters.agent)}`);
  if (filters.tenantId !== undefined) where.add(`e.tenant_id = ${where.param(filters.tenantId)}`);
  if (filters.userId !== undefined) where.add(`e.user_id = ${where.param(filters.userId)}`);
  if (filters.statuses !== undefined) where.add(`e.status = ANY(${where.param(filters.statuses)}::text[])`);
  if (filters.since !== undefined) where.add(`${columns.time} >= ${where.param(filters.since)}::timestamptz`);
  if (filters.until !== undefined) where.add(`${columns.time} < ${where.param(filters.until)}::timestamptz`);
  addRunFilters(where, filters);
}
