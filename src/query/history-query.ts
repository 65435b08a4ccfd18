import type { DataSource } from 'typeorm';
import { qualifiedTableName } from '../store/schema/table-names';
import { untraced } from '../internal/untraced';
import { EXECUTION_VIEW_COLUMNS, toExecutionView } from './execution-view';
import { exactTimestampSql } from './exact-timestamp';
import { addRowsAfter, decodeCursor, splitPage } from './keyset-page';
import { RUN_TOTALS_COLUMNS, toRunTotals } from './performance-view';
import { checkTimeRange, optionsObject, pageSize, statusFilter, textFilter, timeBound } from './query-arguments';
import { SqlConditions } from './sql-conditions';
import { numberOrNull } from './sql-values';
import type { HistoryOptions, RunPage, RunSummary } from './types';

type Row = Record<string, unknown>;

const METHOD = 'history';
const HISTORY_OPTIONS: readonly (keyof HistoryOptions)[] = [
  'agent',
  'status',
  'userId',
  'tenantId',
  'since',
  'until',
  'limit',
  'cursor',
];

/**
 * Agent runs (executions of kind 'agent', nested ones included) with their duration and subtree totals, newest
 * first, one page at a time: the cursor of a page is the (exact start, id) of its last run, so pages never skip or
 * repeat a run while others are written.
 */
export async function queryHistory(dataSource: DataSource, options: HistoryOptions | undefined): Promise<RunPage> {
  const given = optionsObject<HistoryOptions>(METHOD, 'options', options, HISTORY_OPTIONS);
  const limit = pageSize(METHOD, given.limit);
  const agent = textFilter(METHOD, 'agent', given.agent);
  const statuses = statusFilter(METHOD, given.status);
  const userId = textFilter(METHOD, 'userId', given.userId);
  const tenantId = textFilter(METHOD, 'tenantId', given.tenantId);
  const since = timeBound(METHOD, 'since', given.since);
  const until = timeBound(METHOD, 'until', given.until);
  checkTimeRange(METHOD, since, until);
  const after = given.cursor == null ? undefined : decodeCursor(METHOD, 'runs', given.cursor);

  const where = new SqlConditions();
  where.add(`e.kind = 'agent'`);
  if (agent !== undefined) where.add(`e.agent_name = ${where.param(agent)}`);
  if (statuses !== undefined) where.add(`e.status = ANY(${where.param(statuses)}::text[])`);
  if (userId !== undefined) where.add(`e.user_id = ${where.param(userId)}`);
  if (tenantId !== undefined) where.add(`e.tenant_id = ${where.param(tenantId)}`);
  if (since !== undefined) where.add(`e.started_at >= ${where.param(since)}::timestamptz`);
  if (until !== undefined) where.add(`e.started_at < ${where.param(until)}::timestamptz`);
  if (after !== undefined) addRowsAfter(where, 'e.started_at', 'e.id', after);

  const executions = qualifiedTableName(dataSource, 'agent_executions');
  const performance = qualifiedTableName(dataSource, 'agent_performance');
  const rows: Row[] = await untraced(() =>
    dataSource.query(
      `SELECT ${EXECUTION_VIEW_COLUMNS}, p.duration_ms AS "durationMs", ${RUN_TOTALS_COLUMNS},
              ${exactTimestampSql('e.started_at')} AS "cursorAt", e.id AS "cursorId"
       FROM ${executions} e LEFT JOIN ${performance} p ON p.execution_id = e.id
       ${where.toSql()}
       ORDER BY e.started_at DESC, e.id DESC
       LIMIT ${where.param(limit + 1)}`,
      where.parameters,
    ),
  );
  const page = splitPage('runs', rows as Array<Row & { cursorAt: unknown; cursorId: unknown }>, limit);
  return { runs: page.rows.map(toRunSummary), nextCursor: page.nextCursor };
}

function toRunSummary(row: Row): RunSummary {
  return { ...toExecutionView(row), durationMs: numberOrNull(row.durationMs), totals: toRunTotals(row) };
}
