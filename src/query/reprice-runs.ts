import type { DataSource } from 'typeorm';
import { repriceStoredRuns, type RepriceResult } from '../store/maintenance/reprice-runs';
import { AgentspanQueryError } from './agentspan-query-error';
import { checkTimeRange, optionsObject, timeBound } from './query-arguments';
import type { RepriceOptions } from './types';

const METHOD = 'repriceRuns';
const REPRICE_OPTIONS: readonly (keyof RepriceOptions)[] = ['since', 'until'];

/**
 * repriceRuns' arguments checked (since is required, until defaults to now) before the store prices the LLM calls
 * of [since, until) again and recomputes their runs' totals.
 */
export async function repriceRuns(dataSource: DataSource, options: RepriceOptions): Promise<RepriceResult> {
  const given = optionsObject<RepriceOptions>(METHOD, 'options', options, REPRICE_OPTIONS);
  const since = timeBound(METHOD, 'since', given.since);
  if (since === undefined) throw new AgentspanQueryError(`${METHOD}: since is required`);
  const until = timeBound(METHOD, 'until', given.until) ?? new Date().toISOString();
  checkTimeRange(METHOD, since, until);
  return repriceStoredRuns(dataSource, since, until);
}
