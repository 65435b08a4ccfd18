/**
 * A factory of embedded test databases, one process per jest worker (started by jest-global-setup.js), so a test
 * file does not pay for a node process, WebAssembly compilation and initdb for every database it creates.
 *
 * Every database is still its own in-memory PGlite behind its own socket server, as embedded-server-process.ts
 * serves one (127.0.0.1, a free port, up to 8 connections): created fresh for the test that asks for it, never
 * reused, and destroyed when that test closes it. One setting differs from PGlite's defaults: shared_buffers is
 * 16 MB, not 128 MB. Initializing the buffer pool is half of a new PGlite's start-up (0.5 of 1.1 s of CPU, for each
 * of the suite's ~80 databases) and no test depends on its size (on a server the tests get whatever the server has);
 * the library's embedded server with PGlite's defaults is tested where it is the subject, through src/:
 * test/store/embedded.test.ts, the quickstart and the examples. What is shared is only what no test can
 * change: the compiled WebAssembly modules, the file-system bundle, and a template — the data directory of a PGlite
 * straight after initdb, before any client ever connected — that each new database is loaded from instead of running
 * initdb again. One database is prepared ahead while no test of this worker has a database open, so it never takes
 * time from a running test.
 *
 * Protocol: `embedded-pool-process.ts <socket path>` listens on that Unix socket (a test connecting before it does
 * retries). A test connects once per database: the process answers one JSON line {"url": …} (or {"error": …}), and
 * the database lives until the test ends its side of the connection (or the connection breaks: the test process
 * died); then it is stopped like a crashed server (its client connections are closed, its port stops listening,
 * PGlite is closed), and the process answers {"closed": true} and ends the connection. The process exits when its
 * stdin closes (jest's global teardown, or jest died) or on SIGTERM. It compiles and runs initdb at once with
 * AGENTSPAN_TEST_POOL_EAGER=1, else on the first request (a worker jest never starts costs next to nothing). With
 * AGENTSPAN_TEST_POOL_STATS set it reports on exit how many databases it made and the CPU time it used.
 */
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { dirname, join } from 'node:path';

type WasmModule = NonNullable<PGliteOptions['pgliteWasmModule']>;
/** node's WebAssembly global (this project's TypeScript libraries do not declare it). */
const { WebAssembly: wasm } = globalThis as unknown as {
  WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> };
};

interface Database {
  readonly url: string;
  close(): Promise<void>;
}

const MAX_CONNECTIONS = Number(process.env.AGENTSPAN_TEST_MAX_CONNECTIONS ?? 8);

/** Compiles PGlite once and makes the template; the first PGlite (pristine) becomes the first spare. */
async function prepare(): Promise<{ fresh: () => Promise<PGlite>; first: PGlite }> {
  const dist = dirname(require.resolve('@electric-sql/pglite'));
  const [pgliteWasmModule, initdbWasmModule] = await Promise.all([
    wasm.compile(readFileSync(join(dist, 'pglite.wasm'))),
    wasm.compile(readFileSync(join(dist, 'initdb.wasm'))),
  ]);
  const shared: PGliteOptions = {
    // See above: the only setting that differs from PGlite's defaults.
    postgresqlconf: ['shared_buffers = 16MB'],
    pgliteWasmModule,
    initdbWasmModule,
    fsBundle: new Blob([readFileSync(join(dist, 'pglite.data'))]),
  };
  const first = await PGlite.create(shared);
  const dump = await first.dumpDataDir('none');
  const template = new TemplateTarball(new Uint8Array(await dump.arrayBuffer()), dump.type);
  return { first, fresh: () => PGlite.create({ ...shared, loadDataDir: template }) };
}

/**
 * The template as PGlite reads it (a tarball Blob, of which it calls arrayBuffer()), handing out a copy of bytes
 * already in memory: node's own Blob.arrayBuffer() streams its 40 MB through chunks again for every database.
 */
class TemplateTarball extends Blob {
  readonly #tarball: Uint8Array;

  constructor(tarball: Uint8Array, type: string) {
    super([], { type });
    this.#tarball = tarball;
  }

  override async arrayBuffer(): Promise<ArrayBuffer> {
    return this.#tarball.slice().buffer;
  }
}

async function serve(db: PGlite): Promise<Database> {
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: MAX_CONNECTIONS });
  // Client sockets reset by a test (the fault proxies do it on purpose) are expected; nothing to report.
  server.addEventListener('error', () => undefined);
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}

async function main(): Promise<void> {
  const path = process.argv[2];
  if (!path) throw new Error('usage: embedded-pool-process.ts <socket path>');
  let created = 0;
  const stop = () => {
    rmSync(path, { force: true });
    if (process.env.AGENTSPAN_TEST_POOL_STATS) {
      const { user, system } = process.cpuUsage();
      const cpu = ((user + system) / 1e6).toFixed(1);
      process.stderr.write(`embedded database pool ${path}: ${created} databases, ${cpu} s CPU\n`);
    }
    process.exit(0);
  };
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);

  let prepared: ReturnType<typeof prepare> | undefined;
  let spare: Promise<PGlite> | undefined;
  const ready = () =>
    (prepared ??= prepare().then((result) => {
      spare = Promise.resolve(result.first);
      return result;
    }));
  if (process.env.AGENTSPAN_TEST_POOL_EAGER === '1') ready().catch(() => undefined);

  let open = 0;
  const take = async (): Promise<PGlite> => {
    const { fresh } = await ready();
    created += 1;
    const db = spare ?? fresh();
    spare = undefined;
    return db;
  };
  /** A database made ahead, only while this worker's tests have none open (it would slow a running one). */
  const prepareSpare = () => {
    if (open > 0 || spare !== undefined || prepared === undefined) return;
    const making = prepared.then(({ fresh }) => fresh());
    spare = making;
    making.catch(() => {
      if (spare === making) spare = undefined;
    });
  };

  const control = createServer({ allowHalfOpen: true }, (socket: Socket) => {
    open += 1;
    let finished = false;
    const database = take().then(serve);
    const finish = async () => {
      if (finished) return;
      finished = true;
      try {
        await (await database.catch(() => undefined))?.close();
      } catch {
        // Already stopped.
      }
      open -= 1;
      if (!socket.destroyed) socket.end(`${JSON.stringify({ closed: true })}\n`);
      prepareSpare();
    };
    socket.on('error', () => void finish());
    socket.on('end', () => void finish());
    socket.on('close', () => void finish());
    socket.resume();
    database.then(
      ({ url }) => {
        if (!finished) socket.write(`${JSON.stringify({ url })}\n`);
      },
      (error: unknown) => {
        if (!finished) socket.end(`${JSON.stringify({ error: String(error) })}\n`);
      },
    );
  });
  rmSync(path, { force: true });
  await new Promise<void>((resolve, reject) => {
    control.once('error', reject);
    control.listen(path, resolve);
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`embedded test database pool failed: ${String(error)}\n`);
  process.exit(1);
});
