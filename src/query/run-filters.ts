import { metadataFilter } from './metadata-arguments';
import { textFilter } from './query-arguments';
import type { RunContextFilters } from './run-filter-types';
import type { SqlConditions } from './sql-conditions';

/** The option names of RunContextFilters, for the methods' lists of known options. */
export const RUN_FILTER_OPTIONS: readonly (keyof RunContextFilters)[] = [
  'metadata',
  'sessionId',
  'conversationId',
  'errorContains',
];

/** RunContextFilters checked, in the form the SQL wants. */
export interface CheckedRunFilters {
  /** JSON text of the object the metadata must contain. */
  metadata?: string;
  sessionId?: string;
  conversationId?: string;
  /** An ILIKE pattern: the text with its LIKE wildcards escaped, between two `%`. */
  errorPattern?: string;
}

/** Checks the run filters (AgentspanQueryError naming the argument). */
export function runFilters(method: string, given: RunContextFilters): CheckedRunFilters {
  const errorContains = textFilter(method, 'errorContains', given.errorContains);
  return {
    metadata: metadataFilter(method, given.metadata),
    sessionId: textFilter(method, 'sessionId', given.sessionId),
    conversationId: textFilter(method, 'conversationId', given.conversationId),
    errorPattern: errorContains === undefined ? undefined : `%${escapeLike(errorContains)}%`,
  };
}

/** Text that LIKE matches literally: its escape character and wildcards escaped with `\`. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/**
 * Adds the run filters to a WHERE clause over agent_executions aliased `e`. Metadata containment (`@>`) on agent rows
 * is served by the GIN index idx_agent_executions_metadata, a session by idx_agent_executions_session_started.
 */
export function addRunFilters(where: SqlConditions, filters: CheckedRunFilters): void {
  if (filters.metadata !== undefined) where.add(`e.metadata @> ${where.param(filters.metadata)}::jsonb`);
  if (filters.sessionId !== undefined) where.add(`e.session_id = ${where.param(filters.sessionId)}`);
  if (filters.conversationId !== undefined) where.add(`e.conversation_id = ${where.param(filters.conversationId)}`);
  if (filters.errorPattern !== undefined) {
    const pattern = where.param(filters.errorPattern);
    where.add(`e.error_message ILIKE ${pattern} ESCAPE '\\' OR e.error_type ILIKE ${pattern} ESCAPE '\\'`);
  }
}

/** Whether any run filter is set (the hourly rollups can answer none of them). */
export function hasRunFilters(filters: CheckedRunFilters): boolean {
  const { metadata, sessionId, conversationId, errorPattern } = filters;
  return [metadata, sessionId, conversationId, errorPattern].some((value) => value !== undefined);
}
