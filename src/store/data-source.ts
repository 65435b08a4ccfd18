import 'reflect-metadata';
import { diag } from '@opentelemetry/api';
import type { TlsOptions } from 'node:tls';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { agentspanMigrations } from '../../migrations';
import { agentspanEntities } from './entities';
import { describeDatabaseError, sqlStateOf } from './errors';
import { maskUrl } from './mask-url';
import { untraced } from './untraced';

/** Our own migrations table, so agentspan never mixes its history with an application's TypeORM migrations. */
export const AGENTSPAN_MIGRATIONS_TABLE = 'agentspan_migrations';

export interface AgentspanDataSourceOptions {
  /** postgres://user:password@host:port/database; defaults to the DATABASE_URL environment variable. */
  url?: string;
  /** PostgreSQL schema for our tables and migrations table; default: the connection's search path (usually public). */
  schema?: string;
  /** Maximum pooled connections. Default 10. */
  poolSize?: number;
  /** How long to wait for a new connection before failing. Default 10 s. */
  connectTimeoutMs?: number;
  /** Server-side statement_timeout for our connections, 0 for none. Default 60 s, so a stuck server cannot hang a flush. */
  statementTimeoutMs?: number;
  /** Shown in pg_stat_activity. Default "agentspan". */
  applicationName?: string;
  ssl?: boolean | TlsOptions;
  /** TypeORM query logging. Default off. */
  logging?: boolean;
}

export type PostgresDataSourceOptions = Extract<DataSourceOptions, { type: 'postgres' }>;

const DEFAULT_POOL_SIZE = 10;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_STATEMENT_TIMEOUT_MS = 60_000;

/**
 * The TypeORM options for agentspan's PostgreSQL DataSource, not yet initialized (the TypeORM CLI wants exactly
 * this). synchronize is always off: the schema belongs to the migrations.
 */
export function agentspanDataSourceOptions(options: AgentspanDataSourceOptions = {}): PostgresDataSourceOptions {
  const url = options.url ?? process.env.DATABASE_URL;
  if (!url) {
    throw new Error('agentspan: no database URL (pass `url` or set DATABASE_URL, or use the embedded database)');
  }
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  return {
    type: 'postgres',
    url,
    schema: options.schema,
    poolSize: options.poolSize ?? DEFAULT_POOL_SIZE,
    connectTimeoutMS: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    applicationName: options.applicationName ?? 'agentspan',
    ssl: options.ssl,
    entities: agentspanEntities,
    migrations: agentspanMigrations,
    migrationsTableName: AGENTSPAN_MIGRATIONS_TABLE,
    migrationsTransactionMode: 'all',
    synchronize: false,
    migrationsRun: false,
    logging: options.logging ?? false,
    // gen_random_uuid() is built in (PostgreSQL 13+, PGlite); never try to CREATE EXTENSION (needs superuser).
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    // An idle pooled client whose server went away emits 'error'; unhandled, that would crash the host process.
    poolErrorHandler: (error: unknown) => {
      diag.warn(`agentspan: idle database connection failed: ${describeDatabaseError(error)}`);
    },
    // allowExitOnIdle: idle pooled connections must not keep the application's process alive.
    extra: { allowExitOnIdle: true, ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}) },
  };
}

/**
 * Creates and initializes agentspan's DataSource for PostgreSQL. Does not run migrations (see runMigrations).
 * Errors never carry the password: the URL is masked.
 */
export async function createAgentspanDataSource(options: AgentspanDataSourceOptions = {}): Promise<DataSource> {
  const dataSourceOptions = agentspanDataSourceOptions(options);
  const dataSource = new DataSource(dataSourceOptions);
  try {
    await untraced(() => dataSource.initialize());
  } catch (error) {
    // A fresh error without `cause`: the driver error is not needed and nothing in it should be trusted to a log.
    // The code (ECONNREFUSED, 28P01, …) stays so isTransientError can still classify it.
    const failure = new Error(
      `agentspan: cannot connect to ${maskUrl(dataSourceOptions.url ?? '')}: ${describeDatabaseError(error)}`,
    );
    throw Object.assign(failure, { code: sqlStateOf(error) ?? socketCodeOf(error) });
  }
  return dataSource;
}

function socketCodeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  const first = (error as { errors?: unknown[] } | null)?.errors?.[0];
  return first === undefined ? undefined : socketCodeOf(first);
}
