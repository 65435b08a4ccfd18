import { Option, type Command } from 'commander';
import type { StatsKind } from '../../query/analytics-types';
import type { CommandContext } from '../context/command-context';
import { printResult } from '../context/print-result';
import { withStore } from '../context/with-store';
import { addFilterFlags, filtersOf } from '../flags/filter-flags';
import { toNumber } from '../flags/number-argument';
import { runsFor } from '../flags/tenant-flag';
import { errorRows } from '../format/analytics-format';
import { textTable } from '../format/text-table';

/** `agentspan errors`: the most frequent failures, with the latest trace of each. */
export function addErrorsCommand(program: Command, context: CommandContext): void {
  addFilterFlags(program.command('errors'))
    .description('the most frequent failures, by error type and message, with the latest trace of each')
    .addOption(
      new Option('--kind <kind>', 'failed agent runs (default), LLM calls, tool calls or all').choices([
        'agent',
        'llm',
        'tool',
        'all',
      ]),
    )
    .option('--limit <n>', 'how many groups (1–100)', toNumber, 10)
    .action(async (flags: Record<string, unknown>) => {
      await withStore(context, {}, async (store) => {
        const groups = await runsFor(store, flags).topErrors({
          kind: flags.kind as StatsKind | 'all' | undefined,
          limit: flags.limit as number,
          ...filtersOf(flags),
        });
        printResult(context, groups, () => textTable(errorRows(groups), '(no failures)'));
      });
    });
}
