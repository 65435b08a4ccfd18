import 'reflect-metadata';
import { agentspanDataSourceOptions, AGENTSPAN_MIGRATIONS_TABLE } from '../../src/store/connection/data-source';
import {
  AgentDecision,
  AgentEvent,
  AgentExecution,
  AgentMetricsHourly,
  AgentPerformance,
  AgentspanRollupState,
  ModelPrice,
} from '../../src/store/schema/entities';
import { agentspanMigrations } from '../../migrations';
import { AgentspanPgClient } from '../../src/store/connection/pg-client';

describe('agentspanDataSourceOptions', () => {
  const url = 'postgres://agent:secret@db:5432/runs';

  it('never synchronizes, never logs by default and passes entities and migrations as classes', () => {
    const options = agentspanDataSourceOptions({ url });
    expect(options).toMatchObject({
      type: 'postgres',
      url,
      synchronize: false,
      migrationsRun: false,
      logging: false,
      migrationsTableName: AGENTSPAN_MIGRATIONS_TABLE,
      installExtensions: false,
      uuidExtension: 'pgcrypto',
    });
    expect(options.entities).toEqual([
      AgentExecution,
      AgentPerformance,
      AgentDecision,
      AgentEvent,
      AgentMetricsHourly,
      AgentspanRollupState,
      ModelPrice,
    ]);
    expect(options.migrations).toBe(agentspanMigrations);
    for (const migration of agentspanMigrations) expect(typeof migration).toBe('function');
  });

  it('applies pool size, schema, timeouts and application name', () => {
    const options = agentspanDataSourceOptions({
      url,
      schema: 'telemetry',
      poolSize: 3,
      connectTimeoutMs: 1234,
      statementTimeoutMs: 5678,
      queryTimeoutMs: 9012,
      idleInTransactionTimeoutMs: 3456,
      idleTimeoutMs: 7890,
      applicationName: 'my-app',
    });
    expect(options).toMatchObject({
      schema: 'telemetry',
      poolSize: 3,
      connectTimeoutMS: 1234,
      applicationName: 'my-app',
      extra: {
        statement_timeout: 5678,
        query_timeout: 9012,
        idle_in_transaction_session_timeout: 3456,
        idleTimeoutMillis: 7890,
        // Idle pooled connections never keep the application's process alive.
        allowExitOnIdle: true,
        keepAlive: true,
        Client: AgentspanPgClient,
      },
    });
  });

  it('bounds every database call by default, the client waiting longer than the server', () => {
    const { connectTimeoutMS, extra } = agentspanDataSourceOptions({ url });
    expect(connectTimeoutMS).toBe(10_000);
    expect(extra).toMatchObject({
      statement_timeout: 60_000,
      query_timeout: 70_000,
      idle_in_transaction_session_timeout: 60_000,
      idleTimeoutMillis: 10_000,
    });
    // A longer statement timeout moves the client's wait with it.
    expect(agentspanDataSourceOptions({ url, statementTimeoutMs: 120_000 }).extra).toMatchObject({
      query_timeout: 130_000,
    });
  });

  it('leaves a timeout out when it is 0', () => {
    const { extra } = agentspanDataSourceOptions({
      url,
      statementTimeoutMs: 0,
      queryTimeoutMs: 0,
      idleInTransactionTimeoutMs: 0,
    });
    expect(extra).not.toHaveProperty('statement_timeout');
    expect(extra).not.toHaveProperty('query_timeout');
    expect(extra).not.toHaveProperty('idle_in_transaction_session_timeout');
    // Without a server-side statement timeout the client still gives up on a query that gets no reply.
    expect(agentspanDataSourceOptions({ url, statementTimeoutMs: 0 }).extra).toMatchObject({ query_timeout: 70_000 });
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, '1000', 2 ** 31])(
    'refuses the timeout %p, naming the option',
    (value) => {
      expect(() => agentspanDataSourceOptions({ url, queryTimeoutMs: value as number })).toThrow(
        /option queryTimeoutMs/,
      );
    },
  );

  it('installs a pool error handler that reports instead of crashing', () => {
    const { poolErrorHandler } = agentspanDataSourceOptions({ url });
    expect(typeof poolErrorHandler).toBe('function');
    expect(() => poolErrorHandler!(new Error('Connection terminated unexpectedly'))).not.toThrow();
  });

  it('falls back to DATABASE_URL and explains what is missing without it', () => {
    const saved = process.env.DATABASE_URL;
    try {
      process.env.DATABASE_URL = 'postgres://from-env/db';
      expect(agentspanDataSourceOptions().url).toBe('postgres://from-env/db');
      delete process.env.DATABASE_URL;
      expect(() => agentspanDataSourceOptions()).toThrow(/DATABASE_URL/);
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
  });
});
