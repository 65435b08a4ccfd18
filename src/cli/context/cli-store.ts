import { existsSync } from 'node:fs';
import type { DataSource } from 'typeorm';
import { checkDatabaseUrl } from '../../setup/options';
import { createAgentspanDataSource } from '../../store/connection/data-source';
import { createEmbeddedDataSource, DEFAULT_EMBEDDED_DATA_DIR } from '../../store/connection/embedded';
import { maskUrl } from '../../capture/mask-url';
import { CliError, EXIT_DATABASE, EXIT_USAGE } from './cli-error';
import { failureText, withoutPrefix } from './failure-text';

export interface CliStoreOptions {
  /** --database, else DATABASE_URL, else the embedded database in `dataDir`. */
  database?: string;
  dataDir?: string;
  /** Create the embedded database when there is none yet (migrate does; reading commands do not). */
  create?: boolean;
  /** Where DATABASE_URL is read: the process's environment, or a test's. */
  env: NodeJS.ProcessEnv;
}

export interface CliStore {
  readonly dataSource: DataSource;
  /** Where the data is, for messages: the URL with its password masked, or the embedded directory. */
  readonly where: string;
  /** Whether it is the embedded database (PGlite). */
  readonly embedded: boolean;
  close(): Promise<void>;
}

/** Opens the database the command works on; a failure is a CliError that never shows a password. */
export async function openCliStore(options: CliStoreOptions): Promise<CliStore> {
  const url = options.database ?? options.env.DATABASE_URL;
  if (url) {
    try {
      checkDatabaseUrl(url, options.database === undefined ? 'DATABASE_URL' : '--database');
    } catch (error) {
      throw new CliError(withoutPrefix((error as Error).message), EXIT_USAGE);
    }
    const where = maskUrl(url);
    try {
      const dataSource = await createAgentspanDataSource({ url, poolSize: 2, connectTimeoutMs: 10_000 });
      return { dataSource, where, embedded: false, close: () => dataSource.destroy() };
    } catch (error) {
      throw new CliError(failureText(error), EXIT_DATABASE);
    }
  }
  const dataDir = options.dataDir ?? DEFAULT_EMBEDDED_DATA_DIR;
  if (!options.create && !existsSync(dataDir)) {
    throw new CliError(
      `no embedded database in ${dataDir}: pass --database or set DATABASE_URL, or run your instrumented app (or ` +
        '`npm run demo`) first',
      EXIT_DATABASE,
    );
  }
  try {
    const embedded = await createEmbeddedDataSource({ dataDir });
    return { dataSource: embedded.dataSource, where: dataDir, embedded: true, close: () => embedded.close() };
  } catch (error) {
    throw new CliError(`cannot open the embedded database in ${dataDir}: ${failureText(error)}`, EXIT_DATABASE);
  }
}
