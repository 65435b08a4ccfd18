import type { ExecutionStatus } from '../../model/records';
import { analyticsFilters, type CheckedFilters } from '../analytics-arguments';
import { AgentspanQueryError } from '../agentspan-query-error';
import { HISTORY_FILTER_OPTIONS } from '../history-query';
import { describeValue, optionsObject } from '../query-arguments';
import type { AnalyticsFilters } from '../analytics-types';
import { decodeChangeCursor, type ChangePosition } from './change-cursor';
import type { RunChangeType, WatchOptions } from './watch-types';

const METHOD = 'watch';
const WATCH_OPTIONS: readonly (keyof WatchOptions)[] = [...HISTORY_FILTER_OPTIONS, 'after', 'pollIntervalMs'];
const DEFAULT_POLL_INTERVAL_MS = 250;
const MIN_POLL_INTERVAL_MS = 10;
const MAX_POLL_INTERVAL_MS = 60_000;

export interface CheckedWatchOptions {
  /** History's filters but the status (which applies to the changes, see statuses). */
  filters: CheckedFilters;
  /** The statuses the delivered changes bring; undefined for all. */
  statuses: ReadonlySet<ExecutionStatus> | undefined;
  after: ChangePosition | undefined;
  pollIntervalMs: number;
}

/** The status a change brings its run. */
export function statusOf(type: RunChangeType): ExecutionStatus {
  return type === 'started' || type === 'step' ? 'running' : type;
}

/** Checks watch()'s options before anything is opened (AgentspanQueryError naming the argument). */
export function checkWatchOptions(options: WatchOptions | undefined): CheckedWatchOptions {
  const given = optionsObject<WatchOptions>(METHOD, 'options', options, WATCH_OPTIONS);
  const { statuses, ...filters } = analyticsFilters(METHOD, given as AnalyticsFilters);
  const pollIntervalMs = given.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  if (
    typeof pollIntervalMs !== 'number' ||
    !Number.isInteger(pollIntervalMs) ||
    pollIntervalMs < MIN_POLL_INTERVAL_MS ||
    pollIntervalMs > MAX_POLL_INTERVAL_MS
  ) {
    throw new AgentspanQueryError(
      `${METHOD}: pollIntervalMs must be an integer from ${MIN_POLL_INTERVAL_MS} to ${MAX_POLL_INTERVAL_MS}, ` +
        `got ${describeValue(pollIntervalMs)}`,
    );
  }
  return {
    filters,
    statuses: statuses === undefined ? undefined : new Set(statuses),
    after: given.after == null ? undefined : decodeChangeCursor(METHOD, given.after),
    pollIntervalMs,
  };
}
