import type { Command } from 'commander';
import type { AnalyticsFilters } from '../../query/analytics-types';
import type { ExecutionStatus } from '../../query/types';
import { statusOption } from './status-flag';
import { addTenantFlag } from './tenant-flag';
import { toSince } from './time-arguments';

/** The filters every analytics command takes: agent, tenant, user, status, time range. */
export function addFilterFlags(command: Command): Command {
  command.option('--agent <name>', 'only this agent');
  addTenantFlag(command, 'only this tenant');
  return command
    .option('--user <id>', 'only this user')
    .addOption(statusOption('only executions with this status'))
    .option('--since <time>', 'started at or after (ISO 8601), or an age: 24h, 7d', toSince)
    .option('--until <time>', 'started before (ISO 8601)');
}

/** The filters as the repository wants them (the tenant is runsFor's). */
export function filtersOf(flags: Record<string, unknown>): Omit<AnalyticsFilters, 'tenantId'> {
  return {
    agent: flags.agent as string | undefined,
    userId: flags.user as string | undefined,
    status: flags.status as ExecutionStatus | undefined,
    since: flags.since as string | undefined,
    until: flags.until as string | undefined,
  };
}
