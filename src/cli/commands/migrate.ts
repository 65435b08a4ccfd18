import type { Command } from 'commander';
import { runMigrations } from '../../store/connection/migrate';
import type { CommandContext } from '../context/command-context';
import { printResult } from '../context/print-result';
import { withStore } from '../context/with-store';
import { CliError, EXIT_USAGE } from '../context/cli-error';
import { toNumber } from '../flags/number-argument';

/** `agentspan migrate`: creates or updates the tables (and the embedded database when there is none yet). */
export function addMigrateCommand(program: Command, context: CommandContext): void {
  program
    .command('migrate')
    .description("create or update agentspan's tables")
    .option(
      '--distributed',
      'on a Citus coordinator: also distribute the run tables by trace_id and make the shared ones reference tables',
    )
    .option('--shards <n>', 'with --distributed: shards per run table (default: citus.shard_count, 32)', toNumber)
    .option(
      '--partitioned',
      'partition agent_executions and agent_events by month (existing rows are copied once); retention (prune) then drops whole partitions',
    )
    .action(async (options: { distributed?: boolean; partitioned?: boolean; shards?: number }) => {
      const { shards } = options;
      if (shards !== undefined && (!Number.isInteger(shards) || shards < 1 || shards > 64_000)) {
        throw new CliError(`--shards must be a whole number from 1 to 64000, got ${String(shards)}`, EXIT_USAGE);
      }
      if (shards !== undefined && options.distributed !== true) {
        throw new CliError('--shards goes with --distributed', EXIT_USAGE);
      }
      await withStore(context, { create: true }, async (store) => {
        if (options.distributed === true && store.embedded) {
          throw new CliError('--distributed needs a Citus coordinator (--database or DATABASE_URL)', EXIT_USAGE);
        }
        const applied = await runMigrations(store.dataSource, {
          distributed: options.distributed === true,
          shardCount: shards,
          partitioned: options.partitioned === true,
        });
        const distributed =
          (options.distributed === true ? ', tables distributed' : '') +
          (options.partitioned === true ? ', partitioned by month' : '');
        printResult(
          context,
          {
            migrated: applied.length,
            database: store.where,
            distributed: options.distributed === true,
            partitioned: options.partitioned === true,
          },
          () =>
            applied.length === 0
              ? `${store.where}: up to date${distributed}\n`
              : `${store.where}: applied ${applied.length} migration(s)${distributed}\n`,
        );
      });
    });
}
