import type { Command } from 'commander';
import type { HistoryOptions } from '../../query/types';
import type { CommandContext } from '../context/command-context';
import { printResult } from '../context/print-result';
import { withStore } from '../context/with-store';
import { addFilterFlags, FILTER_FLAGS, filtersOf } from '../flags/filter-flags';
import { argumentsOf, nextPageLine } from '../flags/next-page';
import { toNumber } from '../flags/number-argument';
import { runsFor } from '../flags/tenant-flag';
import { runRows } from '../format/run-format';
import { textTable } from '../format/text-table';
import { followRuns } from './tail';

const DEFAULT_LIMIT = 20;

/** `agentspan runs`: agent runs, newest first, a page at a time, and the command for the next page. */
export function addRunsCommand(program: Command, context: CommandContext): void {
  addFilterFlags(program.command('runs'))
    .description('agent runs, newest first')
    .option('--limit <n>', 'how many (1–1000)', toNumber, DEFAULT_LIMIT)
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .option('--follow', 'keep the table up to date as runs change, until Ctrl-C (as agentspan tail)')
    .action(async (flags: Record<string, unknown>) => {
      if (flags.follow === true) return followRuns(context, flags);
      const options: HistoryOptions = {
        ...filtersOf(flags),
        limit: flags.limit as number,
        cursor: flags.cursor as string | undefined,
      };
      await withStore(context, {}, async (store) => {
        const page = await runsFor(store, flags).history(options);
        printResult(context, page, () => {
          const limit = flags.limit === DEFAULT_LIMIT ? [] : ['--limit', String(flags.limit)];
          const next = nextPageLine('runs', [...argumentsOf(flags, FILTER_FLAGS), ...limit], page.nextCursor);
          return textTable(runRows(page.runs), '(no runs)') + next;
        });
      });
    });
}
