import type { Command } from 'commander';
import type { CostGroupBy } from '../../query/analytics-types';
import type { CommandContext } from '../context/command-context';
import { printResult } from '../context/print-result';
import { withStore } from '../context/with-store';
import { COST_GROUP_BY } from '../../query/cost-breakdown-query';
import { addFilterFlags, filtersOf } from '../flags/filter-flags';
import { groupByOption } from '../flags/group-by-flag';
import { runsFor } from '../flags/tenant-flag';
import { costRows } from '../format/analytics-format';
import { textTable } from '../format/text-table';

/** `agentspan costs`: cost and tokens per group, each token counted once, and the total. */
export function addCostsCommand(program: Command, context: CommandContext): void {
  addFilterFlags(program.command('costs'))
    .description(
      'cost and tokens per agent, model, user, tenant, hour, day, session or metadata key (metadata.repo), ' +
        'each token counted once',
    )
    .addOption(groupByOption(COST_GROUP_BY))
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
