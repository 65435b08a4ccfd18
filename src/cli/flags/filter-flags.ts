import type { Command } from 'commander';
import type { AnalyticsFilters } from '../../query/analytics-types';
import type { ExecutionStatus } from '../../query/types';
import type { FlagSpec } from './next-page';
import { addRunFilterFlags, runFiltersOf } from './run-filter-flags';
import { statusOption } from './status-flag';
import { addTenantFlag } from './tenant-flag';
import { toSince } from './time-arguments';

/**
 * The filters every command that lists or counts runs takes (runs, sessions, stats, errors, costs): agent, tenant,
 * user, status, time range, and the run filters (metadata, session, conversation, error text).
 */
export function addFilterFlags(command: Command): Command {
  command.option('--agent <name>', 'only this agent');
  addTenantFlag(command, 'only this tenant');
  command
    .option('--user <id>', 'only this user')
    .addOption(statusOption('only executions with this status'))
    .option('--since <time>', 'started at or after (ISO 8601), or an age: 24h, 7d', toSince)
    .option('--until <time>', 'started before (ISO 8601)');
  return addRunFilterFlags(command);
}

/** The filters as the repository wants them (the tenant is runsFor's). */
export function filtersOf(flags: Record<string, unknown>): Omit<AnalyticsFilters, 'tenantId'> {
  return {
    agent: flags.agent as string | undefined,
    userId: flags.user as string | undefined,
    status: flags.status as ExecutionStatus | undefined,
    since: flags.since as string | undefined,
    until: flags.until as string | undefined,
    ...runFiltersOf(flags),
  };
}

/** The run filter flags, for the next-page hint. */
export const RUN_FILTER_FLAGS: readonly FlagSpec[] = [
  ['meta', '--meta'],
  ['session', '--session'],
  ['conversation', '--conversation'],
  ['errorContains', '--error-contains'],
];

/** addFilterFlags' flags, for the next-page hint. */
export const FILTER_FLAGS: readonly FlagSpec[] = [
  ['agent', '--agent'],
  ['tenant', '--tenant'],
  ['user', '--user'],
  ['status', '--status'],
  ['since', '--since'],
  ['until', '--until'],
  ...RUN_FILTER_FLAGS,
];
