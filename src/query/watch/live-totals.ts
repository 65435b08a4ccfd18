import type { DataSource } from 'typeorm';
import { untraced } from '../../internal/untraced';
import { layoutOf, shardGroups } from '../../store/schema/table-layout';
import { qualifiedTableName } from '../../store/schema/table-names';
import { countedPerformance, SUBTREE_TOTALS } from '../../store/write/subtree-totals-sql';
import { toRunTotals } from '../performance-view';
import type { RunTotals } from '../types';

/** The names toRunTotals reads, for the writer's total columns. */
const ALIASES: Record<(typeof SUBTREE_TOTALS)[number][0], string> = {
  total_input_tokens: 'totalInputTokens',
  total_output_tokens: 'totalOutputTokens',
  total_cache_read_tokens: 'totalCacheReadTokens',
  total_cache_write_tokens: 'totalCacheWriteTokens',
  total_reasoning_tokens: 'totalReasoningTokens',
  total_cost_usd: 'totalCostUsd',
  llm_call_count: 'llmCallCount',
  tool_call_count: 'toolCallCount',
  error_count: 'errorCount',
  unknown_cost_count: 'unknownCostCount',
};

/** Deeper than any real agent tree; only there to stop a corrupt cycle (as in the writer's walk). */
const MAX_DEPTH = 1000;

/**
 * The totals so far of runs still running, by `traceId:spanId`: what the writer computes when a run ends (the same
 * sums, SUBTREE_TOTALS), over the steps stored below the run now. The writer leaves a running run's totals empty by
 * default (recomputing a growing subtree on every write would cost every write), so a watch computes them when it
 * delivers a change, from the read side. A step below a span not stored yet (a task that has not ended) is not
 * reached until that span is written, as in the writer's totals.
 */
export async function liveTotals(
  dataSource: DataSource,
  runs: ReadonlyArray<{ traceId: string; spanId: string }>,
): Promise<Map<string, RunTotals>> {
  if (runs.length === 0) return new Map();
  const executions = qualifiedTableName(dataSource, 'agent_executions');
  const performance = qualifiedTableName(dataSource, 'agent_performance');
  const columns = SUBTREE_TOTALS.map(([name, expression]) =>
    name === 'total_cost_usd' ? `(${expression})::text AS "${ALIASES[name]}"` : `${expression} AS "${ALIASES[name]}"`,
  ).join(', ');
  const sql = buildLiveTotalsSql(executions, performance, columns);
  // A group of traces at a time, each named on every table read: one shard's on Citus (see table-layout).
  const rows = await untraced(async () => {
    const groups = await shardGroups(
      dataSource,
      dataSource,
      await layoutOf(dataSource),
      runs.map((run) => run.traceId),
    );
    const found: Array<Record<string, unknown>> = [];
    for (const traces of groups) {
      const inGroup = new Set(traces);
      const chosen = runs.filter((run) => inGroup.has(run.traceId));
      const parameters = [chosen.map((run) => run.traceId), chosen.map((run) => run.spanId), traces];
      found.push(...((await dataSource.query(sql, parameters)) as Array<Record<string, unknown>>));
    }
    return found;
  });
  return new Map(rows.map((row) => [`${String(row.traceId)}:${String(row.spanId)}`, toRunTotals(row)]));
}

/** $1, $2 the runs (trace and span ids), $3 their traces (see liveTotals). */
function buildLiveTotalsSql(executions: string, performance: string, columns: string): string {
  return `WITH RECURSIVE subtree AS (
         SELECT r.trace_id AS run_trace_id, r.span_id AS run_span_id, x.trace_id, x.span_id, x.id AS execution_id,
                x.kind, x.status, 0 AS depth
         FROM (SELECT DISTINCT * FROM unnest($1::text[], $2::text[]) AS u(trace_id, span_id)) r
         CROSS JOIN LATERAL (
           SELECT x.trace_id, x.span_id, x.id, x.kind, x.status FROM ${executions} x
           WHERE x.trace_id = r.trace_id AND x.span_id = r.span_id AND x.trace_id = ANY ($3::text[]) LIMIT 1
         ) x
         UNION ALL
         SELECT s.run_trace_id, s.run_span_id, c.trace_id, c.span_id, c.id, c.kind, c.status, s.depth + 1
         FROM subtree s CROSS JOIN LATERAL (
           SELECT x.trace_id, x.span_id, x.id, x.kind, x.status FROM ${executions} x
           WHERE x.trace_id = s.trace_id AND x.parent_span_id = s.span_id AND x.trace_id = ANY ($3::text[]) OFFSET 0
         ) c
         WHERE s.depth < ${MAX_DEPTH}
       )
       SELECT s.run_trace_id AS "traceId", s.run_span_id AS "spanId", ${columns}
       FROM subtree s LEFT JOIN LATERAL ${countedPerformance(performance, 's.trace_id', 's.execution_id', '$3')} p ON true
       GROUP BY s.run_trace_id, s.run_span_id`;
}
