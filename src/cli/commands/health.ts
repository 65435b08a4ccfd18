import type { Command } from 'commander';
import { queryStoreHealth } from '../../query/health-query';
import type { CommandContext } from '../context/command-context';
import { printResult } from '../context/print-result';
import { withStore } from '../context/with-store';
import { healthRows } from '../format/health-format';
import { textTable } from '../format/text-table';

/** `agentspan health`: whether the database is reachable, what it holds, when the rollups were refreshed. */
export function addHealthCommand(program: Command, context: CommandContext): void {
  program
    .command('health')
    .description('is the database reachable, and what does it hold')
    .action(async () => {
      await withStore(context, {}, async (store) => {
        const { rollupsRefreshedAt, ...counts } = await queryStoreHealth(store.dataSource);
        // Reachable is what getting here proves; the keys keep their order for scripts reading the JSON.
        const health = { database: store.where, reachable: true, ...counts, rollupsRefreshedAt };
        printResult(context, health, () => textTable(healthRows(store.where, health), ''));
      });
    });
}
