import type { HrTime } from '@opentelemetry/api';

// Years 1 to 9999: what an ISO-8601 timestamp without sign and PostgreSQL's timestamptz both hold.
const FIRST_SECOND = -62_135_596_800;
const LAST_SECOND = 253_402_300_799;

/**
 * An HrTime as whole seconds and nanoseconds from 0 to 999,999,999 (the SDK gives negative nanoseconds before 1970,
 * other sources may give fractional seconds); undefined when it is not a time from year 1 to 9999.
 */
export function normalizeTime(time: HrTime | undefined): HrTime | undefined {
  if (!Array.isArray(time)) return undefined;
  const [seconds, nanos] = time;
  // What the SDK gives after 1970: used as it is.
  if (Number.isInteger(seconds) && nanos >= 0 && nanos < 1e9) {
    return seconds >= FIRST_SECOND && seconds <= LAST_SECOND ? time : undefined;
  }
  if (!Number.isFinite(seconds) || !Number.isFinite(nanos)) return undefined;
  let whole = Math.floor(seconds);
  let rest = nanos + (seconds - whole) * 1e9;
  const carry = Math.floor(rest / 1e9);
  whole += carry;
  rest -= carry * 1e9;
  return whole >= FIRST_SECOND && whole <= LAST_SECOND ? [whole, rest] : undefined;
}

/** An HrTime as an ISO-8601 UTC string with microseconds (a Date would round to the millisecond). */
export function toTimestamp(time: HrTime): string {
  const normalized = normalizeTime(time);
  if (normalized === undefined) throw new RangeError('not a time from year 1 to 9999');
  return formatTime(normalized);
}

export function formatTime([seconds, nanos]: HrTime): string {
  const micros = Math.floor(nanos / 1_000);
  // Spans of a batch mostly share their second: its date-and-time part is formatted once and reused.
  if (seconds !== lastSecond) {
    lastPrefix = `${new Date(seconds * 1_000).toISOString().slice(0, 19)}.`;
    lastSecond = seconds;
  }
  // 1_000_000 + micros has seven digits (0 <= micros < 10^6): dropping the first zero-pads to six.
  return `${lastPrefix}${String(1_000_000 + micros).slice(1)}Z`;
}

let lastSecond = Number.NaN;
let lastPrefix = '';
