import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Client } from 'pg';
import { firstJsonLine, spawnTypeScript, stopChild } from './child-process';
import { createCitusDatabase, testsAreDistributed } from './citus-database';

export interface TestDatabase {
  /** postgres:// URL of a database that exists only for this test file. */
  readonly url: string;
  /** True when the database is a real PostgreSQL server (DATABASE_URL), false for in-memory PGlite. */
  readonly isServer: boolean;
  close(): Promise<void>;
}

/**
 * A fresh, empty database (`empty`: one without agentspan's tables even under npm run test:citus, which otherwise
 * hands out migrated, distributed ones). With DATABASE_URL set: a uniquely named database created on that server (through the
 * database named in the URL, as maintenance database) and dropped again in close(). Without: an in-memory PGlite of
 * its own behind a socket server of its own, destroyed in close() — from this jest worker's embedded database pool
 * (embedded-pool-process.ts, started by jest-global-setup.js), or else in a child process of its own
 * (embedded-server-process.ts). Tests never see data from an earlier run or another test.
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  return serverUrl ? createServerDatabase(serverUrl, options.empty === true) : createEmbeddedDatabase();
}

async function createServerDatabase(serverUrl: string, empty: boolean): Promise<TestDatabase> {
  if (testsAreDistributed()) {
    // npm run test:citus: a database of the cluster, its tables distributed before the test sees it (unless the test
    // needs a database without them).
    return { ...(await createCitusDatabase(serverUrl, { migrated: !empty })), isServer: true };
  }
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
 * An in-memory embedded server whatever DATABASE_URL says: for tests that need to take the database away (close()
 * stops it like a crashed server: its connections closed, its port no longer listening).
 */
export async function startEmbeddedTestServer(): Promise<TestDatabase> {
  const pool = poolOfThisWorker();
  return pool ? openPooledDatabase(pool) : startEmbeddedServerProcess();
}

/** The socket path of this jest worker's embedded database pool, if jest-global-setup.js started pools. */
function poolOfThisWorker(): string | undefined {
  const pools = (process.env.AGENTSPAN_TEST_PGLITE_POOLS ?? '').split(',').filter(Boolean);
  if (pools.length === 0) return undefined;
  const worker = Math.max(1, Number(process.env.JEST_WORKER_ID ?? 1) || 1);
  return pools[(worker - 1) % pools.length];
}

/** A new database from the pool: it lives as long as the control connection to the pool stays open. */
async function openPooledDatabase(path: string): Promise<TestDatabase> {
  const socket = await connectToPool(path, 60_000);
  // A test that forgets to close a database must not keep jest from exiting.
  socket.unref();
  try {
    const answer = await firstLine<{ url?: string; error?: string }>(socket, 60_000);
    if (!answer.url) throw new Error(`the embedded database pool failed: ${answer.error ?? 'no URL'}`);
    let closing: Promise<void> | undefined;
    return {
      url: answer.url,
      isServer: false,
      close: () =>
        (closing ??= new Promise<void>((resolve) => {
          if (socket.destroyed) return resolve();
          const timer = setTimeout(() => socket.destroy(), 10_000);
          socket.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          socket.end();
        })),
    };
  } catch (error) {
    socket.destroy();
    throw error;
  }
}

/** Connects to the pool's socket, retrying while the pool is still starting (it listens once it is ready). */
async function connectToPool(path: string, timeoutMs: number): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = connect(path);
        socket.once('connect', () => {
          socket.removeListener('error', reject);
          resolve(socket);
        });
        socket.once('error', reject);
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ECONNREFUSED') || Date.now() > deadline) {
        throw new Error(`cannot reach the embedded database pool at ${path}: ${String(error)}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The first JSON line the pool sends on this connection. */
function firstLine<T>(socket: Socket, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let text = '';
    const done = (settle: () => void) => {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
      socket.removeListener('error', onError);
      settle();
    };
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const newline = text.indexOf('\n');
      if (newline < 0) return;
      done(() => {
        try {
          resolve(JSON.parse(text.slice(0, newline)) as T);
        } catch (error) {
          reject(error as Error);
        }
      });
    };
    const onClose = () => done(() => reject(new Error('the embedded database pool closed the connection')));
    const onError = (error: Error) => done(() => reject(error));
    const timer = setTimeout(
      () => done(() => reject(new Error(`no database from the embedded database pool within ${timeoutMs} ms`))),
      timeoutMs,
    );
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onError);
  });
}

/** An embedded server in a child process of its own (no pool: e.g. with DATABASE_URL, or outside jest). */
async function startEmbeddedServerProcess(): Promise<TestDatabase> {
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
