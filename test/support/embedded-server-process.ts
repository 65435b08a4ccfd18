/**
 * Runs the library's embedded server (in-memory PGlite behind a socket server) as a child process of a test.
 *
 * Why a separate process: PGlite's CommonJS build loads Node built-ins with dynamic import(), which jest's module
 * sandbox refuses unless node runs with --experimental-vm-modules. Outside jest the same code runs in process.
 *
 * Protocol: prints one JSON line {"url": …} once listening; shuts down when stdin closes (the test closed it, or
 * the test process died) or on SIGTERM.
 */
import { IN_MEMORY, startEmbeddedServer } from '../../src/store/connection/embedded-server';

async function main(): Promise<void> {
  const maxConnections = Number(process.env.AGENTSPAN_TEST_MAX_CONNECTIONS ?? 8);
  const server = await startEmbeddedServer({ dataDir: IN_MEMORY, maxConnections });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close().finally(() => process.exit(0));
  };
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`embedded test server failed: ${String(error)}\n`);
  process.exit(1);
});
