import {
  checkObject,
  knownKeys,
  optionalArray,
  optionalBoolean,
  optionalString,
  positiveNumber,
  type OptionKeys,
} from '../internal/check-option';
import type { MeterProvider } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { InstrumentationOption } from './tracing-sdk';
import { checkUiServerOptions, type DashboardOptions } from '../ui/server/ui-server-options';
import type { DataSource } from 'typeorm';
import type { CaptureOptions } from '../capture/types';
import type { CircuitBreakerOptions } from '../pipeline/circuit-breaker';
import type { SpillOptions } from '../pipeline/spill/types';
import type { QueueOptions, StaleRunOptions } from '../export/types';
import { agentspanDataSourceOptions, type AgentspanDataSourceOptions } from '../store/connection/data-source';
import { maskUrl } from '../capture/mask-url';
import { checkSpanWriterOptions, type SpanWriterOptions } from '../store/write/span-writer';
import { resolveRollupOptions, type RollupOptions } from '../rollups/rollup-job';

export interface OtlpOptions {
  /** The traces endpoint, e.g. http://collector:4318/v1/traces. Default: the OTEL_EXPORTER_OTLP_* variables. */
  url?: string;
  headers?: Record<string, string>;
}

export interface AgentTelemetryOptions {
  /** service.name of every span. Default: OTEL_SERVICE_NAME, else the SDK's default. */
  serviceName?: string;
  /** PostgreSQL URL. Default: DATABASE_URL; without either, the embedded database. */
  databaseUrl?: string;
  /** Your own initialized DataSource instead of a URL (migrations are still run unless `migrate: false`). */
  dataSource?: DataSource;
  /** PostgreSQL schema for agentspan's tables. Default: the connection's search path. */
  schema?: string;
  /** Where the embedded database keeps its files. Default ./.agentspan/pgdata. */
  embeddedDataDir?: string;
  /** Run agentspan's migrations at start. Default true. */
  migrate?: boolean;
  /**
   * The database is a Citus coordinator: after the migrations, distribute the run tables by trace_id and make the
   * shared ones reference tables (idempotent; see docs/SCALING.md). Needs a database URL and `migrate`. Default false.
   */
  distributed?: boolean;
  /**
   * Partition agent_executions and agent_events by month when migrating (existing rows copied once; see
   * docs/SCALING.md), so that retention drops whole partitions. Needs a database URL and `migrate`. Default false.
   */
  partitioned?: boolean;
  /**
   * Export spans over OTLP/HTTP too: true, or endpoint options. Default: on when OTEL_EXPORTER_OTLP_ENDPOINT or
   * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set; `false` turns it off even then.
   */
  otlp?: boolean | OtlpOptions;
  /** Capture limits and redaction rules (see configureCapture). */
  capture?: CaptureOptions;
  /** Sizes and timing of the queue in front of the database. */
  queue?: QueueOptions;
  /**
   * How the writer loads spans, its transactions' own timeouts, and the run changes it logs for runs.watch() (see
   * SpanWriterOptions).
   */
  writer?: Pick<
    SpanWriterOptions,
    'loadMethod' | 'statementTimeoutMs' | 'runChanges' | 'notify' | 'runChangesRetentionMs'
  >;
  /**
   * Timeouts of the DataSource agentspan opens from `databaseUrl` or DATABASE_URL (see AgentspanDataSourceOptions);
   * a DataSource you pass in keeps its own.
   */
  databaseTimeouts?: DatabaseTimeouts;
  /** How long shutdown() may take in all. Default 10,000 ms. */
  shutdownTimeoutMs?: number;
  /** The circuit breaker in front of the database (see AgentSpanProcessorOptions). Default on; `false`: off. */
  breaker?: CircuitBreakerOptions | false;
  /** Durable spill to a directory while the database is away, replayed when it is back. Default: off. */
  spill?: SpillOptions | false;
  /** Mark runs left `running` by a crashed process as `abandoned`. Default on, after 1 h; `false`: off. */
  staleRuns?: StaleRunOptions | false;
  /**
   * Keep the hourly rollups (agent_metrics_hourly) up to date from this process: every minute by default, on an
   * unref'd timer. `false`: off (run refreshHourlyRollups, or `agentspan rollup`, on a schedule of your own).
   */
  rollups?: RollupOptions | false;
  /** Where health metrics go. Default: the global MeterProvider registered before start, if any. */
  meterProvider?: MeterProvider;
  /** OpenTelemetry instrumentations to register with the SDK (an OpenAI or HTTP instrumentation, say). */
  instrumentations?: InstrumentationOption[];
  /** More span processors, after agentspan's. */
  spanProcessors?: SpanProcessor[];
  /**
   * Print the first failure of each kind — the database unreachable, a write failing, records dropped, the OTLP
   * collector refusing spans — once as a process warning (`AgentspanWarning`, on stderr unless node runs with
   * --no-warnings), credentials masked. Default true; `false` leaves only diag logging.
   */
  warnings?: boolean;
  /**
   * Serve the dashboard from this process (README, "Dashboard"): `true` for http://127.0.0.1:4319/, or its options.
   * The only way to see an embedded database while the application holds it. Default off.
   */
  ui?: boolean | DashboardOptions;
}

const OPTION_KEYS = {
  serviceName: true,
  databaseUrl: true,
  dataSource: true,
  schema: true,
  embeddedDataDir: true,
  migrate: true,
  distributed: true,
  partitioned: true,
  otlp: true,
  capture: true,
  queue: true,
  writer: true,
  databaseTimeouts: true,
  shutdownTimeoutMs: true,
  breaker: true,
  spill: true,
  staleRuns: true,
  rollups: true,
  meterProvider: true,
  instrumentations: true,
  spanProcessors: true,
  warnings: true,
  ui: true,
} as const satisfies OptionKeys<AgentTelemetryOptions>;
const UI_KEYS = { port: true, host: true, token: true, tenant: true } as const satisfies OptionKeys<DashboardOptions>;
const OTLP_KEYS = { url: true, headers: true } as const satisfies OptionKeys<OtlpOptions>;
const WRITER_KEYS = {
  loadMethod: true,
  statementTimeoutMs: true,
  runChanges: true,
  notify: true,
  runChangesRetentionMs: true,
} as const satisfies OptionKeys<NonNullable<AgentTelemetryOptions['writer']>>;

/** Options are configuration: a wrong one stops start-up with a message naming it (and never a password). */
export function validateTelemetryOptions(options: unknown): AgentTelemetryOptions {
  if (options === undefined) return {};
  checkObject('startAgentTelemetry(options)', options);
  const given = options as Record<string, unknown>;
  knownKeys('startAgentTelemetry', given, OPTION_KEYS);
  for (const key of ['serviceName', 'schema', 'embeddedDataDir'] as const) optionalString(`option ${key}`, given[key]);
  if (given.databaseUrl !== undefined) checkDatabaseUrl(given.databaseUrl, 'option databaseUrl');
  if (given.databaseUrl !== undefined && given.dataSource !== undefined) {
    throw new TypeError('agentspan: give either databaseUrl or dataSource, not both');
  }
  optionalBoolean('option migrate', given.migrate, true);
  for (const key of ['distributed', 'partitioned'] as const) {
    optionalBoolean(`option ${key}`, given[key], true);
    if (given[key] === true && given.migrate === false) {
      throw new TypeError(`agentspan: option ${key} changes the tables when migrating: it needs migrate`);
    }
  }
  optionalBoolean('option warnings', given.warnings, true);
  const otlp = given.otlp;
  if (otlp !== undefined && typeof otlp !== 'boolean') {
    if (otlp === null || typeof otlp !== 'object')
      throw new TypeError('agentspan: option otlp must be a boolean or an object');
    knownKeys('startAgentTelemetry', otlp, OTLP_KEYS, 'otlp.');
    const url = (otlp as OtlpOptions).url;
    if (url !== undefined && !isHttpUrl(url)) throw new TypeError('agentspan: option otlp.url must be an http(s) URL');
  }
  if (given.writer !== undefined) {
    checkSpanWriterOptions(given.writer as SpanWriterOptions);
    knownKeys('startAgentTelemetry', given.writer as object, WRITER_KEYS, 'writer.');
  }
  if (given.databaseTimeouts !== undefined) checkDatabaseTimeouts(given.databaseTimeouts);
  resolveRollupOptions(given.rollups);
  positiveNumber('option shutdownTimeoutMs', given.shutdownTimeoutMs, 0);
  for (const key of ['instrumentations', 'spanProcessors'] as const) optionalArray(`option ${key}`, given[key]);
  checkDashboardOption(given.ui);
  return given as AgentTelemetryOptions;
}

export type DatabaseTimeouts = Pick<
  AgentspanDataSourceOptions,
  'connectTimeoutMs' | 'statementTimeoutMs' | 'queryTimeoutMs' | 'idleInTransactionTimeoutMs' | 'idleTimeoutMs'
>;

const TIMEOUT_KEYS = {
  connectTimeoutMs: true,
  statementTimeoutMs: true,
  queryTimeoutMs: true,
  idleInTransactionTimeoutMs: true,
  idleTimeoutMs: true,
} as const satisfies OptionKeys<DatabaseTimeouts>;

/** The same checks the DataSource applies when it is opened, made at start. */
function checkDatabaseTimeouts(value: unknown): void {
  checkObject('option databaseTimeouts', value);
  knownKeys('databaseTimeouts', value as object, TIMEOUT_KEYS);
  // Builds the options without opening anything; its TypeError names the bad timeout.
  agentspanDataSourceOptions({ url: 'postgres://options-check.invalid/agentspan', ...(value as DatabaseTimeouts) });
}

/** A PostgreSQL URL we can use, or a TypeError that shows it with the password masked. */
export function checkDatabaseUrl(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`agentspan: ${where} must be a postgres:// URL`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`agentspan: ${where} is not a valid URL: ${maskUrl(value)}`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new TypeError(`agentspan: ${where} must be a postgres:// URL, got ${maskUrl(value)}`);
  }
  return value;
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** The ui option: a boolean, or the dashboard's options (an address other machines reach needs a token). */
function checkDashboardOption(ui: unknown): void {
  if (ui === undefined || typeof ui === 'boolean') return;
  if (ui === null || typeof ui !== 'object') throw new TypeError('agentspan: option ui must be a boolean or an object');
  knownKeys('startAgentTelemetry', ui, UI_KEYS, 'ui.');
  const { tenant, ...server } = ui as DashboardOptions;
  optionalString('option ui.tenant', tenant);
  checkUiServerOptions(server);
}
