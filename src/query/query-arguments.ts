import { checkInstant } from '../internal/iso-instant';
import { MAX_TENANT_ID_LENGTH, tenantIdProblem } from '../internal/tenant-id';
import type { ExecutionStatus } from '../model/records';
import { AgentspanQueryError } from './agentspan-query-error';
import type { JsonValue } from './types';

/**
 * Checks of the arguments of the public query methods. Each returns the value in the form the SQL wants, or throws
 * an AgentspanQueryError whose message starts with the method name and shows what was given. Nothing here touches
 * the database: a bad argument never becomes an SQL error.
 */

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 1000;

export const EXECUTION_STATUSES: readonly ExecutionStatus[] = [
  'running',
  'completed',
  'failed',
  'cancelled',
  'abandoned',
];

const TRACE_ID = /^[0-9a-f]{32}$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function invalid(method: string, message: string): AgentspanQueryError {
  return new AgentspanQueryError(`${method}: ${message}`);
}

/** A short, safe rendering of a rejected value for an error message. */
export function describeValue(value: unknown): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) {
    return `[${value.slice(0, 6).map(describeValue).join(', ')}${value.length > 6 ? ', …' : ''}]`;
  }
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}

/**
 * An options object (`name` says which, for messages): absent means none; a misspelt key is an error rather than a
 * silently ignored filter.
 */
export function optionsObject<T extends object>(
  method: string,
  name: string,
  options: unknown,
  allowed: readonly (keyof T)[],
): T {
  if (options === undefined || options === null) return {} as T;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw invalid(method, `${name} must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!(allowed as readonly string[]).includes(key)) {
      throw invalid(method, `unknown option ${JSON.stringify(key)} (expected ${allowed.join(', ')})`);
    }
  }
  return options as T;
}

export function pageSize(method: string, limit: unknown): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw invalid(method, `limit must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${describeValue(limit)}`);
  }
  return limit;
}

/**
 * Whether text can travel to PostgreSQL as given: text columns refuse NUL (`invalid byte sequence`), and a lone
 * surrogate would arrive as U+FFFD, so it could only match something else.
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed();
}

/** An exact-match text filter (agent, user, tenant): a non-empty string when given. */
export function textFilter(method: string, name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) {
    throw invalid(method, `${name} must be a non-empty string, got ${describeValue(value)}`);
  }
  if (!isStorableText(value)) {
    throw invalid(method, `${name} must not contain NUL characters or lone surrogates, got ${describeValue(value)}`);
  }
  return value;
}

/** A tenant id a view can be made for (forTenant): exactly as stored (see internal/tenant-id). */
export function tenantArgument(method: string, value: unknown): string {
  const problem = typeof value === 'string' ? tenantIdProblem(value) : 'is not a string';
  if (problem === undefined) return value as string;
  throw invalid(
    method,
    `tenantId ${problem} (a tenant id is 1 to ${MAX_TENANT_ID_LENGTH} characters without NUL or lone surrogates), ` +
      `got ${describeValue(value)}`,
  );
}

export function requiredText(method: string, name: string, value: unknown): string {
  const text = textFilter(method, name, value);
  if (text === undefined) throw invalid(method, `${name} must be a non-empty string, got undefined`);
  return text;
}

/** One status or several, as a list without repeats; undefined when not given. */
export function statusFilter(method: string, status: unknown): ExecutionStatus[] | undefined {
  if (status === undefined) return undefined;
  const list = Array.isArray(status) ? status : [status];
  const known = (value: unknown): value is ExecutionStatus => EXECUTION_STATUSES.includes(value as ExecutionStatus);
  if (list.length === 0 || !list.every(known)) {
    throw invalid(
      method,
      `status must be one of ${EXECUTION_STATUSES.join(', ')} (or an array of them), got ${describeValue(status)}`,
    );
  }
  return [...new Set(list)];
}

/**
 * An instant as ISO text for a `::timestamptz` parameter. A Date keeps its milliseconds; a string is passed through
 * as written (so microseconds survive), a date alone being midnight UTC.
 */
export function timeBound(method: string, name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const checked = checkInstant(value);
  if ('instant' in checked) return checked.instant;
  if (checked.problem === 'out-of-range') {
    // PostgreSQL's own range is wider, but a Date past 9999 prints as `+010000-…`, which it cannot read.
    throw invalid(method, `${name} must be a time from year 1 to 9999 (UTC), got ${describeValue(value)}`);
  }
  throw invalid(method, `${name} must be a Date or an ISO 8601 string with a time zone, got ${describeValue(value)}`);
}

/** since must come before until, else the range is empty and the caller surely swapped them. */
export function checkTimeRange(method: string, since: string | undefined, until: string | undefined): void {
  if (since !== undefined && until !== undefined && Date.parse(since) >= Date.parse(until)) {
    throw invalid(method, `since must be before until, got since ${since} and until ${until}`);
  }
}

/** A number from 0 to 1 (confidence, outcome score). */
export function unitInterval(method: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw invalid(method, `${name} must be a number from 0 to 1, got ${describeValue(value)}`);
  }
  return value;
}

export type RunId = { kind: 'trace'; traceId: string } | { kind: 'execution'; executionId: string };

/** getRun's id: a trace id (32 hex) or an execution id (uuid), normalised to lower case as stored. */
export function runId(method: string, id: unknown): RunId {
  if (typeof id === 'string' && TRACE_ID.test(id)) return { kind: 'trace', traceId: id.toLowerCase() };
  if (typeof id === 'string' && UUID.test(id)) return { kind: 'execution', executionId: id.toLowerCase() };
  throw invalid(method, `id must be a 32-hex trace id or an execution uuid, got ${describeValue(id)}`);
}

export function uuid(method: string, name: string, value: unknown): string {
  if (typeof value === 'string' && UUID.test(value)) return value.toLowerCase();
  throw invalid(method, `${name} must be a uuid, got ${describeValue(value)}`);
}

/** Unicode escapes jsonb refuses: NUL, and surrogates (JSON.stringify escapes only lone ones). */
const JSONB_UNSAFE_ESCAPE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/**
 * A JSON value as the text of a `::jsonb` parameter. null (and whatever serialises to it, such as undefined or
 * NaN) is refused: a null outcome would read back exactly like "no outcome yet".
 */
export function jsonParameter(method: string, name: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value as JsonValue);
  } catch {
    throw invalid(method, `${name} must be JSON-serialisable, got ${describeValue(value)}`);
  }
  if (text === undefined || text === 'null') {
    throw invalid(method, `${name} must be a JSON value other than null, got ${describeValue(value)}`);
  }
  if (JSONB_UNSAFE_ESCAPE.test(text)) {
    throw invalid(method, `${name} must not contain NUL characters or lone surrogates`);
  }
  return text;
}
