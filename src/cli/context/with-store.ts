import { NotDistributableError } from '../../store/connection/distribute';
import { AgentspanQueryError } from '../../query/agentspan-query-error';
import { sqlStateOf } from '../../store/connection/errors';
import { CliError, EXIT_DATABASE, EXIT_USAGE } from './cli-error';
import { openCliStore, type CliStore, type CliStoreOptions } from './cli-store';
import { failureText, withoutPrefix } from './failure-text';
import type { CommandContext } from './command-context';

/**
 * Opens the store for one command (--database, DATABASE_URL or the embedded one), turns argument and database
 * errors into CliErrors with their exit codes, and always closes it.
 */
export async function withStore(
  context: CommandContext,
  options: Pick<CliStoreOptions, 'create'>,
  work: (store: CliStore) => Promise<void>,
): Promise<void> {
  const globals = context.globals();
  const store = await openCliStore({
    ...options,
    database: globals.database,
    dataDir: globals.dataDir,
    env: context.io.env ?? process.env,
  });
  try {
    await work(store);
  } catch (error) {
    if (error instanceof CliError) throw error;
    if (error instanceof NotDistributableError) throw new CliError(withoutPrefix(error.message), EXIT_DATABASE);
    if (
      error instanceof AgentspanQueryError ||
      (error instanceof TypeError && error.message.startsWith('agentspan: '))
    ) {
      // Argument checks of the repository and of pruneRuns.
      throw new CliError(withoutPrefix(error.message), EXIT_USAGE);
    }
    if (sqlStateOf(error) === '42P01') {
      throw new CliError(`${store.where} has no agentspan tables: run \`agentspan migrate\` first`, EXIT_DATABASE);
    }
    if (sqlStateOf(error) !== undefined) throw new CliError(failureText(error), EXIT_DATABASE);
    throw error;
  } finally {
    await store.close().catch(() => undefined);
  }
}
