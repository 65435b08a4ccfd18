import type { DataSource } from 'typeorm';
import { qualifiedTableName } from '../store/schema/table-names';
import { untraced } from '../internal/untraced';
import { analyticsFilters, ANALYTICS_FILTER_OPTIONS, boundedCount, oneOf } from './analytics-arguments';
import { addAnalyticsFilters } from './analytics-filters';
import type { ErrorGroup, StatsKind, TopErrorsOptions } from './analytics-types';
import { optionsObject } from './query-arguments';
import { SqlConditions } from './sql-conditions';
import { dateOf, stringOrNull } from './sql-values';

const METHOD = 'topErrors';
const OPTIONS: readonly (keyof TopErrorsOptions)[] = [...ANALYTICS_FILTER_OPTIONS, 'kind', 'limit'];
const KINDS: readonly (StatsKind | 'all')[] = ['agent', 'llm', 'tool', 'all'];
export const MAX_ERROR_GROUPS = 100;

/**
 * Failed executions grouped by error type and exact message, most frequent first, each with the agents it hit, when
 * it was first and last seen (start times) and its latest trace. Agent runs by default: an error a tool throws and
 * its agent rethrows is then counted once. Status defaults to failed; pass e.g. ['failed', 'abandoned'] to include
 * runs a crashed process left behind.
 */
export async function queryTopErrors(dataSource: DataSource, options?: TopErrorsOptions): Promise<ErrorGroup[]> {
  const given = optionsObject<TopErrorsOptions>(METHOD, 'options', options, OPTIONS);
  const kind = oneOf(METHOD, 'kind', given.kind ?? 'agent', KINDS);
  const limit = boundedCount(METHOD, 'limit', given.limit, MAX_ERROR_GROUPS, 10);
  const filters = analyticsFilters(METHOD, given);
  const where = new SqlConditions();
  if (kind !== 'all') where.add(`e.kind = ${where.param(kind)}`);
  addAnalyticsFilters(
    where,
    { ...filters, statuses: filters.statuses ?? ['failed'] },
    { time: 'e.started_at', allKinds: kind !== 'agent' },
  );
  const executions = qualifiedTableName(dataSource, 'agent_executions');
  const latest = (column: string) => `(array_agg(${column} ORDER BY e.started_at DESC, e.id DESC))[1]`;
  const rows: Array<Record<string, unknown>> = await untraced(() =>
    dataSource.query(
      `SELECT e.error_type AS "errorType", e.error_message AS "errorMessage", count(*)::int AS count,
              array_remove(array_agg(DISTINCT e.agent_name ORDER BY e.agent_name), NULL) AS agents,
              min(e.started_at) AS "firstSeenAt", max(e.started_at) AS "lastSeenAt",
              ${latest('e.trace_id')} AS "latestTraceId", ${latest('e.id')} AS "latestExecutionId"
       FROM ${executions} e ${where.toSql()}
       GROUP BY 1, 2
       ORDER BY count DESC, "lastSeenAt" DESC
       LIMIT ${where.param(limit)}`,
      where.parameters,
    ),
  );
  return rows.map((row) => ({
    errorType: stringOrNull(row.errorType),
    errorMessage: stringOrNull(row.errorMessage),
    count: Number(row.count),
    agents: (row.agents as string[]).map(String),
    firstSeenAt: dateOf(row.firstSeenAt),
    lastSeenAt: dateOf(row.lastSeenAt),
    latestTraceId: String(row.latestTraceId),
    latestExecutionId: String(row.latestExecutionId),
  }));
}
