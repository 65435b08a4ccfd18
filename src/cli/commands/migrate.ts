import type { Command } from 'commander';
import { runMigrations } from '../../store/connection/migrate';
import type { CommandContext } from '../context/command-context';
import { printResult } from '../context/print-result';
import { withStore } from '../context/with-store';

/** `agentspan migrate`: creates or updates the tables (and the embedded database when there is none yet). */
export function addMigrateCommand(program: Command, context: CommandContext): void {
  program
    .command('migrate')
    .description("create or update agentspan's tables")
    .action(async () => {
      await withStore(context, { create: true }, async (store) => {
        const applied = await runMigrations(store.dataSource);
        printResult(context, { migrated: applied.length, database: store.where }, () =>
          applied.length === 0
            ? `${store.where}: up to date\n`
            : `${store.where}: applied ${applied.length} migration(s)\n`,
        );
      });
    });
}
