import { z } from 'zod';
import { timeOrAgeAgo } from '../internal/age';
import { EXECUTION_STATUSES } from '../query/query-arguments';
import { ToolArgumentError } from './tool-errors';

/**
 * The input schemas the tools share (zod, turned into JSON Schema by the SDK) and their arguments turned into the
 * repository's options. The schemas check shapes and ranges; the repository checks the rest (metadata keys, time
 * text, since before until) and says what is wrong in its own words.
 */

const STATUS = z.enum(EXECUTION_STATUSES);
const STATUS_LIST = EXECUTION_STATUSES.join(', ');
const TIME_FORMS = 'an ISO 8601 time with a zone (2026-11-01T09:00:00Z), a date (2026-11-01), or an age back from now';

const METADATA_RULE = 'metadata must be an object of key/value pairs whose values are strings, numbers or booleans';

const text = (description: string) => z.string().min(1).describe(description);

/** The filters of every tool that reads decisions or runs. Without tenantId when the server is pinned to a tenant. */
export function contextFilterShape(pinned: boolean) {
  return {
    agent: text('only this agent, by its exact name').optional(),
    ...(pinned ? {} : { tenantId: text('only this tenant, by its exact id').optional() }),
    sessionId: text('only runs of this session (withAgentContext sessionId)').optional(),
    conversationId: text('only runs of this conversation').optional(),
    metadata: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: METADATA_RULE }), {
        error: METADATA_RULE,
      })
      .describe('only runs whose metadata has all these top-level pairs, e.g. {"repo":"acme/api","pr":318}')
      .optional(),
    since: text(`only from this time on: ${TIME_FORMS} (30m, 24h, 7d)`).optional(),
    until: text(`only before this time: ${TIME_FORMS}`).optional(),
    errorContains: text('only runs whose error message or type contains this text, in any case').optional(),
  };
}

/** contextFilterShape and the filters on the run itself: status and user. */
export function runFilterShape(pinned: boolean) {
  const { agent, ...context } = contextFilterShape(pinned);
  return {
    agent,
    status: z
      .union([STATUS, z.array(STATUS).min(1)], { error: `status must be one of ${STATUS_LIST}, or an array of them` })
      .describe(`only runs with this status (or any of several): ${STATUS_LIST}`)
      .optional(),
    userId: text('only runs of this user').optional(),
    ...context,
  };
}

/** `limit` (1 to max, default given) and `cursor`. */
export function pageShape(max: number, fallback: number, what: string) {
  return {
    limit: z.number().int().min(1).max(max).describe(`how many ${what} (1–${max}, default ${fallback})`).optional(),
    cursor: text('nextCursor of the previous answer, for the next page (same other arguments)').optional(),
  };
}

/** The filter keys of the shapes above, in the order the repository's options are built. */
const FILTER_KEYS = [
  'agent',
  'tenantId',
  'status',
  'userId',
  'sessionId',
  'conversationId',
  'metadata',
  'since',
  'until',
  'errorContains',
] as const;

type FilterKey = (typeof FILTER_KEYS)[number];

/**
 * The filters among `args`, as the repository takes them: absent ones left out, `since` and `until` given as an age
 * (`24h`) turned into the time that long ago.
 */
export function filtersOf(args: Partial<Record<FilterKey, unknown>>): Record<string, unknown> {
  const filters: Record<string, unknown> = {};
  for (const key of FILTER_KEYS) {
    const value = args[key];
    if (value === undefined) continue;
    filters[key] = key === 'since' || key === 'until' ? timeOf(key, value as string) : value;
  }
  return filters;
}

function timeOf(name: string, value: string): string {
  try {
    return timeOrAgeAgo(value);
  } catch (error) {
    throw new ToolArgumentError(`${name}: ${(error as Error).message}`);
  }
}
