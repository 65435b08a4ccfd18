import { Command, CommanderError, Option } from 'commander';
import { AgentRunRepository } from '../query/agent-run-repository';
import { AgentspanQueryError } from '../query/agentspan-query-error';
import type { CostGroupBy, StatsGroupBy, StatsKind, StatsSource } from '../query/analytics-types';
import type { DecisionQueryOptions, ExecutionStatus, HistoryOptions } from '../query/types';
import { refreshHourlyRollups, rollupWatermark } from '../rollups/hourly-rollups';
import { describeDatabaseError, sqlStateOf } from '../store/connection/errors';
import { runMigrations } from '../store/connection/migrate';
import { pruneRuns } from '../store/maintenance/prune-runs';
import type { TenantRuns } from '../query/tenant-runs';
import { qualifiedTableName } from '../store/schema/table-names';
import { toAge, toNumber, toSince } from './cli-arguments';
import { CliError, EXIT_DATABASE, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './cli-error';
import { openCliStore, type CliStore, type CliStoreOptions } from './cli-store';
import { costRows, errorRows, metricRows, statsFooter, statsRows } from './analytics-format';
import { decisionRows, runRows, treeLines } from './run-format';
import { textTable } from './text-table';

export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

interface GlobalOptions {
  database?: string;
  dataDir?: string;
  json?: boolean;
}

/**
 * Runs the agentspan command line (arguments without `node` and the script) and returns its exit code. Everything
 * it prints goes through `output`; nothing calls process.exit, so it can be tested in process as well.
 */
export async function runCli(argv: readonly string[], output: CliOutput): Promise<number> {
  const program = buildProgram(output);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with code 0; usage errors were already printed by commander.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof CliError) {
      output.err(`agentspan: ${error.message}\n`);
      return error.exitCode;
    }
    output.err(`agentspan: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
}

function buildProgram(output: CliOutput): Command {
  const program = new Command('agentspan')
    .description('Query the agent runs agentspan persisted in PostgreSQL.')
    .option('--database <url>', 'PostgreSQL URL (default: DATABASE_URL, else the embedded database)')
    .option('--data-dir <dir>', 'directory of the embedded database', './.agentspan/pgdata')
    .option('--json', 'print JSON instead of tables')
    .exitOverride()
    .configureOutput({ writeOut: (text) => output.out(text), writeErr: (text) => output.err(text) })
    .showHelpAfterError('(run agentspan --help for usage)');

  program
    .command('migrate')
    .description("create or update agentspan's tables")
    .action(async () => {
      await withStore(program, { create: true }, async (store) => {
        const applied = await runMigrations(store.dataSource);
        print(program, output, { migrated: applied.length, database: store.where }, () =>
          applied.length === 0 ? `${store.where}: up to date\n` : `${store.where}: applied ${applied.length} migration(s)\n`,
        );
      });
    });

  program
    .command('runs')
    .description('agent runs, newest first')
    .option('--agent <name>', 'only this agent')
    .addOption(new Option('--status <status>', 'only runs with this status').choices(['running', 'completed', 'failed', 'cancelled', 'abandoned']))
    .option('--user <id>', 'only this user')
    .option('--tenant <id>', 'only this tenant')
    .option('--since <time>', 'started at or after (ISO 8601)')
    .option('--until <time>', 'started before (ISO 8601)')
    .option('--limit <n>', 'how many (1–1000)', toNumber, 20)
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (flags: Record<string, unknown>) => {
      const options: HistoryOptions = {
        agent: flags.agent as string | undefined,
        status: flags.status as HistoryOptions['status'],
        userId: flags.user as string | undefined,
        since: flags.since as string | undefined,
        until: flags.until as string | undefined,
        limit: flags.limit as number,
        cursor: flags.cursor as string | undefined,
      };
      await withStore(program, {}, async (store) => {
        const page = await runsOf(store, flags).history(options);
        print(program, output, page, () => {
          const tenant = flags.tenant === undefined ? '' : ` --tenant ${JSON.stringify(flags.tenant)}`;
          const next = page.nextCursor === null ? '' : `\nmore: agentspan runs${tenant} --cursor ${page.nextCursor}\n`;
          return textTable(runRows(page.runs), '(no runs)') + next;
        });
      });
    });

  program
    .command('show')
    .description('one run as a tree: durations, tokens, cost, decisions, errors')
    .argument('<id>', 'trace id (32 hex) or execution id (uuid)')
    .option('--tenant <id>', 'only if every execution of the run is this tenant\'s')
    .action(async (id: string, flags: Record<string, unknown>) => {
      await withStore(program, {}, async (store) => {
        const run = await runsOf(store, flags).getRun(id);
        if (run === null) throw new CliError(`no run with id ${id} in ${store.where}`, EXIT_FAILURE);
        print(program, output, run, () => `trace ${run.traceId}\n${treeLines(run.roots)}`);
      });
    });

  program
    .command('decisions')
    .description('decisions, newest first')
    .option('--agent <name>', 'only this agent')
    .option('--tenant <id>', 'only decisions of this tenant')
    .option('--min-confidence <x>', 'only decisions at least this confident (0–1)', toNumber)
    .addOption(new Option('--outcome <which>', 'only decisions with or without a recorded outcome').choices(['pending', 'recorded']))
    .option('--since <time>', 'occurred at or after (ISO 8601)')
    .option('--limit <n>', 'how many (1–1000)', toNumber, 20)
    .action(async (flags: Record<string, unknown>) => {
      const options: DecisionQueryOptions = {
        agent: flags.agent as string | undefined,
        minConfidence: flags.minConfidence as number | undefined,
        outcome: flags.outcome as DecisionQueryOptions['outcome'],
        since: flags.since as string | undefined,
        limit: flags.limit as number,
      };
      await withStore(program, {}, async (store) => {
        const page = await runsOf(store, flags).decisions(options);
        print(program, output, page, () => textTable(decisionRows(page.decisions), '(no decisions)'));
      });
    });

  program
    .command('prune')
    .description('delete old runs with their performance, decisions and events, in short batches')
    .requiredOption('--older-than <age>', 'an age (90d, 12h, 30m) or an ISO 8601 time', toAge)
    .option('--batch-size <n>', 'traces per transaction', toNumber, 500)
    .action(async (flags: { olderThan: number | string; batchSize: number }) => {
      await withStore(program, {}, async (store) => {
        const result = await pruneRuns(store.dataSource, { olderThan: flags.olderThan, batchSize: flags.batchSize });
        print(program, output, result, () =>
          `deleted ${result.traces} trace(s): ${result.executions} executions, ${result.performance} performance rows, ` +
          `${result.decisions} decisions, ${result.events} events\n`,
        );
      });
    });

  withFilterOptions(program.command('stats'))
    .description('runs per agent, model, user, tenant, status, hour or day: counts, success rate, p50/p95/p99, tokens, cost')
    .addOption(new Option('--group-by <what>', 'how to group').choices(['agent', 'model', 'user', 'tenant', 'status', 'hour', 'day']).default('agent'))
    .addOption(new Option('--kind <kind>', 'agent runs, LLM calls or tool calls (default: agent; llm for --group-by model)').choices(['agent', 'llm', 'tool']))
    .addOption(new Option('--source <source>', 'raw rows, hourly rollups, or auto (rollups for long ranges)').choices(['auto', 'raw', 'rollup']).default('auto'))
    .action(async (flags: Record<string, unknown>) => {
      await withStore(program, {}, async (store) => {
        const result = await runsOf(store, flags).stats({
          groupBy: flags.groupBy as StatsGroupBy,
          kind: flags.kind as StatsKind | undefined,
          source: flags.source as StatsSource,
          ...filterFlags(flags),
        });
        print(program, output, result, () => {
          const metrics = metricRows(result);
          return (
            textTable(statsRows(result), '(no runs)') +
            (metrics.length === 0 ? '' : `\n${textTable(metrics, '')}`) +
            statsFooter(result)
          );
        });
      });
    });

  withFilterOptions(program.command('errors'))
    .description('the most frequent failures, by error type and message, with the latest trace of each')
    .addOption(new Option('--kind <kind>', 'failed agent runs (default), LLM calls, tool calls or all').choices(['agent', 'llm', 'tool', 'all']))
    .option('--limit <n>', 'how many groups (1–100)', toNumber, 10)
    .action(async (flags: Record<string, unknown>) => {
      await withStore(program, {}, async (store) => {
        const groups = await runsOf(store, flags).topErrors({
          kind: flags.kind as StatsKind | 'all' | undefined,
          limit: flags.limit as number,
          ...filterFlags(flags),
        });
        print(program, output, groups, () => textTable(errorRows(groups), '(no failures)'));
      });
    });

  withFilterOptions(program.command('costs'))
    .description('cost and tokens per agent, model, user, tenant, hour or day, each token counted once')
    .addOption(new Option('--group-by <what>', 'how to group').choices(['agent', 'model', 'user', 'tenant', 'hour', 'day']).default('agent'))
    .action(async (flags: Record<string, unknown>) => {
      await withStore(program, {}, async (store) => {
        const result = await runsOf(store, flags).costBreakdown({
          groupBy: flags.groupBy as CostGroupBy,
          ...filterFlags(flags),
        });
        print(program, output, result, () => textTable(costRows(result), ''));
      });
    });

  program
    .command('rollup')
    .description('bring the hourly rollups up to date (or recompute a range of hours with --since)')
    .option('--since <time>', 'recompute every hour from this one (ISO 8601, or an age: 24h, 7d)', toSince)
    .option('--until <time>', 'up to this time (ISO 8601; default now)')
    .action(async (flags: { since?: string; until?: string }) => {
      await withStore(program, {}, async (store) => {
        const result = await refreshHourlyRollups(store.dataSource, { since: flags.since, until: flags.until });
        print(program, output, result, () =>
          result.refreshed
            ? `rolled up ${result.hours} hour(s) into ${result.rows} row(s)\n`
            : 'another refresh is running; nothing done\n',
        );
      });
    });

  program
    .command('health')
    .description('is the database reachable, and what does it hold')
    .action(async () => {
      await withStore(program, {}, async (store) => {
        const executions = qualifiedTableName(store.dataSource, 'agent_executions');
        const [row] = (await store.dataSource.query(
          `SELECT count(*) FILTER (WHERE kind = 'agent')::int AS runs,
                  count(*) FILTER (WHERE kind = 'agent' AND status = 'running')::int AS running,
                  count(*) FILTER (WHERE kind = 'agent' AND status = 'failed')::int AS failed,
                  count(*)::int AS executions,
                  max(started_at) AS "latestStart"
           FROM ${executions}`,
        )) as Array<{ runs: number; running: number; failed: number; executions: number; latestStart: Date | null }>;
        const rollupsRefreshedAt = await rollupWatermark(store.dataSource);
        const health = { database: store.where, reachable: true, ...row!, rollupsRefreshedAt };
        print(program, output, health, () =>
          textTable(
            [
              { what: 'database', value: store.where },
              { what: 'agent runs', value: String(health.runs) },
              { what: 'running now', value: String(health.running) },
              { what: 'failed', value: String(health.failed) },
              { what: 'executions', value: String(health.executions) },
              { what: 'latest start', value: health.latestStart === null ? '—' : new Date(health.latestStart).toISOString() },
              { what: 'rollups refreshed', value: rollupsRefreshedAt === null ? 'never' : rollupsRefreshedAt.toISOString() },
            ],
            '',
          ),
        );
      });
    });

  return program;
}

/** Opens the store for one command, turns database and argument errors into CliErrors, and always closes it. */
async function withStore(program: Command, options: Omit<CliStoreOptions, 'database' | 'dataDir'>, work: (store: CliStore) => Promise<void>) {
  const globals = program.opts<GlobalOptions>();
  const store = await openCliStore({ ...options, database: globals.database, dataDir: globals.dataDir });
  try {
    await work(store);
  } catch (error) {
    if (error instanceof CliError) throw error;
    if (error instanceof AgentspanQueryError || (error instanceof TypeError && error.message.startsWith('agentspan: '))) {
      // Argument checks of the repository and of pruneRuns.
      throw new CliError(error.message.replace(/^agentspan: /, ''), EXIT_USAGE);
    }
    if (sqlStateOf(error) === '42P01') {
      throw new CliError(`${store.where} has no agentspan tables: run \`agentspan migrate\` first`, EXIT_DATABASE);
    }
    if (sqlStateOf(error) !== undefined) throw new CliError(describeDatabaseError(error), EXIT_DATABASE);
    throw error;
  } finally {
    await store.close().catch(() => undefined);
  }
}

function print(program: Command, output: CliOutput, value: unknown, asText: () => string): void {
  output.out(program.opts<GlobalOptions>().json ? `${JSON.stringify(value, null, 2)}\n` : asText());
}

/** The repository, or with --tenant its view of that tenant: --tenant means the same on every command. */
function runsOf(store: CliStore, flags: Record<string, unknown>): AgentRunRepository | TenantRuns {
  const repository = new AgentRunRepository(store.dataSource);
  return flags.tenant === undefined ? repository : repository.forTenant(flags.tenant as string);
}

/** The filters every analytics command takes: agent, tenant, user, status, time range. */
function withFilterOptions(command: Command): Command {
  return command
    .option('--agent <name>', 'only this agent')
    .option('--tenant <id>', 'only this tenant')
    .option('--user <id>', 'only this user')
    .addOption(
      new Option('--status <status>', 'only executions with this status').choices(['running', 'completed', 'failed', 'cancelled', 'abandoned']),
    )
    .option('--since <time>', 'started at or after (ISO 8601), or an age: 24h, 7d', toSince)
    .option('--until <time>', 'started before (ISO 8601)');
}

/** The filters every analytics command takes, as the repository wants them (the tenant is runsOf's). */
function filterFlags(flags: Record<string, unknown>) {
  return {
    agent: flags.agent as string | undefined,
    userId: flags.user as string | undefined,
    status: flags.status as ExecutionStatus | undefined,
    since: flags.since as string | undefined,
    until: flags.until as string | undefined,
  };
}
