import type { JsonObject, JsonValue } from './types';

/**
 * Converters from what the pg driver returns to what the query API promises. The driver gives bigint and numeric as
 * strings (they can exceed a double) and may have had its type parsers changed by the application, so every
 * converter accepts both the parsed and the textual form.
 */

export function numberOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') return Number(value);
  throw new TypeError(`agentspan: expected a number from the database, got ${typeof value}`);
}

export function stringOrNull(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return String(value);
}

export function dateOf(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'string' || typeof value === 'number') return new Date(value);
  throw new TypeError(`agentspan: expected a timestamp from the database, got ${typeof value}`);
}

export function dateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : dateOf(value);
}

/**
 * A jsonb column. The driver parses jsonb by default; JSON columns are selected as `::text` where a changed type
 * parser could otherwise hand back an ambiguous string, so text is parsed here.
 */
export function jsonOf(text: unknown): JsonValue {
  if (text === null || text === undefined) return null;
  return JSON.parse(String(text)) as JsonValue;
}

/** A jsonb column that should hold an object (metadata, attributes); anything else is not one, so null. */
export function jsonObjectOrNull(text: unknown): JsonObject | null {
  const value = jsonOf(text);
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null;
}
