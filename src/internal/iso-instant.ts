/**
 * An ISO 8601 date, or a date and time with a zone (`Z` or ±hh:mm), up to microseconds: a time without a zone would
 * mean a different instant on every machine.
 */
const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(?:Z|[+-](\d{2}):(\d{2})))?$/;

/** ISO_INSTANT with every field in range: Date.parse would roll 2026-02-30 over to March, PostgreSQL refuses it. */
function isIsoInstant(text: string): boolean {
  const match = ISO_INSTANT.exec(text);
  if (match === null) return false;
  const [year, month, day, hour, minute, second, offsetHour, offsetMinute] = match
    .slice(1)
    .map((field) => Number(field ?? 0));
  const date = new Date(Date.UTC(year!, month! - 1, day!));
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


/** The text as an instant PostgreSQL reads the same everywhere (a bare date is midnight UTC), or null if it is none. */
export function isoInstantOrNull(text: string): string | null {
  if (!isIsoInstant(text)) return null;
  return text.includes('T') ? text : `${text}T00:00:00Z`;
}
