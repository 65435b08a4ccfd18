import { MAX_AGE_MS } from './iso-instant';

const AGE_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * "90d", "12h", "30m", "45s", "500ms" as milliseconds; undefined for anything else (a time, to be checked as one).
 * Throws a RangeError for an age over 1,000 years: it would be a time before year 1.
 */
export function ageMs(value: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(value.trim());
  if (match === null) return undefined;
  const age = Number(match[1]) * AGE_UNITS[match[2]!]!;
  if (!(age <= MAX_AGE_MS)) throw new RangeError('An age must be at most 1,000 years (365250d).');
  return age;
}

/** An age ("24h") as the ISO time that long before now; anything else as given (a time, to be checked as one). */
export function timeOrAgeAgo(value: string): string {
  const age = ageMs(value);
  return age === undefined ? value : new Date(Date.now() - age).toISOString();
}
