import { AgentspanQueryError } from './agentspan-query-error';

export type TimeGrouping = 'hour' | 'day';

const BUCKET_MS: Readonly<Record<TimeGrouping, number>> = { hour: 3_600_000, day: 86_400_000 };
/** More buckets than any chart shows: a range that long wants a coarser grouping. */
export const MAX_TIME_BUCKETS = 10_000;

export function isTimeGrouping(groupBy: string): groupBy is TimeGrouping {
  return groupBy === 'hour' || groupBy === 'day';
}

/** The SQL of the UTC hour or day a timestamp falls in, whatever the session's time zone. */
export function timeBucketSql(grouping: TimeGrouping, column: string): string {
  return `date_trunc('${grouping}', ${column}, 'UTC')`;
}

/** The start of the UTC bucket holding an instant. */
export function bucketFloor(grouping: TimeGrouping, at: number): number {
  return Math.floor(at / BUCKET_MS[grouping]) * BUCKET_MS[grouping];
}

/**
 * Every bucket start from the one holding `since` to the last one starting before `until`, so buckets without
 * data can be shown as empty. Throws for more than MAX_TIME_BUCKETS.
 */
export function bucketStarts(method: string, grouping: TimeGrouping, since: string, until: string): number[] {
  const step = BUCKET_MS[grouping];
  const first = bucketFloor(grouping, Date.parse(since));
  const end = Date.parse(until);
  const count = Math.ceil((end - first) / step);
  if (count > MAX_TIME_BUCKETS) {
    throw new AgentspanQueryError(
      `${method}: groupBy ${grouping} over this range makes ${count} buckets, more than ${MAX_TIME_BUCKETS}: group by day or narrow the range`,
    );
  }
  return Array.from({ length: Math.max(0, count) }, (_, i) => first + i * step);
}

/**
 * Groups keyed by bucket start (ISO text), completed with an empty group for every bucket from since to until and
 * sorted in time order. Without since, only the buckets with data.
 */
export function withEmptyBuckets<G extends { key: string | null }>(
  method: string,
  grouping: TimeGrouping,
  groups: G[],
  range: { since?: string; until?: string },
  empty: (key: string) => G,
): G[] {
  const byKey = new Map(groups.map((group) => [group.key, group]));
  if (range.since !== undefined) {
    const until = range.until ?? new Date().toISOString();
    for (const start of bucketStarts(method, grouping, range.since, until)) {
      const key = new Date(start).toISOString();
      if (!byKey.has(key)) byKey.set(key, empty(key));
    }
  }
  return [...byKey.values()].sort((a, b) => Date.parse(a.key ?? '') - Date.parse(b.key ?? ''));
}
