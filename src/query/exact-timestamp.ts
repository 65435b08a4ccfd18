import { isStorableTime } from '../internal/iso-instant';

/**
 * Timestamps to the microsecond PostgreSQL stores, as UTC text (`2026-05-01T09:20:03.123456Z`). A JS Date keeps only
 * milliseconds, and spans of one run often start within the same one, so ordering and paging use this text form:
 * it sorts as text in time order (for four-digit years) and casts back to the same timestamptz exactly.
 */

const EXACT_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/**
 * Whether text is an exact timestamp PostgreSQL will accept. The round trip through Date catches what the pattern
 * cannot: 2026-02-30 or 24:00 (Date rolls them over, PostgreSQL refuses them).
 */
export function isExactTimestamp(text: unknown): text is string {
  if (typeof text !== 'string' || !EXACT_TIMESTAMP.test(text)) return false;
  const date = new Date(text);
  // Year 0000 fits the pattern, but PostgreSQL refuses it (there is no year 0).
  return isStorableTime(date.getTime()) && date.toISOString().slice(0, 23) === text.slice(0, 23);
}

/** SQL for a timestamptz column as exact UTC text, independent of the session's TimeZone and DateStyle. */
export function exactTimestampSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}
