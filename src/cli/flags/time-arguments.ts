import { InvalidArgumentError } from 'commander';
import { MAX_AGE_MS } from '../../internal/iso-instant';

/** Parsers of time option values that commander calls: a bad value is an InvalidArgumentError naming the option. */

const AGE_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * "90d", "12h", "30m", "45s", "500ms" as milliseconds; anything else is passed on as a time for the command to check.
 * An age over 1,000 years is refused here (commander names the option): it would be a time before year 1.
 */
export function toAge(value: string): number | string {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(value.trim());
  if (match === null) return value;
  const age = Number(match[1]) * AGE_UNITS[match[2]!]!;
  if (!(age <= MAX_AGE_MS)) throw new InvalidArgumentError('An age must be at most 1,000 years (365250d).');
  return age;
}

/** --since as an ISO time, or an age ("24h", "7d") counted back from now. */
export function toSince(value: string): string {
  const age = toAge(value);
  return typeof age === 'number' ? new Date(Date.now() - age).toISOString() : age;
}
