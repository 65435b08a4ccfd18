import type { Command } from 'commander';
import { AgentRunRepository } from '../../query/agent-run-repository';
import { startUiServer } from '../../ui/server/ui-server';
import { DEFAULT_UI_PORT } from '../../ui/server/ui-server-options';
import { CliError, EXIT_USAGE } from '../context/cli-error';
import type { CommandContext } from '../context/command-context';
import { withStore } from '../context/with-store';
import { toNumber } from '../flags/number-argument';
import { addTenantFlag } from '../flags/tenant-flag';

/**
 * `agentspan ui`: the dashboard over the database (--database, DATABASE_URL or the embedded one), until Ctrl-C.
 * --tenant pins every request to one tenant; another address than 127.0.0.1 needs --token (or AGENTSPAN_UI_TOKEN).
 */
export function addUiCommand(program: Command, context: CommandContext): void {
  addTenantFlag(program.command('ui'), 'show only this tenant: every page and API request is pinned to it')
    .description('serve the dashboard: live runs, a run’s waterfall, analytics, decisions (Ctrl-C to stop)')
    .option('--port <n>', 'TCP port (0: any free one)', toNumber, DEFAULT_UI_PORT)
    .option('--host <address>', 'address to bind; anything but loopback needs --token', '127.0.0.1')
    .option('--token <secret>', 'a secret (16+ characters) every request must carry (default AGENTSPAN_UI_TOKEN)')
    .action((flags: Record<string, unknown>) => serveUi(context, flags));
}

async function serveUi(context: CommandContext, flags: Record<string, unknown>): Promise<void> {
  const { io } = context;
  const env = io.env ?? process.env;
  await withStore(context, {}, async (store) => {
    const tenant = flags.tenant as string | undefined;
    let server;
    try {
      server = await startUiServer(
        {
          runs: new AgentRunRepository(store.dataSource),
          dataSource: async () => store.dataSource,
          tenant,
        },
        {
          port: flags.port as number,
          host: flags.host as string,
          token: (flags.token as string | undefined) ?? env.AGENTSPAN_UI_TOKEN,
        },
      );
    } catch (error) {
      // Option checks (an address without a token, a short token) and a port already taken.
      throw new CliError(String((error as Error).message).replace(/^agentspan: /, ''), EXIT_USAGE);
    }
    io.stdout(
      `agentspan dashboard on ${server.url} (${store.where}${tenant === undefined ? '' : `, tenant ${tenant}`})\n`,
    );
    await new Promise<void>((resolve) => {
      if (io.signal !== undefined) io.signal.addEventListener('abort', () => resolve(), { once: true });
      else process.once('SIGINT', () => resolve());
    });
    await server.close();
  });
}
