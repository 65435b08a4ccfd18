import type { Command } from 'commander';
import { pruneRuns } from '../../store/maintenance/prune-runs';
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
      await withStore(context, {}, async (store) => {
        const result = await pruneRuns(store.dataSource, { olderThan: flags.olderThan, batchSize: flags.batchSize });
        printResult(
          context,
          result,
          () =>
            `deleted ${result.traces} trace(s): ${result.executions} executions, ${result.performance} performance ` +
            `rows, ${result.decisions} decisions, ${result.events} events\n`,
        );
      });
    });
}
