import { diag } from '@opentelemetry/api';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { letGo } from './embedded-idle';

/** Where the embedded database keeps its files unless told otherwise. */
export const DEFAULT_EMBEDDED_DATA_DIR = './.agentspan/pgdata';

/** Pass as `dataDir` for a throw-away database in memory (tests). */
export const IN_MEMORY = 'memory://';

export interface EmbeddedServerOptions {
  /** Directory for the database files, or IN_MEMORY. Default ./.agentspan/pgdata. */
  dataDir?: string;
  /** Port on 127.0.0.1; default 0, a free port chosen by the OS. */
  port?: number;
  /**
   * Client connections the socket server accepts. PGlite is one backend session shared by all of them (transactions
   * are serialized, session state is shared), so agentspan itself uses one. Default 1.
   */
  maxConnections?: number;
  /**
   * Whether the server alone keeps the process running, as a listening server does. Default true; `false` (what
   * createEmbeddedDataSource and startAgentTelemetry use) lets a process whose work is done exit while a client
   * connection sits idle, as the pool's idle connections do.
   */
  keepProcessAlive?: boolean;
}

export interface EmbeddedServer {
  /** postgres:// URL of the server, for pg / TypeORM. */
  readonly url: string;
  readonly dataDir: string;
  /** Stops the socket server, then PGlite (flushing its files). Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts PGlite (PostgreSQL compiled to WebAssembly, in process) and serves it over the PostgreSQL wire protocol on
 * 127.0.0.1, so the embedded mode goes through exactly the same pg / TypeORM path as a real server.
 *
 * One process per data directory: PGlite does not guard against a second process opening the same files.
 * Under jest, PGlite's CommonJS build needs node's --experimental-vm-modules (it loads built-ins with import());
 * the store's own tests run it in a child process instead (test/support/embedded-server-process.ts).
 */
export async function startEmbeddedServer(options: EmbeddedServerOptions = {}): Promise<EmbeddedServer> {
  const requested = options.dataDir ?? DEFAULT_EMBEDDED_DATA_DIR;
  const inMemory = requested.startsWith('memory://');
  const dataDir = inMemory ? requested : resolve(requested);
  if (!inMemory) mkdirSync(dataDir, { recursive: true });

  const db = await PGlite.create(inMemory ? undefined : dataDir);
  const server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: options.port ?? 0,
    maxConnections: options.maxConnections ?? 1,
  });
  server.addEventListener('error', (event) => {
    const detail = (event as CustomEvent<unknown>).detail;
    diag.warn(`agentspan: embedded database socket error: ${String((detail as Error | undefined)?.message ?? detail)}`);
  });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  if (options.keepProcessAlive === false) letGo(db, server);

  // getServerConn() is "127.0.0.1:<port>" once listening (the real port when 0 was asked for).
  const url = `postgres://postgres@${server.getServerConn()}/postgres`;
  let closing: Promise<void> | undefined;
  return {
    url,
    dataDir,
    close() {
      closing ??= (async () => {
        await server.stop();
        await db.close();
      })();
      return closing;
    },
  };
}
