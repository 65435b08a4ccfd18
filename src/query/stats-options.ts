import { AgentspanQueryError } from './agentspan-query-error';
import {
  analyticsFilters,
  ANALYTICS_FILTER_OPTIONS,
  oneOf,
  positiveNumber,
  type CheckedFilters,
} from './analytics-arguments';
import type { StatsGroupBy, StatsKind, StatsOptions, StatsSource } from './analytics-types';
import { groupByArgument } from './metadata-arguments';
import { optionsObject } from './query-arguments';

export const STATS_METHOD = 'stats';
const STATS_OPTIONS: readonly (keyof StatsOptions)[] = [
  ...ANALYTICS_FILTER_OPTIONS,
  'groupBy',
  'kind',
  'source',
  'rollupAfterHours',
];
/** The fixed groupings; `metadata.<key>` is the other kind. */
export const STATS_GROUP_BY = [
  'agent',
  'model',
  'user',
  'tenant',
  'status',
  'hour',
  'day',
  'session',
] as const satisfies readonly StatsGroupBy[];
const STATS_KINDS: readonly StatsKind[] = ['agent', 'llm', 'tool'];
const STATS_SOURCES: readonly StatsSource[] = ['auto', 'raw', 'rollup'];
const DEFAULT_ROLLUP_AFTER_HOURS = 48;

/** What is counted and how it is grouped, checked: what both the raw and the rollup queries read. */
export interface CheckedStatsOptions {
  groupBy: StatsGroupBy;
  kind: StatsKind;
  filters: CheckedFilters;
}

/** stats' options checked, with where to read from. */
export interface StatsRequest extends CheckedStatsOptions {
  source: StatsSource;
  rollupAfterHours: number;
}

/** Checks stats' options (AgentspanQueryError) and fills the defaults: kind from groupBy, source auto, 48 hours. */
export function checkStatsOptions(options: StatsOptions): StatsRequest {
  if (options === undefined || options === null) {
    throw new AgentspanQueryError(`${STATS_METHOD}: options with a groupBy are required`);
  }
  const given = optionsObject<StatsOptions>(STATS_METHOD, 'options', options, STATS_OPTIONS);
  const groupBy: StatsGroupBy = groupByArgument(STATS_METHOD, given.groupBy, STATS_GROUP_BY);
  const kind = oneOf(STATS_METHOD, 'kind', given.kind ?? (groupBy === 'model' ? 'llm' : 'agent'), STATS_KINDS);
  if (groupBy === 'model' && kind === 'agent') {
    throw new AgentspanQueryError(
      `${STATS_METHOD}: groupBy model needs kind llm (agent runs have no model of their own)`,
    );
  }
  const source = oneOf(STATS_METHOD, 'source', given.source ?? 'auto', STATS_SOURCES);
  const rollupAfterHours = positiveNumber(
    STATS_METHOD,
    'rollupAfterHours',
    given.rollupAfterHours,
    DEFAULT_ROLLUP_AFTER_HOURS,
  );
  return { groupBy, kind, filters: analyticsFilters(STATS_METHOD, given), source, rollupAfterHours };
}
