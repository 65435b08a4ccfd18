import type { Command } from 'commander';
import type { SessionOptions } from '../../query/session-types';
import type { CommandContext } from '../context/command-context';
import { printResult } from '../context/print-result';
import { withStore } from '../context/with-store';
import { addFilterFlags, FILTER_FLAGS, filtersOf } from '../flags/filter-flags';
import { argumentsOf, nextPageLine } from '../flags/next-page';
import { toNumber } from '../flags/number-argument';
import { runsFor } from '../flags/tenant-flag';
import { sessionRows } from '../format/session-format';
import { textTable } from '../format/text-table';

const DEFAULT_LIMIT = 20;

/**
 * `agentspan sessions`: sessions newest first, with their runs by status, duration, tokens and cost, and the command
 * for the next page. The table shows no runs (`agentspan runs --session <id>` does); --json lists each session's
 * newest runs (--runs).
 */
export function addSessionsCommand(program: Command, context: CommandContext): void {
  addFilterFlags(program.command('sessions'))
    .description('sessions (runs sharing a session id), newest first: runs by status, duration, tokens, cost')
    .option('--limit <n>', 'how many sessions (1–100)', toNumber, DEFAULT_LIMIT)
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .option('--runs <n>', 'with --json: how many runs each session lists (0–100, default 10)', toNumber)
    .action(async (flags: Record<string, unknown>) => {
      const json = context.globals().json === true;
      const options: SessionOptions = {
        ...filtersOf(flags),
        limit: flags.limit as number,
        cursor: flags.cursor as string | undefined,
        // The table shows no runs: none are read for it.
        runsPerSession: json ? (flags.runs as number | undefined) : 0,
      };
      await withStore(context, {}, async (store) => {
        const page = await runsFor(store, flags).sessions(options);
        printResult(context, page, () => {
          const limit = flags.limit === DEFAULT_LIMIT ? [] : ['--limit', String(flags.limit)];
          const next = nextPageLine('sessions', [...argumentsOf(flags, FILTER_FLAGS), ...limit], page.nextCursor);
          return textTable(sessionRows(page.sessions), '(no sessions)') + next;
        });
      });
    });
}
