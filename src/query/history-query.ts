import type { DataSource } from 'typeorm';
import { qualifiedTableName } from '../store/schema/table-names';
import { untraced } from '../internal/untraced';
import { EXECUTION_VIEW_COLUMNS, toExecutionView } from './execution-view';
import { exactTimestampSql } from './exact-timestamp';
import { addRowsAfter, decodeCursor, splitPage } from './keyset-page';
import { RUN_TOTALS_COLUMNS, toRunTotals } from './performance-view';
import { analyticsFilters } from './analytics-arguments';
import { addAnalyticsFilters } from './analytics-filters';
import { optionsObject, pageSize } from './query-arguments';
import { RUN_FILTER_OPTIONS } from './run-filters';
import { SqlConditions } from './sql-conditions';
import { numberOrNull } from './sql-values';
import type { HistoryOptions, RunPage, RunSummary } from './types';

type Row = Record<string, unknown>;

/** The filters of history (and latest, and sessions), in the order its "unknown option" error lists them. */
export const HISTORY_FILTER_OPTIONS = [
  'agent',
  'status',
  'userId',
  'tenantId',
  'since',
  'until',
  ...RUN_FILTER_OPTIONS,
] as const satisfies readonly (keyof HistoryOptions)[];
const HISTORY_OPTIONS: readonly (keyof HistoryOptions)[] = [...HISTORY_FILTER_OPTIONS, 'limit', 'cursor'];

/**
 * Agent runs (executions of kind 'agent', nested ones included) with their duration and subtree totals, newest
 * first, one page at a time: the cursor of a page is the (exact start, id) of its last run, so pages never skip or
 * repeat a run while others are written. `method` names the caller in argument errors (latest goes through here).
 */
export async function queryHistory(
  dataSource: DataSource,
  options: HistoryOptions | undefined,
  method = 'history',
): Promise<RunPage> {
  const given = optionsObject<HistoryOptions>(method, 'options', options, HISTORY_OPTIONS);
  const limit = pageSize(method, given.limit);
  const filters = analyticsFilters(method, given);
  const after = given.cursor == null ? undefined : decodeCursor(method, 'runs', given.cursor);

  const where = new SqlConditions();
  where.add(`e.kind = 'agent'`);
  addAnalyticsFilters(where, filters);
  if (after !== undefined) addRowsAfter(where, 'e.started_at', 'e.id', after);

  const executions = qualifiedTableName(dataSource, 'agent_executions');
  const performance = qualifiedTableName(dataSource, 'agent_performance');
  const rows: Row[] = await untraced(() =>
    dataSource.query(
      `SELECT ${EXECUTION_VIEW_COLUMNS}, p.duration_ms AS "durationMs", ${RUN_TOTALS_COLUMNS},
              ${exactTimestampSql('e.started_at')} AS "cursorAt", e.id AS "cursorId"
       FROM ${executions} e LEFT JOIN ${performance} p ON p.trace_id = e.trace_id AND p.execution_id = e.id
       ${where.toSql()}
       ORDER BY e.started_at DESC, e.id DESC
       LIMIT ${where.param(limit + 1)}`,
      where.parameters,
    ),
  );
  const page = splitPage('runs', rows as Array<Row & { cursorAt: unknown; cursorId: unknown }>, limit);
  return { runs: page.rows.map(toRunSummary), nextCursor: page.nextCursor };
}

/** A row of EXECUTION_VIEW_COLUMNS, "durationMs" and RUN_TOTALS_COLUMNS as history lists it. */
export function toRunSummary(row: Row): RunSummary {
  return { ...toExecutionView(row), durationMs: numberOrNull(row.durationMs), totals: toRunTotals(row) };
}
