import { InvalidArgumentError } from 'commander';
import { ageMs, timeOrAgeAgo } from '../../internal/age';

/** Parsers of time option values that commander calls: a bad value is an InvalidArgumentError naming the option. */

/**
 * "90d", "12h", "30m", "45s", "500ms" as milliseconds; anything else is passed on as a time for the command to check.
 * An age over 1,000 years is refused here (commander names the option): it would be a time before year 1.
 */
export function toAge(value: string): number | string {
  try {
    return ageMs(value) ?? value;
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** --since as an ISO time, or an age ("24h", "7d") counted back from now. */
export function toSince(value: string): string {
  try {
    return timeOrAgeAgo(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}
