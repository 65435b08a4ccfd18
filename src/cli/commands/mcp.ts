import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Command } from 'commander';
import { Writable } from 'node:stream';
import { maskUrl } from '../../capture/mask-url';
import { databaseLease } from '../../mcp/database-lease';
import { createAgentspanMcpServer } from '../../mcp/mcp-server';
import { DatabaseUnavailableError } from '../../mcp/tool-errors';
import { AgentspanQueryError } from '../../query/agentspan-query-error';
import { checkDatabaseUrl } from '../../setup/options';
import { CliError, EXIT_USAGE } from '../context/cli-error';
import type { CliIo } from '../context/cli-io';
import { openCliStore, type CliStore } from '../context/cli-store';
import type { CommandContext } from '../context/command-context';
import { logDiagTo } from '../context/diag-to-stderr';
import { failureText, withoutPrefix } from '../context/failure-text';
import { addTenantFlag } from '../flags/tenant-flag';

/**
 * `agentspan mcp`: a Model Context Protocol server on stdin and stdout over the database (--database, DATABASE_URL or
 * the embedded one), with read-only tools, until the client closes stdin (or SIGINT, SIGTERM). stdout carries the
 * protocol and nothing else: every other line goes to stderr. A database that cannot be opened does not stop it: each
 * tool call says so and tries again.
 */
export function addMcpCommand(program: Command, context: CommandContext): void {
  addTenantFlag(program.command('mcp'), 'pin every tool to this tenant: other tenants’ runs are invisible')
    .description('serve the runs to a coding agent over the Model Context Protocol on stdio (read-only tools)')
    .action((flags: Record<string, unknown>) => serveMcp(context, flags));
}

async function serveMcp(context: CommandContext, flags: Record<string, unknown>): Promise<void> {
  const { io } = context;
  const globals = context.globals();
  const env = io.env ?? process.env;
  const url = globals.database ?? env.DATABASE_URL;
  if (url) {
    try {
      checkDatabaseUrl(url, globals.database === undefined ? 'DATABASE_URL' : '--database');
    } catch (error) {
      // A URL that can never work is the command line's fault: refused now, not at every tool call.
      throw new CliError(withoutPrefix((error as Error).message), EXIT_USAGE);
    }
  }
  const open = () => openCliStore({ database: globals.database, dataDir: globals.dataDir, env });
  // The embedded database is for one process at a time: held only while a burst of calls runs.
  const database = databaseLease(() => openOrExplain(open), url ? Number.POSITIVE_INFINITY : EMBEDDED_IDLE_CLOSE_MS);
  let server;
  try {
    server = createAgentspanMcpServer({
      database,
      tenant: flags.tenant as string | undefined,
      where: url ? maskUrl(url) : globals.dataDir,
    });
  } catch (error) {
    if (error instanceof AgentspanQueryError) throw new CliError(withoutPrefix(error.message), EXIT_USAGE);
    throw error;
  }
  const restoreDiag = logDiagTo(io, 'agentspan mcp');
  try {
    // Opened now, so that a database that cannot be opened is reported at once (tool calls say so too).
    database
      .use(async () => undefined)
      .catch((error: unknown) => io.stderr(`agentspan mcp: ${(error as Error).message}\n`));
    server.server.onerror = (error) => io.stderr(`agentspan mcp: ${withoutPrefix(error.message)}\n`);
    const stopped = untilStopped(io);
    await server.connect(new StdioServerTransport(process.stdin, stdoutOf(io)));
    await stopped;
    await server.close();
  } finally {
    await database.close();
    restoreDiag();
  }
}

/** How long the embedded database stays open after the last tool call: a burst of calls shares one open. */
const EMBEDDED_IDLE_CLOSE_MS = 2_000;

/** The store, or a DatabaseUnavailableError that says why not, without a password. */
async function openOrExplain(open: () => Promise<CliStore>): Promise<CliStore> {
  try {
    return await open();
  } catch (error) {
    // openCliStore's CliErrors already say what failed, passwords masked; anything else is described so.
    throw new DatabaseUnavailableError(error instanceof CliError ? error.message : failureText(error));
  }
}

/** The protocol's stdout: the CLI's stdout, so that nothing but the transport writes there. */
function stdoutOf(io: CliIo): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      io.stdout(chunk.toString());
      done();
    },
  });
}

/** Resolves when the client closes stdin, or on io.signal, SIGINT or SIGTERM. */
function untilStopped(io: CliIo): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.stdin.off('end', stop).off('close', stop);
      process.off('SIGINT', stop).off('SIGTERM', stop);
      resolve();
    };
    process.stdin.once('end', stop).once('close', stop);
    if (io.signal !== undefined) io.signal.addEventListener('abort', stop, { once: true });
    else process.once('SIGINT', stop).once('SIGTERM', stop);
  });
}
