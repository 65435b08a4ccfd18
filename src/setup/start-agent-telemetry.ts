import { context, diag, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ScrubbingSpanExporter } from '../export/scrubbing-span-exporter';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { DataSource } from 'typeorm';
import { waitBriefly } from '../internal/wait-briefly';
import { checkCaptureOptions, configureCapture } from '../capture/settings';
import type { FlushResult } from '../pipeline/types';
import { AgentSpanProcessor } from '../export/agent-span-processor';
import type { AgentSpanProcessorHealth, AgentSpanProcessorStats } from '../export/types';
import { AgentRunRepository } from '../query/agent-run-repository';
import { openStore } from '../store/connection/open-store';
import { refreshHourlyRollups, type RefreshRollupsOptions, type RefreshRollupsResult } from '../rollups/hourly-rollups';
import { StoreConnection, type OpenedStore } from '../store/connection/store-connection';
import { checkDatabaseUrl, validateTelemetryOptions, type AgentTelemetryOptions, type OtlpOptions } from './options';
import { LazyRuns, type Runs } from './lazy-runs';
import { resolveRollupOptions, RollupJob } from '../rollups/rollup-job';
import { reasonOf, warnOnce } from '../export/first-failure-warnings';
import { CollectorWarningExporter, otlpEndpoint } from './collector-warning-exporter';
import { flushBeforeExit } from './flush-before-exit';
import { startTracingSdk } from './tracing-sdk';
import { startInProcessDashboard } from './in-process-dashboard';
import type { UiServer } from '../ui/server/ui-server';

export interface AgentTelemetry {
  /**
   * Query the persisted runs: history, latest, getRun, decisions, recordOutcome, and analytics: stats, topErrors,
   * costBreakdown, decisionStats.
   */
  readonly runs: Runs;
  /** Where the runs are stored: `server` (a URL or your DataSource) or `embedded` (PGlite in ./.agentspan). */
  readonly storage: 'server' | 'embedded';
  /** The span processor, for its stats or to flush it alone. */
  readonly processor: AgentSpanProcessor;
  /** The dashboard this process serves (the `ui` option), with its `url`; undefined when off or it could not start. */
  readonly ui: UiServer | undefined;
  /** Resolves when every span recorded so far is written or counted as dropped, or after the timeout. */
  flush(timeoutMs?: number): Promise<FlushResult>;
  /** Flushes, stops the SDK and closes the database within shutdownTimeoutMs. Idempotent; never rejects. */
  shutdown(): Promise<void>;
  stats(): AgentSpanProcessorStats;
  /** Queue depth and bytes, breaker state, last error (credentials masked), spill size and counters. */
  health(): AgentSpanProcessorHealth;
  /** The ready DataSource (opened and migrated on first use). */
  dataSource(): Promise<DataSource>;
  /** Brings the hourly rollups up to date now (see refreshHourlyRollups); the `rollups` option does it on a timer. */
  refreshRollups(options?: RefreshRollupsOptions): Promise<RefreshRollupsResult>;
}

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
const MIN_CLOSE_WAIT_MS = 100;
// The first connection attempt is waited for at start, briefly: a database that is down must not hold the app.
const START_WAIT_MS = 15_000;
// How long a query waits for the processor to write what it holds before it runs (see LazyRuns).
const QUERY_FLUSH_WAIT_MS = 5_000;

let running: AgentTelemetry | undefined;

/**
 * One call to instrument an application: registers the OpenTelemetry SDK with agentspan's span processor (and an
 * OTLP/HTTP exporter when asked), opens the database — `databaseUrl`, else DATABASE_URL, else an embedded PGlite
 * database in ./.agentspan — and runs the migrations. If the database cannot be reached, start-up still succeeds:
 * spans wait in the bounded queue and are written when it comes back.
 */
export async function startAgentTelemetry(options?: AgentTelemetryOptions): Promise<AgentTelemetry> {
  const settings = validateTelemetryOptions(options);
  if (running) {
    throw new Error('agentspan: telemetry is already started in this process; call shutdown() on it first');
  }
  if (settings.capture) checkCaptureOptions(settings.capture);
  const databaseUrl = settings.databaseUrl ?? process.env.DATABASE_URL;
  if (settings.databaseUrl === undefined && databaseUrl) checkDatabaseUrl(databaseUrl, 'DATABASE_URL');
  const storage = settings.dataSource || databaseUrl ? 'server' : 'embedded';
  if (settings.distributed === true && storage === 'embedded') {
    throw new TypeError(
      'agentspan: option distributed needs a Citus coordinator (databaseUrl or DATABASE_URL), not the embedded database',
    );
  }
  if (settings.partitioned === true && storage === 'embedded') {
    throw new TypeError('agentspan: option partitioned needs a PostgreSQL server (databaseUrl or DATABASE_URL)');
  }
  const connection = new StoreConnection(() => openApplicationStore(settings, databaseUrl), {
    migrate: settings.migrate !== false,
    distributed: settings.distributed === true,
    partitioned: settings.partitioned === true,
  });
  const shutdownTimeoutMs = settings.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  const warnings = settings.warnings !== false;
  // The processor checks the queue, breaker, spill and staleRuns options; a wrong one stops start-up here.
  const processor = new AgentSpanProcessor({
    connection,
    queue: settings.queue,
    writer: settings.writer,
    shutdownTimeoutMs,
    breaker: settings.breaker,
    spill: settings.spill,
    staleRuns: settings.staleRuns,
    meterProvider: settings.meterProvider,
    warnings,
  });
  if (settings.capture) configureCapture(settings.capture);
  const refreshRollups = async (options?: RefreshRollupsOptions) =>
    refreshHourlyRollups(await connection.dataSource(), options);
  const rollups = resolveRollupOptions(settings.rollups);
  const rollupJob =
    rollups &&
    new RollupJob(
      () => refreshRollups({ overlapMs: rollups.overlapMs }),
      rollups.intervalMs,
      () => ['closed', 'disabled'].includes(processor.health().breaker.state),
    );
  const spanProcessors: SpanProcessor[] = [processor];
  const otlp = otlpOptions(settings.otlp);
  // The collector gets spans scrubbed of secrets, as PostgreSQL does: every attribute, event, name and message.
  if (otlp) {
    const collector = new CollectorWarningExporter(new OTLPTraceExporter(otlp), warnings, otlpEndpoint(otlp.url));
    spanProcessors.push(new BatchSpanProcessor(new ScrubbingSpanExporter(collector)));
  }
  spanProcessors.push(...(settings.spanProcessors ?? []));

  // Traces only: OTLP logs and metrics are not set up (an SDK's metrics would otherwise go to localhost:4318).
  const sdk = startTracingSdk({
    serviceName: settings.serviceName,
    spanProcessors,
    instrumentations: settings.instrumentations,
  });

  const opened = connection.dataSource();
  // The warning waits for the attempt's own outcome: a database that is slow to open (the embedded one on a busy
  // machine) is not down.
  opened.catch((error: unknown) =>
    warnOnce(
      warnings,
      'AGENTSPAN_DATABASE_UNAVAILABLE',
      `agentspan cannot reach the database: ${reasonOf(error)}. Runs wait in the queue (within its bounds) and are ` +
        'written when it is back.',
    ),
  );
  await waitBriefly(opened, START_WAIT_MS).catch((error: unknown) => {
    diag.warn(`agentspan: the database is not available yet; spans are queued until it is. ${String(error)}`);
  });
  const stopFlushingBeforeExit = flushBeforeExit({
    processor,
    others: spanProcessors.slice(1),
    connection,
    timeoutMs: shutdownTimeoutMs,
  });

  rollupJob?.start();

  let shuttingDown: Promise<void> | undefined;
  const runs = new LazyRuns(
    async () => new AgentRunRepository(await connection.dataSource()),
    // A query sees the runs that finished before it: what the processor holds is written first, within a bound,
    // unless the breaker says the database is down (the query then fails or runs as it would have).
    async () => {
      if (processor.health().breaker.state !== 'open') await processor.flush(QUERY_FLUSH_WAIT_MS);
    },
  );
  const ui = await startInProcessDashboard(
    settings.ui,
    runs,
    () => connection.dataSource(),
    () => processor.health(),
    warnings,
  );
  const telemetry: AgentTelemetry = {
    runs,
    ui,
    storage,
    processor,
    flush: (timeoutMs) => processor.flush(timeoutMs),
    stats: () => processor.stats(),
    health: () => processor.health(),
    dataSource: () => connection.dataSource(),
    refreshRollups,
    shutdown() {
      shuttingDown ??= (async () => {
        // Our processor first and on its own: the SDK shuts its processors down together and gives up on all of
        // them as soon as one fails (an unreachable collector, say), which must not cost us the queued runs.
        // One time box for all of it: what the processor leaves of it goes to the SDK and the database, which get
        // a moment even when the processor used everything (a pool waiting on a hung connection gives up then).
        stopFlushingBeforeExit();
        // The dashboard first: its live streams end before the watches and the database they read.
        await ui?.close();
        const deadline = Date.now() + shutdownTimeoutMs;
        const timeLeft = () => Math.max(MIN_CLOSE_WAIT_MS, deadline - Date.now());
        // No refresh starts from now on; one under way may finish while the processor flushes, else closing the
        // database ends it (and the job reports it through diag).
        const rollupsStopped = rollupJob?.stop() ?? Promise.resolve();
        await processor.shutdown();
        // Watches end before the database closes under them: a waiting next() resolves done.
        await waitBriefly((telemetry.runs as LazyRuns).watches.closeAll(), timeLeft()).catch(() => undefined);
        await waitBriefly(rollupsStopped, timeLeft()).catch(() => undefined);
        await waitBriefly(sdk.shutdown(), timeLeft()).catch((error: unknown) => {
          diag.warn(`agentspan: shutting the SDK down did not finish cleanly: ${String(error)}`);
        });
        await waitBriefly(connection.close(), timeLeft()).catch((error: unknown) => {
          diag.warn(`agentspan: closing the database did not finish cleanly: ${String(error)}`);
        });
        // Let a later startAgentTelemetry register afresh (tests, or an app that restarts its telemetry).
        trace.disable();
        context.disable();
        propagation.disable();
        if (running === telemetry) running = undefined;
      })();
      return shuttingDown;
    },
  };
  running = telemetry;
  return telemetry;
}

async function openApplicationStore(
  settings: AgentTelemetryOptions,
  databaseUrl: string | undefined,
): Promise<OpenedStore> {
  if (settings.dataSource) {
    const dataSource = settings.dataSource;
    if (!dataSource.isInitialized) await dataSource.initialize();
    return { dataSource, close: async () => {} }; // the application's DataSource: the application closes it
  }
  return openStore({
    url: databaseUrl,
    dataDir: settings.embeddedDataDir,
    schema: settings.schema,
    ...settings.databaseTimeouts,
  });
}

function otlpOptions(option: boolean | OtlpOptions | undefined): OtlpOptions | undefined {
  if (option === false) return undefined;
  if (option === true) return {};
  if (typeof option === 'object') return option;
  const configured = process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  return configured ? {} : undefined;
}
