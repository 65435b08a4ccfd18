import type { DataSource } from 'typeorm';
import { qualifiedTableName } from '../schema/table-names';
import { spanKey, type MergedSpan } from './dedupe-records';

/**
 * Recomputes the subtree totals of agent executions from scratch (idempotent, never an increment).
 *
 * $1, $2: trace ids and span ids of the seed spans — spans whose ancestors may have changed. Walking up from them
 * over (trace_id, span_id) finds the agent executions to refresh; walking down from each over the
 * (trace_id, parent_span_id) index collects its subtree (itself, its descendants, nested agents included), whose
 * own performance figures are summed. Everything stays inside the seeds' traces.
 *
 * $3: whether agents that are still running get totals too. By default only finished agents are refreshed: a
 * long-running agent would otherwise re-sum its ever-growing subtree on every write; its totals appear once its
 * final record (or a late child after it) is written.
 *
 * $4: the seeds' traces. Every read of a table says so too (redundant on one server): on Citus, with the traces of
 * one shard (see shard-groups), that makes the statement one a single shard runs whole — recursive CTEs and
 * correlated lookups are planned nowhere else.
 *
 * Corrupt parent links (a cycle) cannot recurse forever: the upward walk is a UNION (a repeated row ends it), the
 * downward one carries a depth bound.
 *
 * `write` (one server) stores the totals in the same statement. `read` (Citus, where a shard runs the walk but an
 * insert fed by it is planned on the coordinator, which cannot run the walk) returns them, one row per agent
 * (agent_id, trace_id, the totals), for buildTotalsUpsertSql to store.
 */
export function buildSubtreeTotalsSql(dataSource: DataSource, form: 'write' | 'read' = 'write'): string {
  const inTraces = (alias: string) => `${alias}.trace_id = ANY ($4::text[])`;
  const executions = qualifiedTableName(dataSource, 'agent_executions');
  const performance = qualifiedTableName(dataSource, 'agent_performance');
  const totals = SUBTREE_TOTALS;
  const columns = totals.map(([name]) => name).join(', ');
  return `
    WITH RECURSIVE
    seeds AS (
      SELECT DISTINCT trace_id, span_id FROM unnest($1::text[], $2::text[]) AS s(trace_id, span_id)
    ),
    ancestry AS (
      SELECT e.id, e.trace_id, e.span_id, e.parent_span_id, e.kind, e.status
      FROM seeds s CROSS JOIN LATERAL (
        -- LIMIT keeps this a lookup per row on the unique index: as a join, the planner (which cannot know how few
        -- rows come from unnest or the recursion) may hash the whole table on every write.
        SELECT x.id, x.trace_id, x.span_id, x.parent_span_id, x.kind, x.status FROM ${executions} x
        WHERE x.trace_id = s.trace_id AND x.span_id = s.span_id AND ${inTraces('x')} LIMIT 1
      ) e
      UNION
      SELECT p.id, p.trace_id, p.span_id, p.parent_span_id, p.kind, p.status
      FROM ancestry a CROSS JOIN LATERAL (
        SELECT x.id, x.trace_id, x.span_id, x.parent_span_id, x.kind, x.status FROM ${executions} x
        WHERE x.trace_id = a.trace_id AND x.span_id = a.parent_span_id AND ${inTraces('x')} LIMIT 1
      ) p
    ),
    agents AS (
      SELECT DISTINCT id, trace_id, span_id, kind, status FROM ancestry
      WHERE kind = 'agent' AND ($3::boolean OR status <> 'running')
    ),
    subtree AS (
      SELECT a.id AS agent_id, a.trace_id, a.span_id, a.id AS execution_id, a.kind, a.status, 0 AS depth
      FROM agents a
      UNION ALL
      SELECT s.agent_id, c.trace_id, c.span_id, c.id, c.kind, c.status, s.depth + 1
      FROM subtree s CROSS JOIN LATERAL (
        -- OFFSET 0 keeps this an index lookup per parent (see above).
        SELECT x.trace_id, x.span_id, x.id, x.kind, x.status FROM ${executions} x
        WHERE x.trace_id = s.trace_id AND x.parent_span_id = s.span_id AND ${inTraces('x')} OFFSET 0
      ) c
      WHERE s.depth < ${MAX_DEPTH}
    ),
    totals AS (
      SELECT s.agent_id, s.trace_id, ${totals.map(([name, expression]) => `${expression} AS ${name}`).join(', ')}
      FROM subtree s LEFT JOIN LATERAL ${countedPerformance(performance, 's.trace_id', 's.execution_id', '$4')} p ON true
      GROUP BY s.agent_id, s.trace_id
    )${
      form === 'read'
        ? `
    SELECT agent_id, trace_id, ${columns} FROM totals`
        : `,
    refreshed AS (
      ${storeTotals(performance, `SELECT agent_id, trace_id, ${columns} FROM totals`)}
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM totals)::int AS agents, (SELECT count(*) FROM refreshed)::int AS refreshed`
    }`;
}

/**
 * Stores totals read by the `read` form of buildSubtreeTotalsSql: $1 the JSON array of its rows (as pg returned them:
 * bigints and numerics as text, which json_to_recordset parses with the columns' own input functions).
 */
export function buildTotalsUpsertSql(dataSource: DataSource): string {
  const performance = qualifiedTableName(dataSource, 'agent_performance');
  const definition = SUBTREE_TOTALS.map(([name]) => `${name} ${TOTAL_TYPES[name]}`).join(', ');
  const columns = SUBTREE_TOTALS.map(([name]) => name).join(', ');
  return storeTotals(
    performance,
    `SELECT agent_id, trace_id, ${columns} FROM json_to_recordset($1::json) AS r(agent_id uuid, trace_id text, ${definition})`,
  );
}

/** The INSERT of agents' totals (rows of `source`: agent_id, trace_id, the totals); a row that would not change is left. */
function storeTotals(performance: string, source: string): string {
  const names = SUBTREE_TOTALS.map(([name]) => name);
  return `INSERT INTO ${performance} AS t (execution_id, trace_id, ${names.join(', ')})
      ${source}
      ON CONFLICT (execution_id, trace_id) DO UPDATE SET
        ${names.map((name) => `${name} = EXCLUDED.${name}`).join(', ')}, updated_at = EXCLUDED.updated_at
      WHERE (${names.map((name) => `t.${name}`).join(', ')})
        IS DISTINCT FROM (${names.map((name) => `EXCLUDED.${name}`).join(', ')})`;
}

/** The SQL types of the totals, as agent_performance declares them. */
const TOTAL_TYPES: Record<(typeof SUBTREE_TOTALS)[number][0], string> = {
  total_input_tokens: 'bigint',
  total_output_tokens: 'bigint',
  total_cache_read_tokens: 'bigint',
  total_cache_write_tokens: 'bigint',
  total_reasoning_tokens: 'bigint',
  total_cost_usd: 'numeric',
  llm_call_count: 'integer',
  tool_call_count: 'integer',
  error_count: 'integer',
  unknown_cost_count: 'integer',
};

/**
 * The traces ($1) of which the database already holds a span. Asked under the traces' locks, before a write adds
 * any: a trace it does not hold yet is whole in the write (nobody else can add to it before the write commits), so
 * its agent totals, computed in Node from the write alone (see batch-totals), are right. One probe of the
 * (trace_id, span_id) index per trace, which for a new trace finds nothing and reads no table page.
 */
export function buildStoredTracesSql(dataSource: DataSource): string {
  const executions = qualifiedTableName(dataSource, 'agent_executions');
  return `
    SELECT t.trace_id FROM unnest($1::text[]) AS t(trace_id)
    WHERE EXISTS (SELECT 1 FROM ${executions} x WHERE x.trace_id = t.trace_id AND x.trace_id = ANY ($1::text[]))`;
}

/** The largest value total_cost_usd, numeric(24, 10), can hold: where every sum of it is capped. */
export const MAX_TOTAL_COST = '99999999999999.9999999999';

const COUNTED_FIGURES = [
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cost_usd',
];

/** Deeper than any real agent tree; only there to stop a corrupt cycle. */
const MAX_DEPTH = 1000;

/**
 * Each subtree total and how it is summed over the rows `s` of a subtree (kind, status) and their performance `p` as
 * countedPerformance gives it. Shared by the write (this file) and the totals-so-far of running runs (watch).
 */
export const SUBTREE_TOTALS = [
  ['total_input_tokens', 'sum(p.input_tokens)'],
  ['total_output_tokens', 'sum(p.output_tokens)'],
  ['total_cache_read_tokens', 'sum(p.cache_read_tokens)'],
  ['total_cache_write_tokens', 'sum(p.cache_write_tokens)'],
  ['total_reasoning_tokens', 'sum(p.reasoning_tokens)'],
  // Capped at what numeric(24, 10) holds: an overflow would fail the whole batch for one absurd run. LEAST alone
  // would turn "no cost known" into the cap (it ignores NULL): unknown stays null.
  ['total_cost_usd', `CASE WHEN sum(p.cost_usd) IS NULL THEN NULL ELSE LEAST(sum(p.cost_usd), ${MAX_TOTAL_COST}) END`],
  // A model call described by several spans counts once: only rows marked counted (see the AddPerformanceCounted
  // migration) add figures or calls; a running span has no row yet and counts as a call.
  ['llm_call_count', `(count(*) FILTER (WHERE s.kind = 'llm' AND p.counted IS NOT FALSE))::int`],
  ['tool_call_count', `(count(*) FILTER (WHERE s.kind = 'tool'))::int`],
  ['error_count', `(count(*) FILTER (WHERE s.status = 'failed'))::int`],
  // LLM calls whose cost is missing from total_cost_usd: a total is never shown as complete when it is not.
  ['unknown_cost_count', `(count(*) FILTER (WHERE s.kind = 'llm' AND p.counted AND p.cost_source = 'unknown'))::int`],
] as const;

/**
 * A LATERAL subquery over agent_performance (`performance`, the qualified table) of the execution `executionId` of
 * trace `traceId` (among the trace ids of the array `traces`, when given: see buildSubtreeTotalsSql),
 * giving `p` as SUBTREE_TOTALS reads it: the figures of a row another span already reports (counted false) read as
 * unknown, summed nowhere.
 */
export function countedPerformance(performance: string, traceId: string, executionId: string, traces?: string): string {
  const inTraces = traces === undefined ? '' : ` AND y.trace_id = ANY (${traces}::text[])`;
  return `(
        SELECT ${COUNTED_FIGURES.map((column) => `CASE WHEN y.counted THEN y.${column} END AS ${column}`).join(', ')},
               y.cost_source, y.counted
        FROM ${performance} y WHERE y.trace_id = ${traceId} AND y.execution_id = ${executionId}${inTraces} LIMIT 1
      )`;
}

/**
 * The seeds ($1, $2) of the totals recompute for written spans: every agent span written, and the parent of every
 * written span whose parent is not itself in this write (spans whose parent was written are reached through that
 * parent).
 */
export function totalsSeeds(spans: readonly MergedSpan[]): [string[], string[]] {
  const written = new Set(spans.map((span) => spanKey(span.record.execution)));
  const seeds = new Set<string>();
  const traceIds: string[] = [];
  const spanIds: string[] = [];
  const add = (traceId: string, spanId: string) => {
    const key = spanKey({ traceId, spanId });
    if (seeds.has(key)) return;
    seeds.add(key);
    traceIds.push(traceId);
    spanIds.push(spanId);
  };
  for (const { record } of spans) {
    const { traceId, spanId, parentSpanId, kind } = record.execution;
    if (kind === 'agent') add(traceId, spanId);
    if (parentSpanId !== null && !written.has(spanKey({ traceId, spanId: parentSpanId }))) add(traceId, parentSpanId);
  }
  return [traceIds, spanIds];
}
