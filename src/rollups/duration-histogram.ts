/**
 * A fixed log-scale histogram of durations, so percentiles of many hours can be merged from their rollups (exact
 * percentiles cannot be: a p95 of p95s is no p95). Bucket 0 holds durations under 1 ms; bucket b ≥ 1 holds
 * [γ^(b-1), γ^b) ms with γ = 1.05, up to bucket 600 (about 5·10^12 ms, beyond any run) which also takes anything
 * longer. A bucket is represented by the value with the same relative distance to both of its ends, so any duration
 * is within (γ−1)/(γ+1) ≈ 2.44 % of its bucket's value (0.5 ms in bucket 0). About 330 buckets cover 1 ms to 3 hours;
 * an hour's histogram only stores the buckets it uses.
 */

export const HISTOGRAM_GROWTH = 1.05;
export const HISTOGRAM_MAX_BUCKET = 600;
/** The largest relative error of a duration read back from its bucket (above 1 ms). */
export const HISTOGRAM_RELATIVE_ERROR = (HISTOGRAM_GROWTH - 1) / (HISTOGRAM_GROWTH + 1);

const LN_GROWTH = Math.log(HISTOGRAM_GROWTH);

/** The SQL of a duration's bucket (an integer), for a column or expression in milliseconds. */
export function durationBucketSql(durationMs: string): string {
  return `(CASE WHEN ${durationMs} < 1 THEN 0
    ELSE LEAST(${HISTOGRAM_MAX_BUCKET}, 1 + floor(ln(${durationMs}) / ${LN_GROWTH})::int) END)`;
}

/** The duration a bucket stands for. */
export function bucketValue(bucket: number): number {
  if (bucket <= 0) return 0.5;
  const lower = HISTOGRAM_GROWTH ** (bucket - 1);
  const upper = lower * HISTOGRAM_GROWTH;
  return (2 * lower * upper) / (lower + upper);
}

/**
 * A percentile (0 ≤ fraction ≤ 1) of the durations a histogram counts, the way percentile_cont computes it on raw
 * rows — interpolated between the values at ranks ⌊(n−1)·fraction⌋ and ⌈(n−1)·fraction⌉ — with each of those values
 * read from its bucket. Both are within HISTOGRAM_RELATIVE_ERROR of the true ones, so their interpolation is within
 * it of percentile_cont's; kept within the known min and max. Null for an empty histogram.
 */
export function percentileOfHistogram(
  histogram: Readonly<Record<string, number>>,
  fraction: number,
  bounds: { min: number | null; max: number | null } = { min: null, max: null },
): number | null {
  const buckets = Object.entries(histogram)
    .map(([bucket, count]) => [Number(bucket), Number(count)] as const)
    .filter(([, count]) => count > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return null;
  /** The value of the rank-th smallest duration (0-based), as its bucket gives it. */
  const valueAt = (rank: number): number => {
    let seen = 0;
    for (const [bucket, count] of buckets) {
      seen += count;
      if (seen > rank) return bucketValue(bucket);
    }
    return bucketValue(buckets[buckets.length - 1]![0]);
  };
  const position = (total - 1) * fraction;
  const lower = valueAt(Math.floor(position));
  const upper = valueAt(Math.ceil(position));
  return clamp(lower + (position - Math.floor(position)) * (upper - lower), bounds.min, bounds.max);
}

function clamp(value: number, min: number | null, max: number | null): number {
  if (min !== null && value < min) return min;
  if (max !== null && value > max) return max;
  return value;
}
