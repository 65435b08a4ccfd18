/**
 * The rules for business metric names (recordMetrics), shared by the recording function and the mapping so a span
 * from anywhere is held to the same ones. Names are short identifiers: they become keys of a jsonb column, the
 * `name` of stats results and CLI column headings.
 */

/** At most this many metrics per span: a span is one execution, not a time series. */
export const MAX_METRICS_PER_SPAN = 64;

export const MAX_METRIC_NAME_LENGTH = 128;

// A letter or underscore, then letters, digits, `_`, `.`, `-`: `competitors_analysed`, `market.size_usd`.
const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function isMetricName(name: string): boolean {
  return name.length <= MAX_METRIC_NAME_LENGTH && METRIC_NAME.test(name);
}

/**
 * The largest magnitude a metric may have: beyond any business figure (a quadrillion), and small enough that sums of
 * billions of them stay finite in float8 — one absurd value must not make every stats query and rollup overflow.
 */
export const MAX_METRIC_VALUE = 1e15;

/** A value a metric can hold: a finite number (jsonb has no NaN or Infinity) from −10^15 to 10^15. */
export function isMetricValue(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= MAX_METRIC_VALUE;
}

/**
 * SQL that is true for a jsonb metric value analytics may sum: a number within ±MAX_METRIC_VALUE. Values reach the
 * column only through the mapping, which keeps to that; a row written by hand may not, and must not make the casts
 * of every stats query and rollup fail.
 */
export function summableMetricSql(value: string): string {
  return `(jsonb_typeof(${value}) = 'number' AND abs((${value})::numeric) <= ${MAX_METRIC_VALUE})`;
}
