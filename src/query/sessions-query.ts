import type { DataSource } from 'typeorm';
import { qualifiedTableName } from '../store/schema/table-names';
import { untraced } from '../internal/untraced';
import { AgentspanQueryError } from './agentspan-query-error';
import { analyticsFilters, boundedCount, type CheckedFilters } from './analytics-arguments';
import { addAnalyticsFilters } from './analytics-filters';
import { exactTimestampSql } from './exact-timestamp';
import { HISTORY_FILTER_OPTIONS } from './history-query';
import { describeValue, optionsObject } from './query-arguments';
import { decodeSessionCursor, encodeSessionCursor, type SessionPosition } from './session-cursor';
import { readSessionDetails } from './session-details-query';
import type { SessionOptions, SessionPage } from './session-types';
import { SqlConditions } from './sql-conditions';

const METHOD = 'sessions';
const OPTIONS: readonly (keyof SessionOptions)[] = [...HISTORY_FILTER_OPTIONS, 'limit', 'cursor', 'runsPerSession'];
export const MAX_SESSIONS_PER_PAGE = 100;
export const MAX_RUNS_PER_SESSION = 100;

/**
 * Sessions (the agent runs sharing a withAgentContext sessionId), newest first by their first run's start, one page
 * at a time: the cursor is the (exact first start, session id) of the page's last session, and a session's first
 * start does not move when it gets more runs, so pages neither skip nor repeat a session while runs are written.
 *
 * The filters choose sessions: one is listed when any of its runs matches them all. Its figures and runs are the
 * whole session's, limited to the tenant when a tenantId is given (as forTenant does). One REPEATABLE READ
 * transaction: the page, then the figures and runs of its sessions (session-details-query), on one snapshot.
 */
export async function querySessions(dataSource: DataSource, options: SessionOptions | undefined): Promise<SessionPage> {
  const given = optionsObject<SessionOptions>(METHOD, 'options', options, OPTIONS);
  const limit = boundedCount(METHOD, 'limit', given.limit, MAX_SESSIONS_PER_PAGE, 20);
  const runsPerSession = runsPerSessionArgument(given.runsPerSession);
  const filters = analyticsFilters(METHOD, given);
  const after = given.cursor == null ? undefined : decodeSessionCursor(METHOD, given.cursor);

  const executions = qualifiedTableName(dataSource, 'agent_executions');
  const where = new SqlConditions();
  // The sessions with a run that matches; with no filter but the tenant, every session, in one pass of the index.
  // Materialized, then matched by IN: Citus joins a distributed table on a column other than trace_id only with a
  // result it has gathered (a subquery joined in place is refused).
  let matched = '';
  let matchedOnly = '';
  if (choosesSessions(filters)) {
    where.add(`e.kind = 'agent'`);
    where.add('e.session_id IS NOT NULL');
    addAnalyticsFilters(where, filters);
    matched = `matched AS MATERIALIZED (SELECT DISTINCT e.session_id FROM ${executions} e ${where.toSql()}),`;
    matchedOnly = 'AND s.session_id IN (SELECT session_id FROM matched)';
  }
  const tenant = filters.tenantId === undefined ? '' : `AND s.tenant_id = ${where.param(filters.tenantId)}`;
  const keyset = after === undefined ? '' : afterSql(where, after);

  return untraced(() =>
    dataSource.transaction('REPEATABLE READ', async (manager) => {
      const rows: Array<{ sessionId: string; cursorAt: string }> = await manager.query(
        `WITH ${matched} listed AS (
           SELECT s.session_id, min(s.started_at) AS started_at
           FROM ${executions} s
           WHERE s.kind = 'agent' AND s.session_id IS NOT NULL ${tenant} ${matchedOnly}
           GROUP BY s.session_id
         )
         SELECT session_id AS "sessionId", ${exactTimestampSql('started_at')} AS "cursorAt"
         FROM listed ${keyset}
         ORDER BY started_at DESC, session_id COLLATE "C" DESC
         LIMIT ${where.param(limit + 1)}`,
        where.parameters,
      );
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const nextCursor =
        rows.length > limit && last !== undefined
          ? encodeSessionCursor({ at: String(last.cursorAt), sessionId: String(last.sessionId) })
          : null;
      const sessions = await readSessionDetails(manager, dataSource, {
        sessionIds: page.map((row) => String(row.sessionId)),
        tenantId: filters.tenantId,
        runsPerSession,
      });
      return { sessions, nextCursor };
    }),
  );
}

/** Whether a filter other than the tenant chooses which sessions are listed. */
function choosesSessions(filters: CheckedFilters): boolean {
  const { tenantId: _tenant, ...choosing } = filters;
  return Object.values(choosing).some((value) => value !== undefined);
}

/** Sessions after a position in (first start desc, session id desc) order; ids compare byte by byte (C). */
function afterSql(where: SqlConditions, position: SessionPosition): string {
  const at = `${where.param(position.at)}::timestamptz`;
  const id = where.param(position.sessionId);
  return `WHERE started_at <= ${at} AND (started_at < ${at} OR session_id COLLATE "C" < ${id} COLLATE "C")`;
}

function runsPerSessionArgument(value: unknown): number {
  if (value === undefined) return 10;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_RUNS_PER_SESSION) {
    throw new AgentspanQueryError(
      `${METHOD}: runsPerSession must be an integer from 0 to ${MAX_RUNS_PER_SESSION}, got ${describeValue(value)}`,
    );
  }
  return value;
}
