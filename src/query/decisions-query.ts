import type { DataSource } from 'typeorm';
import { qualifiedTableName } from '../store/schema/table-names';
import { untraced } from '../internal/untraced';
import { DECISION_VIEW_COLUMNS, toDecisionView } from './decision-view';
import { exactTimestampSql } from './exact-timestamp';
import { addRowsAfter, decodeCursor, splitPage } from './keyset-page';
import {
  checkTimeRange,
  jsonParameter,
  optionsObject,
  pageSize,
  textFilter,
  timeBound,
  unitInterval,
} from './query-arguments';
import { addRunFilters, RUN_FILTER_OPTIONS, runFilters } from './run-filters';
import { SqlConditions } from './sql-conditions';
import type { DecisionPage, DecisionQueryOptions } from './types';

type Row = Record<string, unknown>;

const METHOD = 'decisions';
const DECISION_OPTIONS: readonly (keyof DecisionQueryOptions)[] = [
  'agent',
  'tenantId',
  'minConfidence',
  'outcome',
  'since',
  'until',
  ...RUN_FILTER_OPTIONS,
  'limit',
  'cursor',
];

/**
 * Decisions, newest first, one page at a time (keyset pagination on their time and id). `outcome` is 'pending' (none
 * recorded yet), 'recorded', or a JSON value the recorded outcome must equal; the run filters (metadata, sessionId,
 * conversationId, errorContains) apply to the execution that took the decision.
 */
export async function queryDecisions(
  dataSource: DataSource,
  options: DecisionQueryOptions | undefined,
): Promise<DecisionPage> {
  const given = optionsObject<DecisionQueryOptions>(METHOD, 'options', options, DECISION_OPTIONS);
  const limit = pageSize(METHOD, given.limit);
  const agent = textFilter(METHOD, 'agent', given.agent);
  const tenantId = textFilter(METHOD, 'tenantId', given.tenantId);
  const minConfidence =
    given.minConfidence === undefined ? undefined : unitInterval(METHOD, 'minConfidence', given.minConfidence);
  const since = timeBound(METHOD, 'since', given.since);
  const until = timeBound(METHOD, 'until', given.until);
  checkTimeRange(METHOD, since, until);
  const context = runFilters(METHOD, given);
  const after = given.cursor == null ? undefined : decodeCursor(METHOD, 'decisions', given.cursor);

  const where = new SqlConditions();
  if (agent !== undefined) where.add(`d.agent_name = ${where.param(agent)}`);
  if (tenantId !== undefined) where.add(`e.tenant_id = ${where.param(tenantId)}`);
  if (minConfidence !== undefined) where.add(`d.confidence >= ${where.param(minConfidence)}`);
  if (given.outcome === 'recorded') where.add('d.outcome IS NOT NULL');
  else if (given.outcome === 'pending') where.add('d.outcome IS NULL');
  else if (given.outcome !== undefined) {
    where.add(`d.outcome = ${where.param(jsonParameter(METHOD, 'outcome', given.outcome))}::jsonb`);
  }
  if (since !== undefined) where.add(`d.occurred_at >= ${where.param(since)}::timestamptz`);
  if (until !== undefined) where.add(`d.occurred_at < ${where.param(until)}::timestamptz`);
  // Metadata, session, conversation and error of the execution that took the decision.
  addRunFilters(where, context);
  if (after !== undefined) addRowsAfter(where, 'd.occurred_at', 'd.id', after);

  const decisions = qualifiedTableName(dataSource, 'agent_decisions');
  const executions = qualifiedTableName(dataSource, 'agent_executions');
  const rows: Row[] = await untraced(() =>
    dataSource.query(
      `SELECT ${DECISION_VIEW_COLUMNS}, ${exactTimestampSql('d.occurred_at')} AS "cursorAt", d.id AS "cursorId"
       FROM ${decisions} d JOIN ${executions} e ON e.trace_id = d.trace_id AND e.id = d.execution_id
       ${where.toSql()}
       ORDER BY d.occurred_at DESC, d.id DESC
       LIMIT ${where.param(limit + 1)}`,
      where.parameters,
    ),
  );
  const page = splitPage('decisions', rows as Array<Row & { cursorAt: unknown; cursorId: unknown }>, limit);
  return { decisions: page.rows.map(toDecisionView), nextCursor: page.nextCursor };
}
