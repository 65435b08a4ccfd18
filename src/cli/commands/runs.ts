import type { Command } from 'commander';
import type { HistoryOptions } from '../../query/types';
import type { CommandContext } from '../context/command-context';
import { printResult } from '../context/print-result';
import { withStore } from '../context/with-store';
import { toNumber } from '../flags/number-argument';
import { statusOption } from '../flags/status-flag';
import { addTenantFlag, runsFor } from '../flags/tenant-flag';
import { runRows } from '../format/run-format';
import { textTable } from '../format/text-table';

/** `agentspan runs`: agent runs, newest first, a page at a time, and the command for the next page. */
export function addRunsCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('runs')
    .description('agent runs, newest first')
    .option('--agent <name>', 'only this agent')
    .addOption(statusOption('only runs with this status'))
    .option('--user <id>', 'only this user');
  addTenantFlag(command, 'only this tenant')
    .option('--since <time>', 'started at or after (ISO 8601)')
    .option('--until <time>', 'started before (ISO 8601)')
    .option('--limit <n>', 'how many (1–1000)', toNumber, 20)
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (flags: Record<string, unknown>) => {
      const options: HistoryOptions = {
        agent: flags.agent as string | undefined,
        status: flags.status as HistoryOptions['status'],
        userId: flags.user as string | undefined,
        since: flags.since as string | undefined,
        until: flags.until as string | undefined,
        limit: flags.limit as number,
        cursor: flags.cursor as string | undefined,
      };
      await withStore(context, {}, async (store) => {
        const page = await runsFor(store, flags).history(options);
        printResult(context, page, () => {
          const tenant = flags.tenant === undefined ? '' : ` --tenant ${JSON.stringify(flags.tenant)}`;
          const next = page.nextCursor === null ? '' : `\nmore: agentspan runs${tenant} --cursor ${page.nextCursor}\n`;
          return textTable(runRows(page.runs), '(no runs)') + next;
        });
      });
    });
}
