import type { Command } from 'commander';
import { refreshHourlyRollups } from '../../rollups/hourly-rollups';
import { checkPruneRunsOptions, pruneRuns } from '../../store/maintenance/prune-runs';
import type { CommandContext } from '../context/command-context';
import { printResult } from '../context/print-result';
import { withStore } from '../context/with-store';
import { toNumber } from '../flags/number-argument';
import { toAge } from '../flags/time-arguments';

/** `agentspan prune --older-than <age>`: deletes old runs and their rows in every table, in short batches. */
export function addPruneCommand(program: Command, context: CommandContext): void {
  program
    .command('prune')
    .description('delete old runs with their performance, decisions and events, in short batches')
    .requiredOption('--older-than <age>', 'an age (90d, 12h, 30m) or an ISO 8601 time', toAge)
    .option('--batch-size <n>', 'traces per transaction', toNumber, 500)
    .action(async (flags: { olderThan: number | string; batchSize: number }) => {
      const options = { olderThan: flags.olderThan, batchSize: flags.batchSize };
      await withStore(context, {}, async (store) => {
        checkPruneRunsOptions(options);
        // The rollups first: they keep the history of what is deleted (and are never recomputed before it again).
        await refreshHourlyRollups(store.dataSource);
        const result = await pruneRuns(store.dataSource, options);
        printResult(
          context,
          result,
          () =>
            `deleted ${result.traces} trace(s): ${result.executions} executions, ${result.performance} performance ` +
            `rows, ${result.decisions} decisions, ${result.events} events\n` +
            (result.partitionsDropped.length > 0
              ? `dropped partitions: ${result.partitionsDropped.join(', ')}\n`
              : '') +
            (result.partitionKept === null
              ? ''
              : `kept partition ${result.partitionKept.partition} (and later ones): ${result.partitionKept.reason}\n`),
        );
      });
    });
}
