import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { createAgentspanDataSource } from '../../src/store/connection/data-source';
import { runMigrations } from '../../src/store/connection/migrate';
import { createTestDatabase, type TestDatabase } from './database';

/** A fresh migrated database and a DataSource on it, for one test file. */
export interface StoreFixture {
  readonly database: TestDatabase;
  readonly dataSource: DataSource;
  close(): Promise<void>;
}

export async function createStoreFixture(options: { poolSize?: number } = {}): Promise<StoreFixture> {
  const database = await createTestDatabase();
  // PGlite serves one query at a time: one connection keeps the embedded mode honest.
  const poolSize = options.poolSize ?? (database.isServer ? 4 : 1);
  const dataSource = await createAgentspanDataSource({ url: database.url, poolSize });
  await runMigrations(dataSource);
  return {
    database,
    dataSource,
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await database.close();
    },
  };
}
