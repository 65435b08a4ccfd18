import { diag } from '@opentelemetry/api';
import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { Server, type Socket } from 'node:net';

/**
 * Lets a process exit while its embedded database is idle, as a pool's idle connections do (`allowExitOnIdle`).
 * Two things hold the process otherwise (seen with `process.getActiveResourcesInfo()`):
 * - the socket server: it listens, and keeps the connections it accepted (the pool unrefs the client's side of an
 *   idle connection, not this side);
 * - PostgreSQL's own timers inside PGlite, which emscripten sets with Node's setTimeout: after a query PostgreSQL arms
 *   a 10 s timer to flush its statistics, so a process would linger 10 s after its last query.
 * Neither needs to hold the process: a query under way holds it through the client's socket, and a timer still fires
 * while the process runs. Closing the database (shutdown, or on `beforeExit`) ends them all.
 */
export function letGo(db: PGlite, server: PGLiteSocketServer): void {
  // PGLiteSocketServer keeps its net.Server in a private field (pglite-socket 0.2, pinned in package.json); if a
  // version moves it, the process is held as before, which is only slower to exit.
  const listening = (server as unknown as { server?: unknown }).server;
  if (listening instanceof Server) {
    listening.unref();
    listening.on('connection', (socket: Socket) => socket.unref());
  } else {
    diag.debug('agentspan: the embedded socket server has no net.Server to unref; it keeps the process alive');
  }
  // Every query of every connection runs through this synchronous call (PGlite's public method), and PostgreSQL
  // arms its timers inside it: only PGlite's code runs while setTimeout is swapped.
  const execute = db.execProtocolRawSync.bind(db);
  db.execProtocolRawSync = (message: Uint8Array) => withTimersUnref(() => execute(message));
}

/** Runs `work` (synchronous) with every timer it sets unref'd. */
function withTimersUnref<T>(work: () => T): T {
  const original = globalThis.setTimeout;
  globalThis.setTimeout = function (this: unknown, ...args: Parameters<typeof setTimeout>) {
    const timer = original.apply(this, args);
    timer.unref?.();
    return timer;
  } as typeof setTimeout;
  try {
    return work();
  } finally {
    globalThis.setTimeout = original;
  }
}
