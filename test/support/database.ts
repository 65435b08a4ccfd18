import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { firstJsonLine, spawnTypeScript, stopChild } from './child-process';

export interface TestDatabase {
  /** postgres:// URL of a database that exists only for this test file. */
  readonly url: string;
  /** True when the database is a real PostgreSQL server (DATABASE_URL), false for in-memory PGlite. */
  readonly isServer: boolean;
  close(): Promise<void>;
}

/**
 * A fresh, empty database. With DATABASE_URL set: a uniquely named database created on that server (through the
 * database named in the URL, as maintenance database) and dropped again in close(). Without: an in-memory PGlite
 * behind a socket server (the library's embedded server, in a child process: see embedded-server-process.ts).
 * Tests never see data from an earlier run.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  return serverUrl ? createServerDatabase(serverUrl) : createEmbeddedDatabase();
}

async function createServerDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `agentspan_test_${randomBytes(6).toString('hex')}`;
  await withMaintenanceClient(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    isServer: true,
    close: () =>
      withMaintenanceClient(serverUrl, async (client) => {
        // FORCE (PostgreSQL 13+) ends connections a failed test may have left open.
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }),
  };
}

async function withMaintenanceClient(serverUrl: string, work: (client: Client) => Promise<unknown>): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

async function createEmbeddedDatabase(): Promise<TestDatabase> {
  return startEmbeddedTestServer();
}

/**
 * An in-memory embedded server in a child process whatever DATABASE_URL says: for tests that need to take the
 * database away (close() stops it like a crashed server).
 */
export async function startEmbeddedTestServer(): Promise<TestDatabase> {
  // Several connections, so tests can open two DataSources (e.g. concurrent migrators) on the same database.
  const child = spawnTypeScript('test/support/embedded-server-process.ts', { AGENTSPAN_TEST_MAX_CONNECTIONS: '8' });
  try {
    const { url } = await firstJsonLine<{ url: string }>(child);
    return { url, isServer: false, close: () => stopChild(child) };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}
