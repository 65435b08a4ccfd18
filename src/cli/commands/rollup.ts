import type { Command } from 'commander';
import { refreshHourlyRollups } from '../../rollups/hourly-rollups';
import type { CommandContext } from '../context/command-context';
import { printResult } from '../context/print-result';
import { withStore } from '../context/with-store';
import { toSince } from '../flags/time-arguments';

/** `agentspan rollup`: brings the hourly rollups up to date, or recomputes the hours from --since. */
export function addRollupCommand(program: Command, context: CommandContext): void {
  program
    .command('rollup')
    .description('bring the hourly rollups up to date (or recompute a range of hours with --since)')
    .option('--since <time>', 'recompute every hour from this one (ISO 8601, or an age: 24h, 7d)', toSince)
    .option('--until <time>', 'up to this time (ISO 8601; default now)')
    .action(async (flags: { since?: string; until?: string }) => {
      await withStore(context, {}, async (store) => {
        const result = await refreshHourlyRollups(store.dataSource, { since: flags.since, until: flags.until });
        printResult(context, result, () =>
          result.refreshed
            ? `rolled up ${result.hours} hour(s) into ${result.rows} row(s)\n`
            : 'another refresh is running; nothing done\n',
        );
      });
    });
}
