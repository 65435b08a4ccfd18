import type { DataSource, EntityManager } from 'typeorm';
import { rollupWatermark } from '../rollups/hourly-rollups';
import { summableMetricSql } from '../semconv/metric-names';
import { knownTotalCostSql } from '../store/write/known-total-cost';
import { qualifiedTableName } from '../store/schema/table-names';
import { untraced } from '../internal/untraced';
import { AgentspanQueryError } from './agentspan-query-error';
import { addAnalyticsFilters } from './analytics-filters';
import { isMetadataGroupBy, metadataKeySql } from './metadata-arguments';
import { hasRunFilters } from './run-filters';
import type { MetricStats, StatsGroupBy, StatsOptions, StatsResult, StatsSource } from './analytics-types';
import { rollupCoverage, rollupStats } from './rollup-stats-query';
import { SqlConditions } from './sql-conditions';
import { numberOrNull } from './sql-values';
import { byCountThenKey, emptyStatsGroup, groupKey, putMetric, toStatsGroup } from './stats-group';
import { checkStatsOptions, STATS_METHOD as METHOD, type CheckedStatsOptions } from './stats-options';
import { isTimeGrouping, timeBucketSql, withEmptyBuckets } from './time-buckets';

type Row = Record<string, unknown>;

/**
 * The SQL of a group's key over `e` (agent_executions) and `p` (agent_performance); a metadata key goes in as a
 * parameter of `where`.
 */
function groupKeySql(groupBy: StatsGroupBy, where: SqlConditions): string {
  if (isMetadataGroupBy(groupBy)) return metadataKeySql(groupBy, (value) => where.param(value));
  switch (groupBy) {
    case 'agent':
      return 'e.agent_name';
    case 'model':
      // The model asked for, which code chooses; the dated response model when the request did not say.
      return 'COALESCE(p.request_model, p.response_model)';
    case 'user':
      return 'e.user_id';
    case 'tenant':
      return 'e.tenant_id';
    case 'status':
      return 'e.status';
    case 'session':
      return 'e.session_id';
    default:
      return timeBucketSql(groupBy, 'e.started_at');
  }
}

/**
 * Counts, success rate, duration percentiles, tokens, cost and business metrics of agent runs (or LLM or tool calls)
 * per group. Reads raw rows (exact, percentile_cont), or for long ranges the hourly rollups (see StatsSource).
 */
export async function queryStats(dataSource: DataSource, options: StatsOptions): Promise<StatsResult> {
  const { source, rollupAfterHours, ...checked } = checkStatsOptions(options);
  const { groupBy, kind } = checked;
  const obstacle = source === 'raw' ? undefined : rollupObstacle(checked);
  if (source === 'rollup' && obstacle !== undefined) {
    throw new AgentspanQueryError(`${METHOD}: source rollup cannot answer this: ${obstacle}`);
  }
  const mayUseRollups = source !== 'raw' && obstacle === undefined;

  return untraced(() =>
    dataSource.transaction('REPEATABLE READ', async (manager) => {
      const watermark = mayUseRollups ? await rollupWatermark(dataSource, manager) : null;
      const useRollups = mayUseRollups && rollupsShouldAnswer(checked, source, rollupAfterHours, watermark);
      const result = useRollups
        ? await rollupStats(manager, dataSource, checked, watermark!)
        : await rawStats(manager, dataSource, checked);
      const groups = isTimeGrouping(groupBy)
        ? withEmptyBuckets(METHOD, groupBy, result, checked.filters, emptyStatsGroup)
        : result.sort(byCountThenKey);
      const { since, until } = checked.filters;
      return {
        groupBy,
        kind,
        since: since === undefined ? null : new Date(since),
        until: until === undefined ? null : new Date(until),
        source: useRollups ? 'rollup' : 'raw',
        approximate: useRollups,
        groups,
      };
    }),
  );
}

/**
 * Why the rollups cannot answer, or undefined when they can: they hold agent runs grouped by agent and hour, with no
 * user, tenant, status, session, conversation, metadata or error, and need a since.
 */
function rollupObstacle({ groupBy, kind, filters }: CheckedStatsOptions): string | undefined {
  if (kind !== 'agent') return 'they hold agent runs only';
  if (!['agent', 'hour', 'day'].includes(groupBy)) return `they are grouped by agent and hour, not by ${groupBy}`;
  if (filters.userId !== undefined || filters.tenantId !== undefined || filters.statuses !== undefined) {
    return 'they cannot be filtered by user, tenant or status';
  }
  if (hasRunFilters(filters)) return 'they cannot be filtered by metadata, session, conversation or error';
  return filters.since === undefined ? 'they need a since' : undefined;
}

/**
 * Whether rollups that can answer should: for source 'rollup' always, once refreshed at least once (else an error
 * says so); for 'auto' when the range is at least rollupAfterHours long and whole hours of it are rolled up.
 */
function rollupsShouldAnswer(
  { filters }: CheckedStatsOptions,
  source: StatsSource,
  rollupAfterHours: number,
  watermark: Date | null,
): boolean {
  if (watermark === null) {
    if (source === 'rollup') {
      throw new AgentspanQueryError(
        `${METHOD}: source rollup: the rollups were never refreshed (refreshHourlyRollups)`,
      );
    }
    return false;
  }
  if (source === 'rollup') return true;
  const until = filters.until === undefined ? Date.now() : Date.parse(filters.until);
  const coverage = rollupCoverage(filters.since!, new Date(until).toISOString(), watermark);
  return until - Date.parse(filters.since!) >= rollupAfterHours * 3_600_000 && coverage.from < coverage.to;
}

async function rawStats(
  manager: EntityManager,
  dataSource: DataSource,
  { groupBy, kind, filters }: CheckedStatsOptions,
) {
  const executions = qualifiedTableName(dataSource, 'agent_executions');
  const performance = qualifiedTableName(dataSource, 'agent_performance');
  const where = new SqlConditions();
  where.add(`e.kind = ${where.param(kind)}`);
  addAnalyticsFilters(where, filters, { time: 'e.started_at', allKinds: kind !== 'agent' });
  // One model call described by several spans is one call: the spans whose figures another reports are left out.
  if (kind !== 'agent') where.add('p.counted IS NOT FALSE');
  const key = groupKeySql(groupBy, where);
  // Agent runs carry their subtree's totals; LLM and tool calls their own figures.
  const own = kind === 'agent' ? 'p.total_' : 'p.';
  const cost = kind === 'agent' ? knownTotalCostSql('p.total_cost_usd') : 'p.cost_usd';
  const status = (name: string) => `(count(*) FILTER (WHERE e.status = '${name}'))::int`;
  const percentile = (fraction: number) => `percentile_cont(${fraction}) WITHIN GROUP (ORDER BY p.duration_ms)`;
  const from = `FROM ${executions} e LEFT JOIN ${performance} p ON p.trace_id = e.trace_id AND p.execution_id = e.id ${where.toSql()}`;
  const rows: Row[] = await manager.query(
    `SELECT ${key} AS key, count(*)::int AS count, ${status('completed')} AS succeeded, ${status('failed')} AS failed,
            ${status('cancelled')} AS cancelled, ${status('abandoned')} AS abandoned, ${status('running')} AS running,
            avg(p.duration_ms) AS "avgMs", min(p.duration_ms) AS "minMs", max(p.duration_ms) AS "maxMs",
            ${percentile(0.5)} AS "p50Ms", ${percentile(0.95)} AS "p95Ms", ${percentile(0.99)} AS "p99Ms",
            sum(${own}input_tokens) AS "inputTokens", sum(${own}output_tokens) AS "outputTokens",
            sum(${own}cache_read_tokens) AS "cacheReadTokens", sum(${own}cache_write_tokens) AS "cacheWriteTokens",
            sum(${own}reasoning_tokens) AS "reasoningTokens", sum(${cost})::text AS "costUsd"
     ${from} GROUP BY 1`,
    where.parameters,
  );
  const metricRows: Row[] = await manager.query(
    `SELECT ${key} AS key, m.key AS name, count(*)::int AS count, sum(m.value::float8) AS sum,
            avg(m.value::float8) AS avg, percentile_cont(0.95) WITHIN GROUP (ORDER BY m.value::float8) AS p95
     FROM ${executions} e LEFT JOIN ${performance} p ON p.trace_id = e.trace_id AND p.execution_id = e.id
       CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(e.metrics) = 'object' THEN e.metrics ELSE '{}' END) m
     ${where.toSql()} AND e.metrics IS NOT NULL AND ${summableMetricSql('m.value')}
     GROUP BY 1, 2`,
    where.parameters,
  );
  const metrics = new Map<string | null, Record<string, MetricStats>>();
  for (const row of metricRows) {
    const group = groupKey(row.key, groupBy);
    const byName = metrics.get(group) ?? {};
    putMetric(byName, String(row.name), {
      count: Number(row.count),
      sum: Number(row.sum),
      avg: Number(row.avg),
      p95: numberOrNull(row.p95),
    });
    metrics.set(group, byName);
  }
  return rows.map((row) =>
    toStatsGroup(
      row,
      groupBy,
      { p50Ms: numberOrNull(row.p50Ms), p95Ms: numberOrNull(row.p95Ms), p99Ms: numberOrNull(row.p99Ms) },
      metrics.get(groupKey(row.key, groupBy)) ?? {},
    ),
  );
}
