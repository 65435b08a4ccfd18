import type { DataSource } from 'typeorm';
import { durationBucketSql } from './duration-histogram';
import { summableMetricSql } from '../semconv/metric-names';
import { knownTotalCostSql } from '../store/write/known-total-cost';
import { qualifiedTableName } from '../store/schema/table-names';

/**
 * The columns of agent_metrics_hourly, in table order: what one (agent, hour) of agent runs rolls up to. The refresh
 * writes them and stats reads them back, together with the same aggregate computed on the fly for hours the
 * rollups do not cover.
 */
export const HOURLY_COLUMNS = [
  'agent_name',
  'hour',
  'total',
  'succeeded',
  'failed',
  'cancelled',
  'abandoned',
  'running',
  'duration_count',
  'duration_sum_ms',
  'duration_avg_ms',
  'duration_min_ms',
  'duration_max_ms',
  'duration_p50_ms',
  'duration_p95_ms',
  'duration_p99_ms',
  'duration_histogram',
  'unique_users',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cost_usd',
  'error_counts',
  'metrics',
] as const;

/** The UTC hour a run belongs to (of its start), whatever the session's time zone. */
export const RUN_HOUR_SQL = `date_trunc('hour', e.started_at, 'UTC')`;

/**
 * One SELECT that rolls agent runs up per (agent, UTC hour), producing HOURLY_COLUMNS. `scope` follows
 * `FROM agent_executions e LEFT JOIN agent_performance p`: more joins and the WHERE clause choosing the rows (the
 * runs' `e.kind = 'agent'` is added here). Tokens and cost are the runs' subtree totals; failures without an error
 * type count as `unknown`; only numeric metric values within range are summed.
 */
export function buildHourlyAggregateSql(dataSource: DataSource, scope: { joins?: string; where: string }): string {
  const executions = qualifiedTableName(dataSource, 'agent_executions');
  const performance = qualifiedTableName(dataSource, 'agent_performance');
  const status = (name: string) => `(count(*) FILTER (WHERE status = '${name}'))::int`;
  const percentile = (fraction: number) => `percentile_cont(${fraction}) WITHIN GROUP (ORDER BY duration_ms)`;
  return `
    WITH runs AS MATERIALIZED (
      SELECT COALESCE(e.agent_name, '') AS agent_name, ${RUN_HOUR_SQL} AS hour, e.status, e.user_id, e.error_type,
             CASE WHEN jsonb_typeof(e.metrics) = 'object' THEN e.metrics END AS metrics, p.duration_ms,
             p.total_input_tokens, p.total_output_tokens, p.total_cache_read_tokens, p.total_cache_write_tokens,
             p.total_reasoning_tokens, ${knownTotalCostSql('p.total_cost_usd')} AS total_cost_usd
      FROM ${executions} e LEFT JOIN ${performance} p ON p.trace_id = e.trace_id AND p.execution_id = e.id
      ${scope.joins ?? ''}
      WHERE e.kind = 'agent' AND (${scope.where})
    ),
    histograms AS (
      SELECT agent_name, hour, jsonb_object_agg(bucket::text, n) AS histogram
      FROM (SELECT agent_name, hour, ${durationBucketSql('duration_ms')} AS bucket, count(*)::int AS n
            FROM runs WHERE duration_ms IS NOT NULL GROUP BY 1, 2, 3) b
      GROUP BY 1, 2
    ),
    errors AS (
      SELECT agent_name, hour, jsonb_object_agg(error_type, n) AS error_counts
      FROM (SELECT agent_name, hour, COALESCE(error_type, 'unknown') AS error_type, count(*)::int AS n
            FROM runs WHERE status = 'failed' GROUP BY 1, 2, 3) f
      GROUP BY 1, 2
    ),
    metric_sums AS (
      SELECT agent_name, hour, jsonb_object_agg(name, jsonb_build_object('count', n, 'sum', total)) AS metrics
      FROM (SELECT r.agent_name, r.hour, m.key AS name, count(*)::int AS n, sum(m.value::float8) AS total
            FROM runs r CROSS JOIN LATERAL jsonb_each(r.metrics) m
            WHERE r.metrics IS NOT NULL AND ${summableMetricSql('m.value')} GROUP BY 1, 2, 3) s
      GROUP BY 1, 2
    ),
    totals AS (
      SELECT agent_name, hour, count(*)::int AS total, ${status('completed')} AS succeeded,
             ${status('failed')} AS failed, ${status('cancelled')} AS cancelled, ${status('abandoned')} AS abandoned,
             ${status('running')} AS running, count(duration_ms)::int AS duration_count,
             sum(duration_ms) AS duration_sum_ms, avg(duration_ms) AS duration_avg_ms,
             min(duration_ms) AS duration_min_ms, max(duration_ms) AS duration_max_ms,
             ${percentile(0.5)} AS duration_p50_ms, ${percentile(0.95)} AS duration_p95_ms,
             ${percentile(0.99)} AS duration_p99_ms, count(DISTINCT user_id)::int AS unique_users,
             sum(total_input_tokens) AS input_tokens, sum(total_output_tokens) AS output_tokens,
             sum(total_cache_read_tokens) AS cache_read_tokens, sum(total_cache_write_tokens) AS cache_write_tokens,
             sum(total_reasoning_tokens) AS reasoning_tokens, sum(total_cost_usd) AS cost_usd
      FROM runs GROUP BY 1, 2
    )
    SELECT t.agent_name, t.hour, t.total, t.succeeded, t.failed, t.cancelled, t.abandoned, t.running,
           t.duration_count, t.duration_sum_ms, t.duration_avg_ms, t.duration_min_ms, t.duration_max_ms,
           t.duration_p50_ms, t.duration_p95_ms, t.duration_p99_ms, COALESCE(h.histogram, '{}') AS duration_histogram,
           t.unique_users, t.input_tokens, t.output_tokens, t.cache_read_tokens, t.cache_write_tokens,
           t.reasoning_tokens, t.cost_usd, COALESCE(f.error_counts, '{}') AS error_counts,
           COALESCE(s.metrics, '{}') AS metrics
    FROM totals t
      LEFT JOIN histograms h USING (agent_name, hour)
      LEFT JOIN errors f USING (agent_name, hour)
      LEFT JOIN metric_sums s USING (agent_name, hour)`;
}
