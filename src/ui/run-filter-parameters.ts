/**
 * The run filters of the dashboard's API, by their query-string names (plus `meta.<key>`): the server parses them
 * (server/request-parameters.ts) and the page keeps them in its address (web/filters.ts), from this one list.
 * Plain data, no imports: the page's bundle takes it as it is.
 */
export const RUN_FILTER_PARAMETERS = [
  'agent',
  'status',
  'userId',
  'tenantId',
  'sessionId',
  'conversationId',
  'errorContains',
  'since',
  'until',
] as const;

/** The prefix of a metadata filter: `meta.repo=acme/api`. */
export const METADATA_PARAMETER_PREFIX = 'meta.';
