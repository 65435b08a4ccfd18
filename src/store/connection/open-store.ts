import { createAgentspanDataSource, type AgentspanDataSourceOptions } from './data-source';
import { createEmbeddedDataSource } from './embedded';
import type { OpenedStore } from './store-connection';

export interface OpenStoreOptions extends Pick<
  AgentspanDataSourceOptions,
  | 'schema'
  | 'connectTimeoutMs'
  | 'statementTimeoutMs'
  | 'queryTimeoutMs'
  | 'idleInTransactionTimeoutMs'
  | 'idleTimeoutMs'
> {
  /** postgres://…; absent: the embedded database in `dataDir`. */
  url?: string;
  /** The embedded database's directory (without `url`). */
  dataDir?: string;
}

/** The database at `url`, else the embedded one in `dataDir`, with what closes it: a StoreConnection's `open`. */
export async function openStore(options: OpenStoreOptions): Promise<OpenedStore> {
  const { url, dataDir, ...rest } = options;
  if (url) {
    const dataSource = await createAgentspanDataSource({ url, ...rest });
    return { dataSource, close: () => dataSource.destroy() };
  }
  const embedded = await createEmbeddedDataSource({ dataDir, schema: rest.schema });
  return { dataSource: embedded.dataSource, close: () => embedded.close() };
}
