import 'reflect-metadata';
import { context, diag, DiagLogLevel, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import type { FlushResult } from '../../../../src/pipeline/types';
import { AgentSpanProcessor } from '../../../../src/export/agent-span-processor';
import { mapSpan } from '../../../../src/mapping/map-span';
import type { AgentSpanProcessorStats, QueueOptions } from '../../../../src/export/types';
import { startAgentTelemetry, type AgentTelemetry } from '../../../../src/setup/start-agent-telemetry';
import {
  createAgentspanDataSource,
  type AgentspanDataSourceOptions,
} from '../../../../src/store/connection/data-source';
import { StoreConnection } from '../../../../src/store/connection/store-connection';
import { createTestDatabase, type TestDatabase } from '../../../support/database';
import { FaultProxy, type FaultMode } from '../../../support/fault-proxy';
import { INPUT_TOKENS_PER_RUN, RECORDS_PER_RUN, SPANS_PER_RUN } from './workload';

/**
 * A fault scenario's world: a fresh database, a FaultProxy in front of it, agentspan persisting through the proxy,
 * and the same spans kept in memory as the oracle of what must be stored.
 */
export interface FaultRig {
  readonly database: TestDatabase;
  readonly proxy: FaultProxy;
  readonly exporter: InMemorySpanExporter;
  readonly processor: AgentSpanProcessor;
  /** Warnings and errors agentspan reported through diag. */
  readonly diagnostics: string[];
  /** The store's DataSource (through the proxy), opened on first use. */
  dataSource(): Promise<DataSource>;
  flush(timeoutMs: number): Promise<FlushResult>;
  stats(): AgentSpanProcessorStats;
  shutdown(): Promise<void>;
  /** Shuts down (if not yet), closes the proxy and drops the database. */
  close(): Promise<void>;
}

/** Fast retries, so a scenario's recovery is measured in milliseconds, not in the production back-off. */
export const FAST_QUEUE: QueueOptions = { flushIntervalMs: 50, retry: { initialBackoffMs: 20, maxBackoffMs: 300 } };

export interface TelemetryRigOptions {
  mode?: FaultMode;
  migrate?: boolean;
  queue?: QueueOptions;
  shutdownTimeoutMs?: number;
  /** An existing database (its URL is routed through the proxy); default a fresh one, closed with the rig. */
  database?: TestDatabase;
  /** The URL agentspan connects with (through the proxy); default the database's. */
  url?: string;
}

/** The one-call setup, exactly as an application uses it, with its database URL going through a FaultProxy. */
export async function startTelemetryRig(options: TelemetryRigOptions = {}): Promise<FaultRig> {
  const database = options.database ?? (await createTestDatabase());
  const proxy = await FaultProxy.forUrl(database.url, { mode: options.mode ?? 'pass' });
  const exporter = new InMemorySpanExporter();
  const diagnostics = captureDiagnostics();
  let telemetry: AgentTelemetry;
  try {
    telemetry = await startAgentTelemetry({
      databaseUrl: proxy.urlFor(options.url ?? database.url),
      otlp: false,
      migrate: options.migrate,
      queue: { ...FAST_QUEUE, ...options.queue },
      shutdownTimeoutMs: options.shutdownTimeoutMs ?? 5_000,
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
  } catch (error) {
    await proxy.close();
    if (!options.database) await database.close();
    throw error;
  }
  return rig({
    database,
    proxy,
    exporter,
    diagnostics,
    processor: telemetry.processor,
    dataSource: () => telemetry.dataSource(),
    shutdown: () => telemetry.shutdown(),
    ownsDatabase: !options.database,
  });
}

export interface ProcessorRigOptions {
  mode?: FaultMode;
  queue?: QueueOptions;
  /** The store's DataSource options: short timeouts, a small pool. */
  store?: Omit<AgentspanDataSourceOptions, 'url'>;
  shutdownTimeoutMs?: number;
}

/**
 * AgentSpanProcessor on a StoreConnection (opened and migrated on first use, as startAgentTelemetry does it) over a
 * DataSource with the timeouts the scenario needs; a plain tracer provider instead of the NodeSDK.
 */
export async function startProcessorRig(options: ProcessorRigOptions = {}): Promise<FaultRig> {
  const database = await createTestDatabase();
  const proxy = await FaultProxy.forUrl(database.url, { mode: options.mode ?? 'pass' });
  const exporter = new InMemorySpanExporter();
  const diagnostics = captureDiagnostics();
  const connection = new StoreConnection(
    async () => {
      const dataSource = await createAgentspanDataSource({ url: proxy.urlFor(database.url), ...options.store });
      return { dataSource, close: () => dataSource.destroy() };
    },
    { migrate: true },
  );
  const processor = new AgentSpanProcessor({
    connection,
    queue: { ...FAST_QUEUE, ...options.queue },
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 5_000,
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [processor, new SimpleSpanProcessor(exporter)] }),
  );
  return rig({
    database,
    proxy,
    exporter,
    diagnostics,
    processor,
    dataSource: () => connection.dataSource(),
    shutdown: async () => {
      await processor.shutdown();
      await connection.close();
      trace.disable();
      context.disable();
    },
    ownsDatabase: true,
  });
}

function rig(parts: {
  database: TestDatabase;
  proxy: FaultProxy;
  exporter: InMemorySpanExporter;
  diagnostics: string[];
  processor: AgentSpanProcessor;
  dataSource: () => Promise<DataSource>;
  shutdown: () => Promise<void>;
  ownsDatabase: boolean;
}): FaultRig {
  let shuttingDown: Promise<void> | undefined;
  const shutdown = () => (shuttingDown ??= parts.shutdown());
  return {
    database: parts.database,
    proxy: parts.proxy,
    exporter: parts.exporter,
    processor: parts.processor,
    diagnostics: parts.diagnostics,
    dataSource: parts.dataSource,
    flush: (timeoutMs) => parts.processor.flush(timeoutMs),
    stats: () => parts.processor.stats(),
    shutdown,
    async close() {
      await shutdown();
      diag.disable();
      await parts.proxy.close();
      if (parts.ownsDatabase) await parts.database.close();
    },
  };
}

function captureDiagnostics(): string[] {
  const messages: string[] = [];
  const keep = (message: string) => {
    if (messages.length < 1_000) messages.push(message);
  };
  diag.setLogger(
    { error: keep, warn: keep, info: () => undefined, debug: () => undefined, verbose: () => undefined },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  return messages;
}

/** Runs `work` on a connection of its own, straight to the database (not through the proxy). */
export async function direct<T>(databaseUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface StoredSpan {
  copies: number;
  kind: string;
  status: string;
  events: number;
  decisions: number;
  totalInputTokens: number | null;
  llmCalls: number | null;
  toolCalls: number | null;
}

/** Every span stored, by `trace_id:span_id`, with how many rows it has in each table. */
export async function storedSpans(databaseUrl: string): Promise<Map<string, StoredSpan>> {
  const rows = await direct(databaseUrl, async (client) => {
    const result = await client.query<{
      trace_id: string;
      span_id: string;
      copies: number;
      kind: string;
      status: string;
      events: number;
      decisions: number;
      performance_rows: number;
      total_input_tokens: number | null;
      llm_calls: number | null;
      tool_calls: number | null;
    }>(`
      SELECT e.trace_id, e.span_id, count(*)::int AS copies, min(e.kind) AS kind, min(e.status) AS status,
        (SELECT count(*)::int FROM agent_events v WHERE v.trace_id = e.trace_id AND v.span_id = e.span_id) AS events,
        (SELECT count(*)::int FROM agent_decisions d WHERE d.trace_id = e.trace_id AND d.span_id = e.span_id)
          AS decisions,
        max(p.total_input_tokens)::int AS total_input_tokens, max(p.llm_call_count) AS llm_calls,
        max(p.tool_call_count) AS tool_calls
      FROM agent_executions e LEFT JOIN agent_performance p ON p.trace_id = e.trace_id AND p.execution_id = e.id
      GROUP BY e.trace_id, e.span_id`);
    return result.rows;
  });
  return new Map(
    rows.map((row) => [
      `${row.trace_id}:${row.span_id}`,
      {
        copies: row.copies,
        kind: row.kind,
        status: row.status,
        events: row.events,
        decisions: row.decisions,
        totalInputTokens: row.total_input_tokens,
        llmCalls: row.llm_calls,
        toolCalls: row.tool_calls,
      },
    ]),
  );
}

export function keyOf(span: ReadableSpan): string {
  const { traceId, spanId } = span.spanContext();
  return `${traceId}:${spanId}`;
}

/**
 * The exactly-once check: nothing stored twice (executions, events, decisions, agent totals), nothing stored that
 * was not recorded, and every span of `required` (default: every span recorded) stored once, as the mapping of
 * the finished span says it should be — so a retried write neither duplicated nor double-counted anything.
 * Returns how many spans are stored.
 */
export async function expectStoredExactlyOnce(
  rig: Pick<FaultRig, 'database' | 'exporter'>,
  required: readonly ReadableSpan[] = rig.exporter.getFinishedSpans(),
): Promise<number> {
  const stored = await storedSpans(rig.database.url);
  const recorded = new Set(rig.exporter.getFinishedSpans().map(keyOf));
  const problems: string[] = [];
  for (const [key, span] of stored) {
    if (span.copies !== 1) problems.push(`${key} stored ${span.copies} times`);
    if (!recorded.has(key)) problems.push(`${key} stored but never recorded`);
  }
  for (const span of required) {
    const key = keyOf(span);
    const row = stored.get(key);
    if (row === undefined) {
      problems.push(`${key} (${span.name}) missing`);
      continue;
    }
    const expected = mapSpan(span, 'end')!;
    const actual = { status: row.status, events: row.events, decisions: row.decisions };
    const wanted = {
      status: expected.execution.status,
      events: expected.events.length,
      decisions: expected.decisions.length,
    };
    if (JSON.stringify(actual) !== JSON.stringify(wanted)) {
      problems.push(`${key} (${span.name}) stored as ${JSON.stringify(actual)}, expected ${JSON.stringify(wanted)}`);
    }
    if (row.kind === 'agent') {
      const totals = { totalInputTokens: row.totalInputTokens, llmCalls: row.llmCalls, toolCalls: row.toolCalls };
      const once = { totalInputTokens: INPUT_TOKENS_PER_RUN, llmCalls: 1, toolCalls: 1 };
      if (JSON.stringify(totals) !== JSON.stringify(once)) {
        problems.push(`${key} agent totals ${JSON.stringify(totals)}, expected ${JSON.stringify(once)}`);
      }
    }
  }
  expect(problems.slice(0, 20)).toEqual([]);
  return stored.size;
}

/** recorded = written + dropped (+ what is still queued or in flight) — and, once settled, nothing left over. */
export function expectCountersAddUp(stats: AgentSpanProcessorStats, settled = true): void {
  const dropped = Object.values(stats.dropped).reduce((sum, count) => sum + count, 0);
  expect(dropped).toBe(stats.droppedTotal);
  expect(stats.recorded).toBe(stats.written + stats.droppedTotal + stats.queueDepth + stats.inFlight);
  if (settled) {
    expect({ queueDepth: stats.queueDepth, inFlight: stats.inFlight }).toEqual({ queueDepth: 0, inFlight: 0 });
  }
}

/** Polls until `condition` holds; fails after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A test that needs a real PostgreSQL server; on PGlite it is reported as skipped, with the reason in its name. */
export function onServer(name: string, reasonOnPglite: string, test: () => Promise<void>, timeoutMs?: number): void {
  if (process.env.DATABASE_URL) it(name, test, timeoutMs);
  else it.skip(`${name} — skipped on PGlite: ${reasonOnPglite}`, test);
}

/** Matches a request the proxy forwards (simple-query 'Q' or extended-protocol Parse 'P') whose SQL contains `text`. */
export const requestContaining = (text: string) => (request: Buffer) => request.includes(text);

/** The first statement of a write that carries spans: a COPY of new spans, or the upsert. */
export const spanWriteStatement = (request: Buffer) =>
  request.includes('FROM STDIN') || request.includes('json_to_recordset');

/** After recovery: flushed, counters add up, every record of `runs` runs written and every span stored once. */
export async function expectSettled(rig: FaultRig, runs: number, flushTimeoutMs = 30_000): Promise<void> {
  expect((await rig.flush(flushTimeoutMs)).complete).toBe(true);
  const stats = rig.stats();
  expectCountersAddUp(stats);
  expect(stats).toMatchObject({ written: runs * RECORDS_PER_RUN, droppedTotal: 0 });
  expect(await expectStoredExactlyOnce(rig)).toBe(runs * SPANS_PER_RUN);
}
