import type { DataSource } from 'typeorm';
import { createAgentspanDataSource, type AgentspanDataSourceOptions } from './data-source';
import { startEmbeddedServer, type EmbeddedServerOptions } from './embedded-server';

export { DEFAULT_EMBEDDED_DATA_DIR, IN_MEMORY } from './embedded-server';

export interface EmbeddedDataSourceOptions
  extends EmbeddedServerOptions, Pick<AgentspanDataSourceOptions, 'schema' | 'logging'> {}

export interface EmbeddedDataSource {
  readonly dataSource: DataSource;
  /** postgres:// URL of the embedded server (127.0.0.1, free port). */
  readonly url: string;
  /** Destroys the DataSource, stops the socket server and PGlite. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * The zero-configuration store: PGlite with its files in `dataDir` (default ./.agentspan/pgdata), served on
 * 127.0.0.1 and reached through the ordinary agentspan DataSource with a pool of one connection. Like the pool's idle
 * connections, it does not keep the process alive by itself unless `keepProcessAlive` is true.
 * Does not run migrations (see runMigrations).
 */
export async function createEmbeddedDataSource(options: EmbeddedDataSourceOptions = {}): Promise<EmbeddedDataSource> {
  const server = await startEmbeddedServer({ ...options, keepProcessAlive: options.keepProcessAlive ?? false });
  let dataSource: DataSource;
  try {
    dataSource = await createAgentspanDataSource({
      url: server.url,
      schema: options.schema,
      logging: options.logging,
      poolSize: 1,
      // PGlite serves one query at a time; a statement timeout would only cut long migrations short.
      statementTimeoutMs: 0,
      applicationName: 'agentspan-embedded',
    });
  } catch (error) {
    await server.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    dataSource,
    url: server.url,
    close() {
      closing ??= (async () => {
        if (dataSource.isInitialized) await dataSource.destroy();
        await server.close();
      })();
      return closing;
    },
  };
}
