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

/** A value a metric can hold: a finite number (jsonb has no NaN or Infinity). */
export function isMetricValue(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
