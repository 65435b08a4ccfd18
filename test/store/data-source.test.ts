import 'reflect-metadata';
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { createServer } from 'node:net';
import { Client } from 'pg';
import { createAgentspanDataSource } from '../../src/store/connection/data-source';
import { isTransientError } from '../../src/store/connection/errors';
import { createTestDatabase, type TestDatabase } from '../support/database';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.close();
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function captureDiag(): { warnings: string[]; restore(): void } {
  const warnings: string[] = [];
  const logger: DiagLogger = {
    error: (message) => warnings.push(message),
    warn: (message) => warnings.push(message),
    info: () => undefined,
    debug: () => undefined,
    verbose: () => undefined,
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  return { warnings, restore: () => diag.disable() };
}

describe('createAgentspanDataSource', () => {
  it('returns an initialized DataSource that can query', async () => {
    const dataSource = await createAgentspanDataSource({ url: database.url, poolSize: 1 });
    try {
      expect(dataSource.isInitialized).toBe(true);
      expect(await dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('fails with a retryable error that never shows the password', async () => {
    const password = 'Sup3r-S3cret-pw';
    const url = `postgres://agent:${password}@127.0.0.1:${await closedPort()}/runs`;
    const failure = await createAgentspanDataSource({ url, connectTimeoutMs: 2_000 }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect(failure!.message).toContain('postgres://agent:***@127.0.0.1');
    expect(failure!.message).not.toContain(password);
    expect(JSON.stringify(failure)).not.toContain(password);
    expect(String(failure!.stack)).not.toContain(password);
    expect(isTransientError(failure)).toBe(true);
  });

  it('survives an idle pooled connection dying and reports it through diag', async () => {
    const dataSource = await createAgentspanDataSource({ url: database.url, poolSize: 2 });
    const captured = captureDiag();
    try {
      await dataSource.query('SELECT 1');
      const pool = (
        dataSource.driver as unknown as { master: { idleCount: number; _clients: Array<{ emit: Function }> } }
      ).master;
      expect(pool.idleCount).toBeGreaterThan(0);

      if (database.isServer) {
        // The real thing: the server ends the idle backends under the pool.
        const admin = new Client({ connectionString: database.url });
        await admin.connect();
        await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        );
        await admin.end();
      } else {
        // PGlite has no separate backends to terminate: raise what pg raises on a dead idle socket.
        pool._clients[0]!.emit('error', new Error('Connection terminated unexpectedly'));
      }

      await waitFor(() => captured.warnings.length > 0);
      expect(captured.warnings.join('\n')).toMatch(/agentspan: idle database connection failed/);
      // The pool replaced the dead client.
      expect(await dataSource.query('SELECT 2 AS two')).toEqual([{ two: 2 }]);
    } finally {
      captured.restore();
      await dataSource.destroy();
    }
  });

  const onServer = process.env.DATABASE_URL ? it : it.skip;
  onServer('sets the statement timeout on its connections', async () => {
    const dataSource = await createAgentspanDataSource({ url: database.url, poolSize: 1, statementTimeoutMs: 4_000 });
    try {
      expect(await dataSource.query('SHOW statement_timeout')).toEqual([{ statement_timeout: '4s' }]);
    } finally {
      await dataSource.destroy();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
