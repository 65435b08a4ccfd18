import type { MetricStats, StatsGroup, TokenTotals } from './analytics-types';
import { numberOrNull, stringOrNull } from './sql-values';
import { isTimeGrouping } from './time-buckets';

type Row = Record<string, unknown>;

/** The SELECT-list aliases both stats queries give their status counts, durations, tokens and cost. */
export const STATUS_NAMES = ['succeeded', 'failed', 'cancelled', 'abandoned', 'running'] as const;

/** A group's key as the result shows it: bucket starts as ISO text, anything else as stored. */
export function groupKey(value: unknown, groupBy: string): string | null {
  if (value === null || value === undefined) return null;
  if (isTimeGrouping(groupBy)) return new Date(value as string | Date).toISOString();
  return stringOrNull(value);
}

/** A row of either stats query (see the aliases there) with the group's metrics, as a StatsGroup. */
export function toStatsGroup(
  row: Row,
  groupBy: string,
  percentiles: { p50Ms: number | null; p95Ms: number | null; p99Ms: number | null },
  metrics: Record<string, MetricStats>,
): StatsGroup {
  const key = groupKey(row.key, groupBy);
  const count = Number(row.count);
  const statuses = Object.fromEntries(STATUS_NAMES.map((name) => [name, Number(row[name])])) as Record<
    (typeof STATUS_NAMES)[number],
    number
  >;
  const finished = count - statuses.running;
  return {
    key,
    bucketStart: isTimeGrouping(groupBy) && key !== null ? new Date(key) : null,
    count,
    ...statuses,
    successRate: finished > 0 ? statuses.succeeded / finished : null,
    duration: {
      avgMs: numberOrNull(row.avgMs),
      minMs: numberOrNull(row.minMs),
      maxMs: numberOrNull(row.maxMs),
      ...percentiles,
    },
    tokens: tokenTotals(row),
    costUsd: numberOrNull(row.costUsd),
    metrics: byName(metrics),
  };
}

/** The metrics in name order, however the query happened to return them. */
function byName(metrics: Record<string, MetricStats>): Record<string, MetricStats> {
  const sorted: Record<string, MetricStats> = {};
  for (const name of Object.keys(metrics).sort()) putMetric(sorted, name, metrics[name]!);
  return sorted;
}

/** The token aliases "inputTokens" … "reasoningTokens" of a row (sums: strings from bigint/numeric). */
export function tokenTotals(row: Row): TokenTotals {
  return {
    input: numberOrNull(row.inputTokens),
    output: numberOrNull(row.outputTokens),
    cacheRead: numberOrNull(row.cacheReadTokens),
    cacheWrite: numberOrNull(row.cacheWriteTokens),
    reasoning: numberOrNull(row.reasoningTokens),
  };
}

/** A bucket without runs. */
export function emptyStatsGroup(key: string): StatsGroup {
  const none = { input: null, output: null, cacheRead: null, cacheWrite: null, reasoning: null };
  return {
    key,
    bucketStart: new Date(key),
    count: 0,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    abandoned: 0,
    running: 0,
    successRate: null,
    duration: { avgMs: null, minMs: null, maxMs: null, p50Ms: null, p95Ms: null, p99Ms: null },
    tokens: none,
    costUsd: null,
    metrics: {},
  };
}

/** Groups in result order: time buckets chronologically (done by withEmptyBuckets), others most runs first. */
export function byCountThenKey(a: StatsGroup, b: StatsGroup): number {
  return b.count - a.count || compareKeys(a.key, b.key);
}

export function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

/** Sets a metric by name; defineProperty, so a metric named __proto__ is an entry like any other. */
export function putMetric(metrics: Record<string, MetricStats>, name: string, stats: MetricStats): void {
  Object.defineProperty(metrics, name, { value: stats, enumerable: true, writable: true, configurable: true });
}
