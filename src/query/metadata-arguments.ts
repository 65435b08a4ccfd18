import { AgentspanQueryError } from './agentspan-query-error';
import { describeValue, isStorableText } from './query-arguments';
import type { MetadataGroupBy, MetadataScalar } from './run-filter-types';

/**
 * The metadata arguments: a filter (an object of scalars, sent as one jsonb parameter for `@>`) and the key of a
 * `metadata.<key>` grouping (sent as a text parameter of `->>`, never spliced into SQL).
 */

/**
 * What a metadata key may be: a plain name, as an application writes keys. Strict so a key never needs quoting or
 * escaping anywhere (SQL, a shell, a CLI table), and a typo such as `repo ` is refused rather than matching nothing.
 */
export const METADATA_KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
export const METADATA_KEY_RULE = 'a letter or _, then up to 63 letters, digits, _, . or -';
export const MAX_METADATA_PAIRS = 16;
/** Capture keeps at most this much of a string, so a longer value could never match a stored one. */
export const MAX_METADATA_VALUE_LENGTH = 8192;
export const METADATA_GROUP_PREFIX = 'metadata.';

function invalid(method: string, message: string): AgentspanQueryError {
  return new AgentspanQueryError(`${method}: ${message}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Why a value cannot be matched, or undefined when it can. */
function scalarProblem(value: unknown): string | undefined {
  if (typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'is not a finite number';
  if (typeof value !== 'string') return 'is not a string, finite number or boolean';
  if (!isStorableText(value)) return 'contains a NUL character or a lone surrogate';
  if (value.length > MAX_METADATA_VALUE_LENGTH) return `is longer than ${MAX_METADATA_VALUE_LENGTH} characters`;
  return undefined;
}

/**
 * A metadata filter as the JSON text of a `::jsonb` parameter; undefined when absent or empty. Built pair by pair
 * (JSON.stringify of each key and value), so a key such as `__proto__` is a key like any other.
 */
export function metadataFilter(method: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) {
    throw invalid(method, `metadata must be an object of key/value pairs, got ${describeValue(value)}`);
  }
  const keys = Object.keys(value);
  if (keys.length > MAX_METADATA_PAIRS) {
    throw invalid(method, `metadata must have at most ${MAX_METADATA_PAIRS} keys, got ${keys.length}`);
  }
  if (keys.length === 0) return undefined;
  const pairs: string[] = [];
  for (const key of keys) {
    if (!METADATA_KEY.test(key)) {
      throw invalid(method, `metadata key must be ${METADATA_KEY_RULE}, got ${describeValue(key)}`);
    }
    const problem = scalarProblem(value[key]);
    if (problem !== undefined) {
      throw invalid(method, `metadata.${key} ${problem}, got ${describeValue(value[key])}`);
    }
    pairs.push(`${JSON.stringify(key)}:${JSON.stringify(value[key])}`);
  }
  return `{${pairs.join(',')}}`;
}

export function isMetadataGroupBy(groupBy: string): groupBy is MetadataGroupBy {
  return groupBy.startsWith(METADATA_GROUP_PREFIX);
}

/**
 * A groupBy: one of `fixed`, or `metadata.<key>` with a key that follows the key rule. The error lists both.
 */
export function groupByArgument<T extends string>(
  method: string,
  value: unknown,
  fixed: readonly T[],
): T | MetadataGroupBy {
  if (typeof value === 'string' && (fixed as readonly string[]).includes(value)) return value as T;
  if (typeof value === 'string' && isMetadataGroupBy(value)) {
    const key = value.slice(METADATA_GROUP_PREFIX.length);
    if (METADATA_KEY.test(key)) return value;
    throw invalid(method, `groupBy metadata.<key> needs a key that is ${METADATA_KEY_RULE}, got ${describeValue(key)}`);
  }
  throw invalid(method, `groupBy must be one of ${fixed.join(', ')} or metadata.<key>, got ${describeValue(value)}`);
}

/** The SQL of the value of metadata.<key> over `e`, the key a parameter (text: `->>` also takes an index). */
export function metadataKeySql(groupBy: MetadataGroupBy, param: (value: unknown) => string): string {
  return `e.metadata ->> ${param(groupBy.slice(METADATA_GROUP_PREFIX.length))}::text`;
}

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * A metadata filter value given as text (`--meta`, the dashboard's `meta.<key>`) as it is stored by a typical application: a JSON number, true or false as such (withAgentContext's
 * `{ issueNumber: 123 }`), a JSON string in double quotes as that text, anything else as text.
 */
export function metadataValue(text: string): MetadataScalar {
  if (JSON_NUMBER.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    try {
      return JSON.parse(text) as string;
    } catch {
      return text;
    }
  }
  return text;
}
