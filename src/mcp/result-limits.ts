import type { JsonValue } from '../query/types';

/**
 * What keeps a tool result small enough for a model's context: long strings cut with a visible marker that says how
 * much was left out, arrays and objects bounded, one value held to a budget of characters, a page held to a budget.
 * Pure: no I/O, never throws on data read back from the database.
 */

export interface ValueLimits {
  /** Characters kept of one string (a cut string also carries its marker). */
  readonly maxStringLength: number;
  /** Items kept of one array, keys of one object. */
  readonly maxItems: number;
  /** Levels of arrays and objects kept; deeper ones become a marker saying what was there. */
  readonly maxDepth: number;
  /** About how many characters of JSON the whole value may take; past it, strings are cut short and members left out. */
  readonly maxLength: number;
}

/** Every cut says so with this prefix, so a model (and a test) can tell a cut value from a whole one. */
export const CUT_PREFIX = '…[cut ';
/** What a string past its budget still keeps, so a cut value is still recognisable. */
const MIN_KEPT = 16;

/** `…[cut 12,345 chars]`: the marker of `count` characters left out. */
export function cutMarker(count: number, what = 'chars'): string {
  return `${CUT_PREFIX}${groupDigits(count)} ${what}]`;
}

/** A marker at the end of a string: how a string cut already ends. */
const MARKER_AT_END = /…\[cut [\d,]+ chars\]$/;
/** The longest marker of a string: `…[cut ` + a length's digits and commas + ` chars]`. */
const LONGEST_MARKER = 32;

/**
 * At most `maxLength` characters of `text`, then the marker when anything was cut; a surrogate pair is never split.
 * A string cut already to `maxLength` or less is left as it is: a value cut by its own budget is not cut twice.
 */
export function cutText(text: string, maxLength: number): string {
  if (text.length <= maxLength || isCutAlready(text, maxLength)) return text;
  let end = Math.max(0, Math.floor(maxLength));
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  return `${text.slice(0, end)}${cutMarker(text.length - end)}`;
}

/**
 * `value` as plain JSON within `limits`: Dates as ISO text, strings cut, arrays and objects bounded (the rest replaced
 * by one marker), nesting past maxDepth described, and once about maxLength characters are spent, the remaining
 * strings cut short and the remaining members left out. Numbers that JSON cannot carry (NaN, ±Infinity) become text.
 */
export function limitValue(value: unknown, limits: ValueLimits): JsonValue {
  return limitAt(value, limits, { left: limits.maxLength }, 0);
}

/** How many of `items` fit in `maxLength` characters of JSON together; at least one, so a page is never empty. */
export function countWithin(items: readonly unknown[], maxLength: number): number {
  let used = 0;
  for (let index = 0; index < items.length; index++) {
    used += JSON.stringify(items[index] ?? null).length + 1;
    if (used > maxLength) return Math.max(1, index);
  }
  return items.length;
}

interface Budget {
  left: number;
}

function limitAt(value: unknown, limits: ValueLimits, budget: Budget, depth: number): JsonValue {
  switch (typeof value) {
    case 'string': {
      const kept = cutText(value, Math.min(limits.maxStringLength, Math.max(MIN_KEPT, budget.left)));
      budget.left -= kept.length + 2;
      return kept;
    }
    case 'number':
      budget.left -= 8;
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      budget.left -= 5;
      return value;
    case 'bigint':
      budget.left -= 8;
      return String(value);
    case 'object':
      if (value === null) break;
      if (value instanceof Date) {
        budget.left -= 26;
        return Number.isNaN(value.getTime()) ? null : value.toISOString();
      }
      return Array.isArray(value)
        ? limitArray(value, limits, budget, depth)
        : limitObject(value, limits, budget, depth);
  }
  // null, undefined, functions and symbols: JSON has no such value.
  budget.left -= 4;
  return null;
}

function limitArray(items: readonly unknown[], limits: ValueLimits, budget: Budget, depth: number): JsonValue {
  if (depth >= limits.maxDepth) return cutMarker(items.length, items.length === 1 ? 'item' : 'items');
  const kept: JsonValue[] = [];
  budget.left -= 2;
  for (const item of items) {
    if (kept.length >= limits.maxItems || budget.left <= 0) break;
    kept.push(limitAt(item, limits, budget, depth + 1));
  }
  const left = items.length - kept.length;
  if (left > 0) kept.push(cutMarker(left, left === 1 ? 'more item' : 'more items'));
  return kept;
}

function limitObject(object: object, limits: ValueLimits, budget: Budget, depth: number): JsonValue {
  const keys = Object.keys(object);
  if (depth >= limits.maxDepth) return cutMarker(keys.length, keys.length === 1 ? 'key' : 'keys');
  const kept: Record<string, JsonValue> = {};
  let count = 0;
  budget.left -= 2;
  for (const key of keys) {
    if (count >= limits.maxItems || budget.left <= 0) break;
    const name = cutText(key, limits.maxStringLength);
    budget.left -= name.length + 3;
    // defineProperty: a key such as __proto__ stays a key like any other.
    Object.defineProperty(kept, name, {
      value: limitAt((object as Record<string, unknown>)[key], limits, budget, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
    count++;
  }
  const left = keys.length - count;
  if (left > 0) kept['…'] = cutMarker(left, left === 1 ? 'more key' : 'more keys');
  return kept;
}

function isCutAlready(text: string, maxLength: number): boolean {
  if (text.length > maxLength + LONGEST_MARKER) return false;
  const marker = MARKER_AT_END.exec(text.slice(-LONGEST_MARKER));
  return marker !== null && text.length - (Math.min(text.length, LONGEST_MARKER) - marker.index) <= maxLength;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function groupDigits(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
