/**
 * OTLP ingest: spans per second sent to `agentspan collect` over HTTP (protobuf, as the OTLP exporters send them)
 * and committed to PostgreSQL, with one collector process (its default worker threads, one per core) and with two
 * writing to the same database.
 *
 * BENCH_COLLECT_REQUESTS: requests per measurement (600); BENCH_IN_FLIGHT: requests in flight per collector (8);
 * BENCH_CHILD_NODE_OPTIONS: NODE_OPTIONS of the collector processes (`--max-semi-space-size=64`, say);
 * BENCH_WORKERS: the collectors' worker threads (0: all in one thread); BENCH_PROCESSOR: their processor options, as
 * JSON (`{"queue":{"maxBatchSize":10000}}`, say).
 */
import { context, trace, type Tracer } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Agent, request as httpRequest } from 'node:http';
import { Client } from 'pg';
import { firstJsonLine, spawnTypeScript, stopChild } from '../test/support/child-process';
import { createTestDatabase } from '../test/support/database';
import { createAgentspanDataSource } from '../src/store/connection/data-source';
import { runMigrations } from '../src/store/connection/migrate';

export interface IngestFigures {
  /** From the first request sent to the last span committed. */
  spansPerSecond: number;
  /** While a quarter to three quarters of the spans were committed: the rate once under way, before the tail. */
  sustainedSpansPerSecond: number;
  seconds: number;
  /** Requests answered 429 or 503 (sent again after Retry-After). */
  refused: number;
}

export interface CollectBenchResult {
  spans: number;
  spansPerRequest: number;
  /** Worker threads of each collector process (its default: one per core, at most 4). */
  workersPerProcess: number;
  bodyKiB: number;
  oneProcess: IngestFigures;
  twoProcesses: IngestFigures;
}

const SPANS_PER_REQUEST = 512;
/** As the collector processes report it. */
let workersPerProcess = 0;
/** Requests sent first and not measured: the collectors' code compiled, their connections opened. */
const WARMUP_REQUESTS = 20;
/** Requests in flight per collector, as a few exporters sending at once would have. */
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 8);

export async function benchCollect(): Promise<CollectBenchResult> {
  const requests = Number(process.env.BENCH_COLLECT_REQUESTS ?? 600);
  const bodies = recordBodies(2 * (WARMUP_REQUESTS + requests));
  const oneProcess = await ingest(
    1,
    bodies.slice(0, WARMUP_REQUESTS),
    bodies.slice(WARMUP_REQUESTS, WARMUP_REQUESTS + requests),
  );
  const twoProcesses = await ingest(
    2,
    bodies.slice(WARMUP_REQUESTS + requests, 2 * WARMUP_REQUESTS + requests),
    bodies.slice(2 * WARMUP_REQUESTS + requests),
  );
  const bodyBytes = bodies.reduce((sum, body) => sum + body.length, 0) / bodies.length;
  return {
    spans: requests * SPANS_PER_REQUEST,
    spansPerRequest: SPANS_PER_REQUEST,
    bodyKiB: Math.round(bodyBytes / 1024),
    workersPerProcess,
    oneProcess,
    twoProcesses,
  };
}

/** Sends the bodies to `processes` fresh collectors (round robin) and times them until every span is committed. */
async function ingest(processes: number, warmup: Uint8Array[], bodies: Uint8Array[]): Promise<IngestFigures> {
  const database = await createTestDatabase();
  const dataSource = await createAgentspanDataSource({ url: database.url, poolSize: 1 });
  await runMigrations(dataSource);
  await dataSource.destroy();
  const children = Array.from({ length: processes }, () =>
    spawnTypeScript('bench/collector-process.ts', {
      AGENTSPAN_BENCH_DATABASE_URL: database.url,
      ...(process.env.BENCH_CHILD_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_CHILD_NODE_OPTIONS } : {}),
    }),
  );
  try {
    const ready = await Promise.all(children.map((child) => firstJsonLine<{ url: string; workers: number }>(child)));
    const urls = ready.map((child) => child.url);
    workersPerProcess = ready[0]!.workers;
    const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT * processes });
    const expected = (sent: number) => sent * SPANS_PER_REQUEST;
    await send(urls, warmup, agent);
    await untilWritten(urls, agent, [expected(warmup.length)]);
    const base = expected(warmup.length);
    const measured = expected(bodies.length);
    const started = now();
    const [refused, [quarter, threeQuarters, all]] = await Promise.all([
      send(urls, bodies, agent),
      untilWritten(urls, agent, [base + measured / 4, base + (measured * 3) / 4, base + measured]),
    ]);
    agent.destroy();
    await expectStored(database.url, base + measured);
    return {
      spansPerSecond: measured / (all! - started),
      sustainedSpansPerSecond: measured / 2 / (threeQuarters! - quarter!),
      seconds: all! - started,
      refused,
    };
  } finally {
    await Promise.all(children.map((child) => stopChild(child)));
    await database.close();
  }
}

/** Posts every body, IN_FLIGHT at a time per collector; a 429 or 503 is sent again after its Retry-After. */
async function send(urls: string[], bodies: Uint8Array[], agent: Agent): Promise<number> {
  let next = 0;
  let refused = 0;
  const worker = async (url: string) => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      for (;;) {
        const { status, retryAfter } = await post(`${url}v1/traces`, body, agent);
        if (status === 200) break;
        if (status !== 429 && status !== 503) throw new Error(`the collector answered ${status}`);
        refused++;
        await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfter, 1) * 1000));
      }
    }
  };
  await Promise.all(urls.flatMap((url) => Array.from({ length: IN_FLIGHT }, () => worker(url))));
  return refused;
}

function post(url: string, body: Uint8Array, agent: Agent): Promise<{ status: number; retryAfter: number }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      { method: 'POST', agent, headers: { 'Content-Type': 'application/x-protobuf', 'Content-Length': body.length } },
      (response) => {
        response.resume();
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, retryAfter: Number(response.headers['retry-after'] ?? 1) }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

const now = () => Number(process.hrtime.bigint()) / 1e9;

/**
 * When the collectors had written each number of records (their writers count a batch once its transaction
 * committed), in seconds (`now()`). Asked of the collectors' /healthz rather than of the database: a `count(*)` every
 * few milliseconds over a growing table would take a good part of the PostgreSQL core the benchmark measures.
 */
async function untilWritten(urls: string[], agent: Agent, thresholds: number[]): Promise<number[]> {
  const times: number[] = [];
  while (times.length < thresholds.length) {
    const written = (await Promise.all(urls.map((url) => writtenBy(url, agent)))).reduce((sum, n) => sum + n, 0);
    while (times.length < thresholds.length && written >= thresholds[times.length]!) times.push(now());
    if (times.length < thresholds.length) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return times;
}

function writtenBy(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${url}healthz`, { agent }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve((JSON.parse(text) as { counters: { written: number } }).counters.written));
    });
    request.on('error', reject);
    request.end();
  });
}

/** The database holds exactly the spans sent, once each: what the collectors counted as written is what is there. */
async function expectStored(url: string, executions: number): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: string }>('SELECT count(*) FROM agent_executions');
    if (Number(rows[0]!.count) !== executions) {
      throw new Error(`${rows[0]!.count} executions stored, ${executions} expected`);
    }
  } finally {
    await client.end();
  }
}

/**
 * Request bodies as an OpenTelemetry SDK exports them (the OTLP exporter's own protobuf serializer), each of
 * SPANS_PER_REQUEST spans of a GenAI application in the OTel GenAI conventions: per run, an agent span, three model
 * calls with their messages and usage, and a tool call. Every span has ids of its own.
 */
function recordBodies(count: number): Uint8Array[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'planner-py', 'telemetry.sdk.language': 'python' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('opentelemetry.instrumentation.openai_v2', '2.1b0');
  const bodies: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    while (exporter.getFinishedSpans().length < SPANS_PER_REQUEST) recordRun(tracer, i);
    const spans = exporter.getFinishedSpans().slice(0, SPANS_PER_REQUEST);
    const rest = exporter.getFinishedSpans().slice(SPANS_PER_REQUEST);
    exporter.reset();
    for (const span of rest) exporter.export([span], () => undefined);
    bodies.push(ProtobufTraceSerializer.serializeRequest(spans)!);
  }
  return bodies;
}

function recordRun(tracer: Tracer, index: number): void {
  const agent = tracer.startSpan('invoke_agent planner', {
    attributes: {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'planner',
      'gen_ai.conversation.id': `conversation-${index % 50}`,
    },
  });
  const inAgent = trace.setSpan(context.active(), agent);
  for (let call = 0; call < 3; call++) {
    const chat = tracer.startSpan(
      'chat gpt-4o-mini',
      {
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
          'gen_ai.usage.input_tokens': 1_200 + call,
          'gen_ai.usage.output_tokens': 300,
          'gen_ai.input.messages': JSON.stringify([
            { role: 'user', parts: [{ type: 'text', content: `Plan step ${call} of the launch for region ${index}` }] },
          ]),
          'gen_ai.output.messages': JSON.stringify([
            { role: 'assistant', parts: [{ type: 'text', content: 'Draft the announcement, then book the venue.' }] },
          ]),
        },
      },
      inAgent,
    );
    chat.end();
  }
  const tool = tracer.startSpan(
    'execute_tool search',
    { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search' } },
    inAgent,
  );
  tool.end();
  agent.end();
}
