/**
 * An ISO 8601 date, or a date and time with a zone (`Z` or ±hh:mm), up to microseconds: a time without a zone would
 * mean a different instant on every machine.
 */
const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(?:Z|[+-](\d{2}):(\d{2})))?$/;

/** 0001-01-01T00:00:00Z: PostgreSQL reads year 0 as an error, and earlier instants print as "BC". */
export const EARLIEST_INSTANT_MS = -62_135_596_800_000;
/** 10000-01-01T00:00:00Z, excluded: a later Date's ISO text (`+010000-…`) is refused by PostgreSQL. */
export const INSTANT_LIMIT_MS = 253_402_300_800_000;
/** The longest age (a duration counted back from now) an argument may give: 1,000 years, far inside the range. */
export const MAX_AGE_MS = 1_000 * 365.25 * 86_400_000;

/** Whether a time (ms since the epoch) lies in years 1 to 9999 UTC, where every query and column can hold it. */
export function isStorableTime(ms: number): boolean {
  return Number.isFinite(ms) && ms >= EARLIEST_INSTANT_MS && ms < INSTANT_LIMIT_MS;
}

/** ISO_INSTANT with every field in range: Date.parse would roll 2026-02-30 over to March, PostgreSQL refuses it. */
function isIsoInstant(text: string): boolean {
  const match = ISO_INSTANT.exec(text);
  if (match === null) return false;
  const [year, month, day, hour, minute, second, offsetHour, offsetMinute] = match
    .slice(1)
    .map((field) => Number(field ?? 0));
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0–99 as 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year!, month! - 1, day!);
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month! - 1 &&
    date.getUTCDate() === day &&
    hour! <= 23 &&
    minute! <= 59 &&
    second! <= 59 &&
    offsetHour! <= 15 &&
    offsetMinute! <= 59
  );
}

/** Why a value is not an instant every query can use: not a time at all, or outside years 1–9999 (UTC). */
export type InstantProblem = 'not-a-time' | 'out-of-range';

/**
 * A Date or ISO 8601 text as the ISO text of a `::timestamptz` parameter (text is kept as written, so microseconds
 * survive; a bare date is midnight UTC), or why it cannot be one. The range is checked on the instant in UTC:
 * `0001-01-01T00:00:00+01:00` is in year 0.
 */
export function checkInstant(value: unknown): { instant: string } | { problem: InstantProblem } {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) return { problem: 'not-a-time' };
    return isStorableTime(ms) ? { instant: value.toISOString() } : { problem: 'out-of-range' };
  }
  if (typeof value !== 'string' || !isIsoInstant(value)) return { problem: 'not-a-time' };
  const instant = value.includes('T') ? value : `${value}T00:00:00Z`;
  return isStorableTime(Date.parse(instant)) ? { instant } : { problem: 'out-of-range' };
}
