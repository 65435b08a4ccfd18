import type { Command } from 'commander';
import { CliError, EXIT_FAILURE } from '../context/cli-error';
import type { CommandContext } from '../context/command-context';
import { printResult } from '../context/print-result';
import { withStore } from '../context/with-store';
import { addTenantFlag, runsFor } from '../flags/tenant-flag';
import { treeLines } from '../format/run-format';

/** `agentspan show <id>`: one run as a tree; not found is exit code 1. */
export function addShowCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('show')
    .description('one run as a tree: durations, tokens, cost, decisions, errors')
    .argument('<id>', 'trace id (32 hex) or execution id (uuid)');
  addTenantFlag(command, "only if every execution of the run is this tenant's").action(
    async (id: string, flags: Record<string, unknown>) => {
      await withStore(context, {}, async (store) => {
        const run = await runsFor(store, flags).getRun(id);
        if (run === null) throw new CliError(`no run with id ${id} in ${store.where}`, EXIT_FAILURE);
        printResult(context, run, () => `trace ${run.traceId}\n${treeLines(run.roots)}`);
      });
    },
  );
}
