import type { DataSource, EntityManager } from 'typeorm';
import { layoutOf, shardGroups } from '../store/schema/table-layout';
import type { ExecutionStatus } from '../model/records';
import { qualifiedTableName } from '../store/schema/table-names';
import { knownTotalCostSql } from '../store/write/known-total-cost';
import { EXECUTION_VIEW_COLUMNS } from './execution-view';
import { toRunSummary } from './history-query';
import { RUN_TOTALS_COLUMNS, toRunTotals } from './performance-view';
import { EXECUTION_STATUSES } from './query-arguments';
import type { SessionSummary } from './session-types';
import { dateOf, dateOrNull, numberOrNull } from './sql-values';
import type { RunSummary } from './types';

type Row = Record<string, unknown>;

/** How far up a run's parents the nesting check walks: deeper than any real run tree, and it ends a cycle. */
const MAX_NESTING_WALK = 256;

export interface SessionDetailsRequest {
  /** The sessions of a page, in page order. */
  sessionIds: string[];
  /** Only this tenant's runs of them. */
  tenantId?: string;
  runsPerSession: number;
}

/**
 * The figures and newest runs of a page's sessions: two queries whatever the page's size, in the caller's
 * transaction. Tokens and cost add up the totals of the session's outermost runs only: a run is nested when, walking
 * up its parents through steps that are not agents (a tool that calls an agent), the first agent met is a run of the
 * same session, whose totals already hold it. The walk follows the unique (trace_id, span_id) index from each run of
 * the page's sessions, not the table.
 */
export async function readSessionDetails(
  manager: EntityManager,
  dataSource: DataSource,
  request: SessionDetailsRequest,
): Promise<SessionSummary[]> {
  if (request.sessionIds.length === 0) return [];
  const executions = qualifiedTableName(dataSource, 'agent_executions');
  const performance = qualifiedTableName(dataSource, 'agent_performance');
  const parameters: unknown[] = [request.sessionIds];
  const tenant = request.tenantId === undefined ? '' : `AND e.tenant_id = $${parameters.push(request.tenantId)}`;
  const outermost = (column: string) => `sum(${column}) FILTER (WHERE n.run_id IS NULL)`;
  const status = (name: ExecutionStatus) => `(count(*) FILTER (WHERE r.status = '${name}'))::int AS "${name}"`;
  const runsOf = (extra: string) => `runs AS MATERIALIZED (
       SELECT e.id, e.session_id, e.trace_id, e.span_id, e.parent_span_id, e.status, e.started_at, e.completed_at,
              e.agent_name
       FROM ${executions} e
       WHERE e.kind = 'agent' AND e.session_id = ANY($1::text[]) AND e.session_id IS NOT NULL ${tenant} ${extra}
     )`;
  // On Citus the walk runs a shard at a time (a recursive CTE runs nowhere else), and its result is a parameter.
  const distributed = (await layoutOf(dataSource, manager)) === 'distributed';
  const nestedRuns = distributed
    ? `nested AS (SELECT unnest($${parameters.push(await nestedRunsByShard(manager, dataSource, request, runsOf))}::uuid[]) AS run_id)`
    : nestedRunsSql(executions, '');
  const figureRows: Row[] = await manager.query(
    `WITH ${distributed ? '' : 'RECURSIVE '}${runsOf('')},
     ${nestedRuns}
     SELECT r.session_id AS "sessionId", count(*)::int AS "runCount", ${EXECUTION_STATUSES.map(status).join(', ')},
            min(r.started_at) AS "startedAt", max(r.started_at) AS "lastStartedAt", max(r.completed_at) AS "endedAt",
            (extract(epoch FROM max(r.completed_at) - min(r.started_at)) * 1000)::float8 AS "durationMs",
            array_remove(array_agg(DISTINCT r.agent_name ORDER BY r.agent_name), NULL) AS agents,
            ${outermost('p.total_input_tokens')} AS "totalInputTokens",
            ${outermost('p.total_output_tokens')} AS "totalOutputTokens",
            ${outermost('p.total_cache_read_tokens')} AS "totalCacheReadTokens",
            ${outermost('p.total_cache_write_tokens')} AS "totalCacheWriteTokens",
            ${outermost('p.total_reasoning_tokens')} AS "totalReasoningTokens",
            ${outermost(knownTotalCostSql('p.total_cost_usd'))}::text AS "totalCostUsd",
            ${outermost('p.llm_call_count')} AS "llmCallCount", ${outermost('p.tool_call_count')} AS "toolCallCount",
            ${outermost('p.error_count')} AS "errorCount", ${outermost('p.unknown_cost_count')} AS "unknownCostCount"
     FROM runs r
       LEFT JOIN ${performance} p ON p.trace_id = r.trace_id AND p.execution_id = r.id
       LEFT JOIN nested n ON n.run_id = r.id
     GROUP BY r.session_id`,
    parameters,
  );
  const runs = await newestRuns(manager, executions, performance, request, distributed);
  const byId = new Map(figureRows.map((row) => [String(row.sessionId), row]));
  return request.sessionIds.flatMap((sessionId) => {
    const row = byId.get(sessionId);
    // Gone between the two statements is impossible on one snapshot; skipped rather than invented.
    if (row === undefined) return [];
    return [toSessionSummary(sessionId, row, runs.get(sessionId) ?? [])];
  });
}

/**
 * The CTEs `up` and `nested` (after `runs`): the runs nested in a run of their session, walking up from each run with
 * a parent through steps that are not agents. `inTraces` adds a condition on the traces of every table it reads.
 */
function nestedRunsSql(executions: string, inTraces: string): string {
  return `up (run_id, session_id, trace_id, span_id, depth) AS (
       SELECT r.id, r.session_id, r.trace_id, r.parent_span_id, 1 FROM runs r WHERE r.parent_span_id IS NOT NULL
       UNION ALL
       SELECT u.run_id, u.session_id, u.trace_id, a.parent_span_id, u.depth + 1
       FROM up u JOIN ${executions} a ON a.trace_id = u.trace_id AND a.span_id = u.span_id ${inTraces}
       WHERE a.kind <> 'agent' AND a.parent_span_id IS NOT NULL AND u.depth < ${MAX_NESTING_WALK}
     ),
     nested AS (
       SELECT DISTINCT u.run_id FROM up u
         JOIN runs a ON a.trace_id = u.trace_id AND a.span_id = u.span_id AND a.session_id = u.session_id
     )`;
}

/** On Citus: the ids of the nested runs (see nestedRunsSql), found a shard's traces at a time. */
async function nestedRunsByShard(
  manager: EntityManager,
  dataSource: DataSource,
  request: SessionDetailsRequest,
  runsOf: (extra: string) => string,
): Promise<string[]> {
  const executions = qualifiedTableName(dataSource, 'agent_executions');
  const parameters: unknown[] = [request.sessionIds];
  const tenant = request.tenantId === undefined ? '' : `AND e.tenant_id = $${parameters.push(request.tenantId)}`;
  const traces = (await manager.query(
    `SELECT DISTINCT e.trace_id FROM ${executions} e
     WHERE e.kind = 'agent' AND e.session_id = ANY($1::text[]) AND e.parent_span_id IS NOT NULL ${tenant}`,
    parameters,
  )) as Array<{ trace_id: string }>;
  const groups = await shardGroups(
    manager,
    dataSource,
    'distributed',
    traces.map((row) => row.trace_id),
  );
  const inTraces = `$${parameters.length + 1}::text[]`;
  const nested: string[] = [];
  for (const group of groups) {
    const rows = (await manager.query(
      `WITH RECURSIVE ${runsOf(`AND e.trace_id = ANY (${inTraces})`)},
       ${nestedRunsSql(executions, `AND a.trace_id = ANY (${inTraces})`)}
       SELECT run_id FROM nested`,
      [...parameters, group],
    )) as Array<{ run_id: string }>;
    for (const row of rows) nested.push(row.run_id);
  }
  return nested;
}

/** Each session's newest runs, as history lists them: one index walk per session (LATERAL … LIMIT). */
async function newestRuns(
  manager: EntityManager,
  executions: string,
  performance: string,
  request: SessionDetailsRequest,
  distributed: boolean,
): Promise<Map<string, RunSummary[]>> {
  const bySession = new Map<string, RunSummary[]>();
  if (request.runsPerSession === 0) return bySession;
  const parameters: unknown[] = [request.sessionIds, request.runsPerSession];
  const tenant = request.tenantId === undefined ? '' : `AND e.tenant_id = $${parameters.push(request.tenantId)}`;
  const rows: Row[] = await manager.query(
    distributed
      ? // Citus runs no subquery correlated on a column other than trace_id: the sessions' runs are gathered, then
        // ranked on the coordinator.
        `WITH runs AS MATERIALIZED (
           SELECT ${EXECUTION_VIEW_COLUMNS}, p.duration_ms AS "durationMs", ${RUN_TOTALS_COLUMNS},
                  e.session_id AS rank_session, e.started_at AS rank_start, e.id AS rank_id
           FROM ${executions} e LEFT JOIN ${performance} p ON p.trace_id = e.trace_id AND p.execution_id = e.id
           WHERE e.kind = 'agent' AND e.session_id = ANY($1::text[]) ${tenant}
         )
         SELECT * FROM (
           SELECT *, row_number() OVER (PARTITION BY rank_session ORDER BY rank_start DESC, rank_id DESC) AS rank
           FROM runs
         ) ranked WHERE rank <= $2 ORDER BY rank_session, rank`
      : `SELECT r.* FROM unnest($1::text[]) AS s(session_id)
           CROSS JOIN LATERAL (
             SELECT ${EXECUTION_VIEW_COLUMNS}, p.duration_ms AS "durationMs", ${RUN_TOTALS_COLUMNS}
             FROM ${executions} e LEFT JOIN ${performance} p ON p.trace_id = e.trace_id AND p.execution_id = e.id
             WHERE e.kind = 'agent' AND e.session_id = s.session_id AND e.session_id IS NOT NULL ${tenant}
             ORDER BY e.started_at DESC, e.id DESC
             LIMIT $2
           ) r`,
    parameters,
  );
  for (const row of rows) {
    const run = toRunSummary(row);
    const list = bySession.get(run.sessionId!) ?? [];
    list.push(run);
    bySession.set(run.sessionId!, list);
  }
  return bySession;
}

function toSessionSummary(sessionId: string, row: Row, runs: RunSummary[]): SessionSummary {
  return {
    sessionId,
    startedAt: dateOf(row.startedAt),
    lastStartedAt: dateOf(row.lastStartedAt),
    endedAt: dateOrNull(row.endedAt),
    durationMs: numberOrNull(row.durationMs),
    runCount: Number(row.runCount),
    statusCounts: Object.fromEntries(EXECUTION_STATUSES.map((name) => [name, Number(row[name])])) as Record<
      ExecutionStatus,
      number
    >,
    agents: (row.agents as unknown[]).map(String),
    totals: toRunTotals(row),
    runs,
  };
}
