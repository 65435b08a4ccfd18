import type { DataSource, EntityManager } from 'typeorm';
import { percentileOfHistogram } from '../rollups/duration-histogram';
import { buildHourlyAggregateSql, HOURLY_COLUMNS } from '../rollups/hourly-aggregate-sql';
import { qualifiedTableName } from '../store/schema/table-names';
import type { MetricStats, StatsGroup } from './analytics-types';
import type { CheckedStatsOptions } from './stats-options';
import { SqlConditions } from './sql-conditions';
import { numberOrNull } from './sql-values';
import { putMetric, STATUS_NAMES, toStatsGroup } from './stats-group';

type Row = Record<string, unknown>;

const HOUR_MS = 3_600_000;

/**
 * The whole hours of [since, until) the rollups can answer for: from the first hour starting at or after since to
 * the last hour ending by until, and only hours before the one the last refresh ran in (later ones may still
 * change). Empty (from >= to) when there are none.
 */
export function rollupCoverage(since: string, until: string, watermark: Date): { from: number; to: number } {
  const from = Math.ceil(Date.parse(since) / HOUR_MS) * HOUR_MS;
  const to = Math.min(Math.floor(Date.parse(until) / HOUR_MS), Math.floor(watermark.getTime() / HOUR_MS)) * HOUR_MS;
  return { from, to };
}

/**
 * Stats of agent runs from the hourly rollups: the covered hours from agent_metrics_hourly, the rest of the range
 * (the partial hours at its ends, the hours since the last refresh) rolled up from raw rows on the fly, the same
 * way. Counts, tokens, cost, min, max and average are exact sums; percentiles come from the merged duration
 * histograms (percentile_cont's interpolation, within 2.5 %); metrics keep count, sum and average.
 */
export async function rollupStats(
  manager: EntityManager,
  dataSource: DataSource,
  { groupBy, filters }: CheckedStatsOptions,
  watermark: Date,
): Promise<StatsGroup[]> {
  const since = filters.since!;
  const until = filters.until ?? new Date().toISOString();
  let { from, to } = rollupCoverage(since, until, watermark);
  if (to <= from) from = to = Date.parse(since);
  const where = new SqlConditions();
  const sinceParam = where.param(since);
  const untilParam = where.param(until);
  const fromParam = where.param(new Date(from).toISOString());
  const toParam = where.param(new Date(to).toISOString());
  const agentParam = filters.agent === undefined ? undefined : where.param(filters.agent);
  const rollups = qualifiedTableName(dataSource, 'agent_metrics_hourly');
  const raw = buildHourlyAggregateSql(dataSource, {
    where:
      `((e.started_at >= ${sinceParam}::timestamptz AND e.started_at < ${fromParam}::timestamptz)
        OR (e.started_at >= ${toParam}::timestamptz AND e.started_at < ${untilParam}::timestamptz))` +
      (agentParam === undefined ? '' : ` AND e.agent_name = ${agentParam}`),
  });
  const key =
    groupBy === 'agent' ? `NULLIF(agent_name, '')` : groupBy === 'day' ? `date_trunc('day', hour, 'UTC')` : 'hour';
  const sum = (column: string, alias: string, cast = '') => `sum(${column})${cast} AS "${alias}"`;
  const rows: Row[] = await manager.query(
    `WITH parts AS MATERIALIZED (
       SELECT ${HOURLY_COLUMNS.map((column) => `r.${column}`).join(', ')} FROM ${rollups} r
       WHERE r.hour >= ${fromParam}::timestamptz AND r.hour < ${toParam}::timestamptz
         ${agentParam === undefined ? '' : `AND r.agent_name = ${agentParam}`}
       UNION ALL
       (${raw})
     ),
     keyed AS (SELECT ${key} AS group_key, parts.* FROM parts),
     histograms AS (
       SELECT group_key, jsonb_object_agg(bucket, n) AS histogram
       FROM (SELECT k.group_key, b.key AS bucket, sum(b.value::bigint) AS n
             FROM keyed k CROSS JOIN LATERAL jsonb_each_text(k.duration_histogram) b GROUP BY 1, 2) x
       GROUP BY 1
     ),
     metric_sums AS (
       SELECT group_key, jsonb_object_agg(name, jsonb_build_object('count', n, 'sum', total)) AS metrics
       FROM (SELECT k.group_key, m.key AS name, sum((m.value ->> 'count')::bigint) AS n,
                    sum((m.value ->> 'sum')::float8) AS total
             FROM keyed k CROSS JOIN LATERAL jsonb_each(k.metrics) m GROUP BY 1, 2) y
       GROUP BY 1
     ),
     totals AS (
       SELECT group_key, ${sum('total', 'count', '::int')},
              ${STATUS_NAMES.map((name) => sum(name, name, '::int')).join(', ')},
              sum(duration_sum_ms) / NULLIF(sum(duration_count), 0) AS "avgMs",
              min(duration_min_ms) AS "minMs", max(duration_max_ms) AS "maxMs",
              ${sum('input_tokens', 'inputTokens')}, ${sum('output_tokens', 'outputTokens')},
              ${sum('cache_read_tokens', 'cacheReadTokens')}, ${sum('cache_write_tokens', 'cacheWriteTokens')},
              ${sum('reasoning_tokens', 'reasoningTokens')}, ${sum('cost_usd', 'costUsd', '::text')}
       FROM keyed GROUP BY 1
     )
     SELECT t.group_key AS key, t.*, h.histogram::text AS histogram, s.metrics::text AS metrics
     FROM totals t
       LEFT JOIN histograms h ON h.group_key IS NOT DISTINCT FROM t.group_key
       LEFT JOIN metric_sums s ON s.group_key IS NOT DISTINCT FROM t.group_key`,
    where.parameters,
  );
  return rows.map((row) => {
    const histogram = JSON.parse(String(row.histogram ?? '{}')) as Record<string, number>;
    const bounds = { min: numberOrNull(row.minMs), max: numberOrNull(row.maxMs) };
    const percentile = (fraction: number) => percentileOfHistogram(histogram, fraction, bounds);
    const sums = JSON.parse(String(row.metrics ?? '{}')) as Record<string, { count: number; sum: number }>;
    const metrics: Record<string, MetricStats> = {};
    for (const [name, { count, sum: total }] of Object.entries(sums)) {
      putMetric(metrics, name, {
        count: Number(count),
        sum: Number(total),
        avg: Number(total) / Number(count),
        p95: null,
      });
    }
    return toStatsGroup(
      row,
      groupBy,
      { p50Ms: percentile(0.5), p95Ms: percentile(0.95), p99Ms: percentile(0.99) },
      metrics,
    );
  });
}
