import type { DataSource } from 'typeorm';
import { untraced } from '../../internal/untraced';
import { qualifiedTableName } from '../../store/schema/table-names';
import type { CheckedFilters } from '../analytics-arguments';
import { addAnalyticsFilters } from '../analytics-filters';
import { EXECUTION_VIEW_COLUMNS } from '../execution-view';
import { toRunSummary } from '../history-query';
import { RUN_TOTALS_COLUMNS } from '../performance-view';
import { SqlConditions } from '../sql-conditions';
import type { RunSummary } from '../types';

export interface RunKey {
  traceId: string;
  spanId: string;
}

export const runKey = (run: RunKey): string => `${run.traceId}:${run.spanId}`;

/**
 * The runs named by `runs` that match history's `filters`, as history lists them (the same columns and mapping, the
 * same filter SQL, so a filter history gains applies here too), by runKey. One query; a lookup of the unique
 * (trace_id, span_id) index per run.
 */
export async function runSummaries(
  dataSource: DataSource,
  filters: CheckedFilters,
  runs: readonly RunKey[],
): Promise<Map<string, RunSummary>> {
  if (runs.length === 0) return new Map();
  const where = new SqlConditions();
  const traceIds = where.param(runs.map((run) => run.traceId));
  const spanIds = where.param(runs.map((run) => run.spanId));
  where.add(`e.kind = 'agent'`);
  addAnalyticsFilters(where, filters);
  const executions = qualifiedTableName(dataSource, 'agent_executions');
  const performance = qualifiedTableName(dataSource, 'agent_performance');
  const rows: Array<Record<string, unknown>> = await untraced(() =>
    dataSource.query(
      `SELECT ${EXECUTION_VIEW_COLUMNS}, p.duration_ms AS "durationMs", ${RUN_TOTALS_COLUMNS}
       FROM (SELECT DISTINCT * FROM unnest(${traceIds}::text[], ${spanIds}::text[]) AS u(trace_id, span_id)) r
       JOIN ${executions} e ON e.trace_id = r.trace_id AND e.span_id = r.span_id
       LEFT JOIN ${performance} p ON p.trace_id = e.trace_id AND p.execution_id = e.id
       ${where.toSql()}`,
      where.parameters,
    ),
  );
  const summaries = new Map<string, RunSummary>();
  for (const row of rows) {
    const summary = toRunSummary(row);
    summaries.set(runKey(summary), summary);
  }
  return summaries;
}
