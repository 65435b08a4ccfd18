import type { Timestamp } from '../model/records';

/**
 * Timestamps in PostgreSQL's binary form: microseconds since 2000-01-01 00:00:00 UTC, as a 64-bit integer.
 *
 * Records carry times as ISO-8601 UTC text with microseconds (`2026-11-22T04:30:42.123456Z`, see records.ts) or as
 * Dates. The text is read here digit by digit: it is written by the mapping in one fixed form, and a general date
 * parser costs more than the rest of a row's encoding. Text in any other form gives undefined, and the caller leaves
 * the value to PostgreSQL's own parser.
 */

/**
 * Microseconds since 2000 (a bigint beyond ±285 years of it, where a double loses microseconds). Undefined for an
 * invalid Date, a Date outside years 1–9999 and text in another form (see above).
 */
export function postgresMicros(value: Timestamp): number | bigint | undefined {
  if (typeof value !== 'string') {
    const millis = value.getTime();
    // Like the text, years 1–9999 only: JSON sends a Date outside them in a form PostgreSQL refuses.
    if (Number.isNaN(millis) || millis < FIRST_MILLIS || millis > LAST_MILLIS) return undefined;
    const sinceEpoch = millis - POSTGRES_EPOCH_MILLIS;
    return Math.abs(sinceEpoch) < SAFE_SECONDS * 1_000 ? sinceEpoch * 1_000 : BigInt(sinceEpoch) * 1_000n;
  }
  return microsOfIsoText(value);
}

/** `YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z`, UTC, years 1–9999, no leap second; undefined for anything else. */
function microsOfIsoText(text: string): number | bigint | undefined {
  const length = text.length;
  if (length < 20 || length === 21 || length > 27 || text.charCodeAt(length - 1) !== Z) return undefined;
  // The spans of a batch mostly share their second: its part of the text is read once.
  let seconds = lastSeconds;
  if (lastSecondText === '' || !text.startsWith(lastSecondText)) {
    seconds = secondsOf(text);
    if (Number.isNaN(seconds)) return undefined;
    lastSecondText = text.slice(0, 19);
    lastSeconds = seconds;
  }
  let fraction = 0;
  if (length > 20) {
    if (text.charCodeAt(19) !== DOT) return undefined;
    const fractionDigits = length - 21;
    fraction = digits(text, 20, fractionDigits);
    if (fraction < 0) return undefined;
    fraction *= 10 ** (6 - fractionDigits);
  }
  if (Math.abs(seconds) < SAFE_SECONDS) return seconds * 1_000_000 + fraction;
  return BigInt(seconds) * 1_000_000n + BigInt(fraction);
}

let lastSecondText = '';
let lastSeconds = 0;

/** Seconds since 2000 of the `YYYY-MM-DDTHH:MM:SS` the text starts with; NaN if it does not start with one. */
function secondsOf(text: string): number {
  if (text.charCodeAt(4) !== DASH || text.charCodeAt(7) !== DASH || text.charCodeAt(10) !== T) return NaN;
  if (text.charCodeAt(13) !== COLON || text.charCodeAt(16) !== COLON) return NaN;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return NaN;
  return ((daysSince2000(year, month, day) * 24 + hour) * 60 + minute) * 60 + second;
}

/** The decimal number of `count` digits at `start`, or -1 if any is not a digit. */
function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return DAYS_IN_MONTH[month - 1]!;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

/** Days from 2000-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's days_from_civil). */
function daysSince2000(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - DAYS_1970_TO_2000 - 719_468;
}

const POSTGRES_EPOCH_MILLIS = Date.UTC(2000, 0, 1);
/** 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z (Date.UTC would read year 1 as 1901). */
const FIRST_MILLIS = -62_135_596_800_000;
const LAST_MILLIS = 253_402_300_799_999;
const DAYS_1970_TO_2000 = 10_957;
/** Below this many seconds from 2000, seconds × 10^6 + microseconds is an exact double. */
const SAFE_SECONDS = Math.floor(Number.MAX_SAFE_INTEGER / 1_000_000) - 1;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const ZERO = 0x30;
const DASH = 0x2d;
const COLON = 0x3a;
const DOT = 0x2e;
const T = 0x54;
const Z = 0x5a;
