import type { Command } from 'commander';
import { DEFAULT_COLLECTOR_PORT } from '../../collect/collector-options';
import { startCollectorService } from '../../collect/collector-service';
import { maskUrl } from '../../capture/mask-url';
import { checkDatabaseUrl } from '../../setup/options';
import { DEFAULT_EMBEDDED_DATA_DIR } from '../../store/connection/embedded';
import { CliError, EXIT_USAGE } from '../context/cli-error';
import type { CommandContext } from '../context/command-context';
import { logDiagTo } from '../context/diag-to-stderr';
import { withoutPrefix } from '../context/failure-text';
import { toNumber } from '../flags/number-argument';

/**
 * `agentspan collect`: an OTLP/HTTP endpoint (POST /v1/traces) that maps the spans of any language's SDK and writes
 * them as the in-process processor does, until Ctrl-C or SIGTERM, then writes what it holds (or spills it).
 */
export function addCollectCommand(program: Command, context: CommandContext): void {
  program
    .command('collect')
    .description('take OTLP/HTTP traces from any SDK on /v1/traces and store their runs (Ctrl-C to stop)')
    .option('--port <n>', 'TCP port (0: any free one)', toNumber, DEFAULT_COLLECTOR_PORT)
    .option('--host <address>', 'address to bind; anything but loopback needs --token', '127.0.0.1')
    .option('--token <secret>', 'a secret (16+ characters) every request must carry (default AGENTSPAN_COLLECT_TOKEN)')
    .option('--tenant <id>', 'store every span under this tenant')
    .option('--tenant-header <name>', 'the request header naming the tenant of its spans', 'x-agentspan-tenant')
    .option('--no-tenant-header', 'read no tenant header')
    .option('--spill-dir <dir>', 'keep what cannot be written now in files there, and replay them')
    .option('--max-body-bytes <n>', 'largest request body (413 beyond)', toNumber)
    .option('--queue-wait <ms>', 'how long a request may wait for room in a full queue before a 429', toNumber)
    .option('--max-requests <n>', 'requests taken at once; past it, 429 without reading them', toNumber)
    .option(
      '--workers <n>',
      'threads that decode, map and write (default: one per core, at most 4; 0 on the embedded database)',
      toNumber,
    )
    .option('--no-migrate', 'do not run agentspan’s migrations at start')
    .action((flags: Record<string, unknown>) => collect(context, flags));
}

async function collect(context: CommandContext, flags: Record<string, unknown>): Promise<void> {
  const { io } = context;
  const env = io.env ?? process.env;
  const globals = context.globals();
  const databaseUrl = globals.database ?? env.DATABASE_URL;
  let service;
  try {
    if (databaseUrl) checkDatabaseUrl(databaseUrl, globals.database === undefined ? 'DATABASE_URL' : '--database');
    service = await startCollectorService({
      port: flags.port as number,
      host: flags.host as string,
      token: (flags.token as string | undefined) ?? env.AGENTSPAN_COLLECT_TOKEN,
      tenant: flags.tenant as string | undefined,
      tenantHeader: flags.tenantHeader as string | false,
      maxBodyBytes: flags.maxBodyBytes as number | undefined,
      queueWaitMs: flags.queueWait as number | undefined,
      maxRequestsInProgress: flags.maxRequests as number | undefined,
      databaseUrl: databaseUrl || undefined,
      dataDir: globals.dataDir,
      migrate: flags.migrate !== false,
      workers: flags.workers as number | undefined,
      processor: flags.spillDir === undefined ? {} : { spill: { directory: flags.spillDir as string } },
    });
  } catch (error) {
    // Option checks (an address without a token, a short token, a bad URL) and a port already taken.
    throw new CliError(withoutPrefix(String((error as Error).message)), EXIT_USAGE);
  }
  const restoreDiag = logDiagTo(io, 'agentspan collect');
  const where = databaseUrl ? maskUrl(databaseUrl) : (globals.dataDir ?? DEFAULT_EMBEDDED_DATA_DIR);
  io.stdout(`agentspan collector on ${service.collector.url}v1/traces (writing to ${where})\n`);
  await new Promise<void>((resolve) => {
    if (io.signal !== undefined) {
      io.signal.addEventListener('abort', () => resolve(), { once: true });
      return;
    }
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await service.close();
  restoreDiag();
  const stats = service.stats();
  io.stdout(
    `agentspan collector stopped: ${stats.written} record(s) written, ${stats.droppedTotal} dropped` +
      (stats.spilled > 0 ? `, ${stats.spillPending} left in the spill` : '') +
      '\n',
  );
}
