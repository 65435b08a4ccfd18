import 'reflect-metadata';
import { diag } from '@opentelemetry/api';
import type { TlsOptions } from 'node:tls';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { agentspanMigrations } from '../../../migrations';
import { agentspanEntities } from '../schema/entities';
import { describeDatabaseError, sqlStateOf } from './errors';
import { maskUrl } from '../../capture/mask-url';
import { AgentspanPgClient } from './pg-client';
import { untraced } from '../../internal/untraced';

/** Our own migrations table, so agentspan never mixes its history with an application's TypeORM migrations. */
export const AGENTSPAN_MIGRATIONS_TABLE = 'agentspan_migrations';

export interface AgentspanDataSourceOptions {
  /** postgres://user:password@host:port/database; defaults to the DATABASE_URL environment variable. */
  url?: string;
  /** PostgreSQL schema for our tables and migrations table; default: the connection's search path (usually public). */
  schema?: string;
  /** Maximum pooled connections. Default 10. */
  poolSize?: number;
  /**
   * How long to wait for a connection before failing: opening a new one, and also waiting for a free one while the
   * pool is busy (with the application's own queries, say). Default 10 s.
   */
  connectTimeoutMs?: number;
  /**
   * Server-side statement_timeout of our connections: PostgreSQL cancels a statement that runs longer. 0 for none.
   * Default 60 s.
   */
  statementTimeoutMs?: number;
  /**
   * Client-side: a query that gets no reply for this long fails and its connection is closed. This catches what
   * statement_timeout cannot: a server or network that stops answering. 0 for none. Default: statementTimeoutMs
   * (at least 60 s) plus 10 s, so the server's own cancel normally comes first — 70 s. It bounds the migrations too
   * (they lift statement_timeout): one waiting longer for another process's migration fails and is tried again on
   * the next use.
   */
  queryTimeoutMs?: number;
  /**
   * Server-side idle_in_transaction_session_timeout: a session left idle inside a transaction (its process stuck or
   * gone) is ended, and the row and advisory locks it held are freed. 0 for none. Default 60 s.
   */
  idleInTransactionTimeoutMs?: number;
  /** How long an unused pooled connection stays open. 0 keeps it open. Default 10 s. */
  idleTimeoutMs?: number;
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
/** How much longer than the statement timeout the client waits for a reply before it gives up on the connection. */
const QUERY_TIMEOUT_MARGIN_MS = 10_000;
const DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;
const DEFAULT_IDLE_TIMEOUT_MS = 10_000;
/** TCP keepalive probes start after this long without traffic, so a peer that vanished is noticed. */
const KEEPALIVE_INITIAL_DELAY_MS = 10_000;

/**
 * The TypeORM options for agentspan's PostgreSQL DataSource, not yet initialized (the TypeORM CLI wants exactly
 * this). synchronize is always off: the schema belongs to the migrations.
 */
export function agentspanDataSourceOptions(options: AgentspanDataSourceOptions = {}): PostgresDataSourceOptions {
  const url = options.url ?? process.env.DATABASE_URL;
  if (!url) {
    throw new Error('agentspan: no database URL (pass `url` or set DATABASE_URL, or use the embedded database)');
  }
  const statementTimeoutMs = milliseconds(options, 'statementTimeoutMs', DEFAULT_STATEMENT_TIMEOUT_MS);
  const queryTimeoutMs = milliseconds(
    options,
    'queryTimeoutMs',
    Math.max(statementTimeoutMs, DEFAULT_STATEMENT_TIMEOUT_MS) + QUERY_TIMEOUT_MARGIN_MS,
  );
  const idleInTransactionTimeoutMs = milliseconds(
    options,
    'idleInTransactionTimeoutMs',
    DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  );
  return {
    type: 'postgres',
    url,
    schema: options.schema,
    poolSize: options.poolSize ?? DEFAULT_POOL_SIZE,
    connectTimeoutMS: milliseconds(options, 'connectTimeoutMs', DEFAULT_CONNECT_TIMEOUT_MS),
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
    extra: {
      // Our client: a query without a reply closes its connection, and its errors always have a listener.
      Client: AgentspanPgClient,
      // Idle pooled connections must not keep the application's process alive.
      allowExitOnIdle: true,
      idleTimeoutMillis: milliseconds(options, 'idleTimeoutMs', DEFAULT_IDLE_TIMEOUT_MS),
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
      ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
      ...(queryTimeoutMs > 0 ? { query_timeout: queryTimeoutMs } : {}),
      ...(idleInTransactionTimeoutMs > 0 ? { idle_in_transaction_session_timeout: idleInTransactionTimeoutMs } : {}),
    },
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

type TimeoutOption =
  'connectTimeoutMs' | 'statementTimeoutMs' | 'queryTimeoutMs' | 'idleInTransactionTimeoutMs' | 'idleTimeoutMs';

/** A timeout option, or its default; a value that is not a usable number of milliseconds is a configuration error. */
function milliseconds(options: AgentspanDataSourceOptions, name: TimeoutOption, fallback: number): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_TIMER_MS) {
    throw new TypeError(`agentspan: option ${name} must be a number of milliseconds from 0 to ${MAX_TIMER_MS}`);
  }
  return Math.floor(value);
}

// setTimeout treats anything longer as 1 ms.
const MAX_TIMER_MS = 2_147_483_647;

function socketCodeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  const first = (error as { errors?: unknown[] } | null)?.errors?.[0];
  return first === undefined ? undefined : socketCodeOf(first);
}
