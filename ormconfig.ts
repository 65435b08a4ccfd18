/**
 * The DataSource the TypeORM CLI uses (e.g. `npx typeorm-ts-node-commonjs migration:show -d ormconfig.ts`), built
 * from DATABASE_URL with exactly the options the library uses at runtime. Prefer runMigrations() from the library in
 * applications: it holds the migration advisory lock.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { agentspanDataSourceOptions } from './src/store/connection/data-source';

export default new DataSource(agentspanDataSourceOptions({ url: process.env.DATABASE_URL }));
