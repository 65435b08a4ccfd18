import { Option, type Command } from 'commander';
import type { CostGroupBy } from '../../query/analytics-types';
import type { CommandContext } from '../context/command-context';
import { printResult } from '../context/print-result';
import { withStore } from '../context/with-store';
import { addFilterFlags, filtersOf } from '../flags/filter-flags';
import { runsFor } from '../flags/tenant-flag';
import { costRows } from '../format/analytics-format';
import { textTable } from '../format/text-table';

/** `agentspan costs`: cost and tokens per group, each token counted once, and the total. */
export function addCostsCommand(program: Command, context: CommandContext): void {
  addFilterFlags(program.command('costs'))
    .description('cost and tokens per agent, model, user, tenant, hour or day, each token counted once')
    .addOption(
      new Option('--group-by <what>', 'how to group')
        .choices(['agent', 'model', 'user', 'tenant', 'hour', 'day'])
        .default('agent'),
    )
    .action(async (flags: Record<string, unknown>) => {
      await withStore(context, {}, async (store) => {
        const result = await runsFor(store, flags).costBreakdown({
          groupBy: flags.groupBy as CostGroupBy,
          ...filtersOf(flags),
        });
        printResult(context, result, () => textTable(costRows(result), ''));
      });
    });
}
