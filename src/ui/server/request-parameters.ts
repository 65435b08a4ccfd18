import { timeOrAgeAgo } from '../../internal/age';
import { metadataValue } from '../../query/metadata-arguments';
import type { MetadataScalar } from '../../query/run-filter-types';
import { METADATA_PARAMETER_PREFIX, RUN_FILTER_PARAMETERS } from '../run-filter-parameters';
import { HttpError } from './http-responses';

/** Parameters that are numbers. */
const NUMBERS = new Set(['limit', 'minConfidence', 'runsPerSession', 'rollupAfterHours']);
/** Parameters that may repeat (an array when they do). */
const REPEATABLE = new Set(['status']);

/**
 * A request's query string as a repository options object, allowing only `allowed` (and the run filters when
 * `withRunFilters`): `meta.<key>=<value>` becomes `metadata`, `since`/`until` may be ages (24h, 7d) counted back from
 * now, numbers are numbers. Anything else is an HttpError 400 naming the parameter, before any query runs; the
 * repository checks the values themselves (its AgentspanQueryError becomes a 400 too).
 */
export function optionsFrom(
  params: URLSearchParams,
  allowed: readonly string[],
  withRunFilters = true,
): Record<string, unknown> {
  const names = new Set<string>([...allowed, ...(withRunFilters ? RUN_FILTER_PARAMETERS : [])]);
  const options: Record<string, unknown> = {};
  const metadata: Record<string, MetadataScalar> = {};
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name);
    if (
      withRunFilters &&
      name.startsWith(METADATA_PARAMETER_PREFIX) &&
      name.length > METADATA_PARAMETER_PREFIX.length
    ) {
      if (values.length > 1) throw badParameter(name, 'is given more than once');
      metadata[name.slice(METADATA_PARAMETER_PREFIX.length)] = metadataValue(values[0]!);
      continue;
    }
    if (!names.has(name)) throw badParameter(name, `is not a parameter here (known: ${[...names].join(', ')})`);
    if (values.length > 1 && !REPEATABLE.has(name)) throw badParameter(name, 'is given more than once');
    options[name] = valueOf(name, values);
  }
  if (Object.keys(metadata).length > 0) options.metadata = metadata;
  return options;
}

function valueOf(name: string, values: string[]): unknown {
  if (REPEATABLE.has(name)) return values.length === 1 ? values[0] : values;
  const value = values[0]!;
  if (NUMBERS.has(name)) {
    const number = value.trim() === '' ? Number.NaN : Number(value);
    if (!Number.isFinite(number)) throw badParameter(name, `must be a number, got ${JSON.stringify(value)}`);
    return number;
  }
  if (name === 'since' || name === 'until') return timeOf(name, value);
  return value;
}

/** An age ("24h") as the ISO time that long ago; anything else as given, for the repository to check. */
function timeOf(name: string, value: string): string {
  try {
    return timeOrAgeAgo(value);
  } catch (error) {
    throw badParameter(name, (error as Error).message);
  }
}

function badParameter(name: string, problem: string): HttpError {
  return new HttpError(400, 'invalid-argument', `parameter ${name} ${problem}`);
}
