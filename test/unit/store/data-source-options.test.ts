import 'reflect-metadata';
import { agentspanDataSourceOptions, AGENTSPAN_MIGRATIONS_TABLE } from '../../../src/store/data-source';
import { AgentDecision, AgentEvent, AgentExecution, AgentPerformance } from '../../../src/store/entities';
import { agentspanMigrations } from '../../../migrations';

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
    expect(options.entities).toEqual([AgentExecution, AgentPerformance, AgentDecision, AgentEvent]);
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
      applicationName: 'my-app',
    });
    expect(options).toMatchObject({
      schema: 'telemetry',
      poolSize: 3,
      connectTimeoutMS: 1234,
      applicationName: 'my-app',
      extra: { statement_timeout: 5678 },
    });
    // Idle pooled connections never keep the application's process alive.
    expect(agentspanDataSourceOptions({ url, statementTimeoutMs: 0 }).extra).toEqual({ allowExitOnIdle: true });
  });

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
