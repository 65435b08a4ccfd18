import type { Command } from 'commander';
import { AgentRunRepository, type TenantRuns } from '../../query/agent-run-repository';
import type { CliStore } from '../context/cli-store';

/** --tenant <id>, described as the command limits by it. */
export function addTenantFlag(command: Command, description: string): Command {
  return command.option('--tenant <id>', description);
}

/** The repository, or with --tenant its view of that tenant: --tenant means the same on every command. */
export function runsFor(store: CliStore, flags: { tenant?: unknown }): AgentRunRepository | TenantRuns {
  const repository = new AgentRunRepository(store.dataSource);
  return flags.tenant === undefined ? repository : repository.forTenant(flags.tenant as string);
}
