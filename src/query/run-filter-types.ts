/**
 * Filters on what a run was about — the context withAgentContext gave it — taken by every method that reads runs
 * (history, latest, sessions, decisions, stats, topErrors, costBreakdown, decisionStats), combined with the other
 * filters by AND.
 */

/** A metadata value a filter matches: a string, a finite number or a boolean. */
export type MetadataScalar = string | number | boolean;

/**
 * Top-level metadata keys and the value each must have. A key is a letter or `_`, then up to 63 letters, digits, `_`,
 * `.` or `-` (a dot is part of the name: `a.b` is the top-level key "a.b", not b inside a); at most 16 pairs.
 */
export type MetadataFilter = Readonly<Record<string, MetadataScalar>>;

export interface RunContextFilters {
  /**
   * Runs whose metadata holds every one of these pairs (containment: `metadata @> {…}`; other keys may be there too),
   * e.g. `{ repo: 'acme/api' }`. A value matches by its JSON type: `123` does not match `"123"`. `{}` filters nothing.
   */
  metadata?: MetadataFilter;
  /** withAgentContext's sessionId, exactly. */
  sessionId?: string;
  /** withAgentContext's conversationId (`gen_ai.conversation.id`), exactly. */
  conversationId?: string;
  /**
   * Runs whose error message or error type contains this text, ignoring case. Plain text: `%`, `_` and `\` match
   * themselves. No index serves it: narrow it with since, agent or status on large tables.
   */
  errorContains?: string;
}

/** A group of stats or costBreakdown keyed by one top-level metadata key: `metadata.repo`, `metadata.customer`. */
export type MetadataGroupBy = `metadata.${string}`;
