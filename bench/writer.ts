/**
 * Micro-benchmark of the bulk writer: synthetic agent traces written in batches, committed spans per second.
 *
 *   npx ts-node --transpile-only bench/writer.ts            (DATABASE_URL, else an in-memory embedded database)
 *   BENCH_SPANS=200000 BENCH_BATCH=5000 npx ts-node --transpile-only bench/writer.ts
 *
 * Each trace is one agent span (a `running` record when it starts, a final record when it ends) with a task, four
 * LLM calls (tokens, cost, messages), three tool calls and a decision span with one decision; one LLM span in
 * three carries an event. Records reach the writer roughly in end order, as the span processor produces them, so
 * a trace can straddle two batches. The timer covers write() only (records are built beforehand).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { createAgentspanDataSource } from '../src/store/connection/data-source';
import { runMigrations } from '../src/store/connection/migrate';
import type { SpanRecord } from '../src/model/records';
import { SpanWriter } from '../src/store/write/span-writer';
import { createTestDatabase } from '../test/support/database';
import { performance as performanceRecord } from '../test/support/span-records';

export interface WriterBenchOptions {
  /** Spans to write (final records; agent start records come on top). Default 200,000 (BENCH_SPANS). */
  spans?: number;
  /** Records per write() call. Default 10,000 (BENCH_BATCH). */
  batchSize?: number;
  /** Upsert chunk size of the writer. Default: the writer's (BENCH_CHUNK). */
  chunkSize?: number;
  /** Connections per write(). Default: the writer's (BENCH_CONCURRENCY). */
  concurrency?: number;
}

export interface WriterBenchResult {
  spansPerSecond: number;
  spans: number;
  records: number;
  batchSize: number;
  seconds: number;
  /** CPU time of this node process per span, µs (the database's CPU comes on top). */
  nodeCpuMicrosPerSpan: number;
}

const SPANS_PER_TRACE = 10;

/** Returns committed spans per second. */
export async function benchWriter(options: WriterBenchOptions = {}): Promise<number> {
  return (await runWriterBench(options)).spansPerSecond;
}

export async function runWriterBench(options: WriterBenchOptions = {}): Promise<WriterBenchResult> {
  const spans = options.spans ?? Number(process.env.BENCH_SPANS ?? 200_000);
  const batchSize = options.batchSize ?? Number(process.env.BENCH_BATCH ?? 10_000);
  const chunkSize = options.chunkSize ?? optionalNumber(process.env.BENCH_CHUNK);
  const concurrency = options.concurrency ?? optionalNumber(process.env.BENCH_CONCURRENCY);

  const database = await createTestDatabase();
  const dataSource = await createAgentspanDataSource({ url: database.url, poolSize: Math.max(2, concurrency ?? 2) });
  try {
    await runMigrations(dataSource);
    const writer = new SpanWriter(dataSource, { chunkSize, concurrency });
    const records = syntheticRecords(Math.ceil(spans / SPANS_PER_TRACE));
    const batches: SpanRecord[][] = [];
    for (let i = 0; i < records.length; i += batchSize) batches.push(records.slice(i, i + batchSize));

    await writer.write(syntheticRecords(50)); // warm-up: connections, plans
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    let rejected = 0;
    for (const batch of batches) rejected += (await writer.write(batch)).rejected.length;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    if (rejected > 0) throw new Error(`benchmark data rejected: ${rejected} records`);
    const written = Math.ceil(spans / SPANS_PER_TRACE) * SPANS_PER_TRACE;
    return {
      spansPerSecond: Math.round(written / seconds),
      spans: written,
      records: records.length,
      batchSize,
      seconds,
      nodeCpuMicrosPerSpan: (cpu.user + cpu.system) / written,
    };
  } finally {
    await dataSource.destroy();
    await database.close();
  }
}

function optionalNumber(value: string | undefined): number | undefined {
  return value === undefined || value === '' ? undefined : Number(value);
}

export function syntheticRecords(traces: number): SpanRecord[] {
  const records: SpanRecord[] = [];
  const base = Date.now();
  for (let t = 0; t < traces; t++) {
    const traceId = randomBytes(16).toString('hex');
    const agentSpanId = randomBytes(8).toString('hex');
    const taskSpanId = randomBytes(8).toString('hex');
    const startedAt = new Date(base + t);
    const agent = span(traceId, agentSpanId, null, 'agent', 'invoke_agent ResearchAgent', startedAt);
    records.push({
      ...agent,
      execution: { ...agent.execution, status: 'running', completedAt: null },
      performance: null,
    });
    const children: SpanRecord[] = [span(traceId, taskSpanId, agentSpanId, 'task', 'analyze', startedAt)];
    for (let i = 0; i < 4; i++) {
      const llm = span(traceId, randomBytes(8).toString('hex'), taskSpanId, 'llm', 'chat gpt-4o', startedAt);
      llm.execution.input = JSON.stringify({
        messages: [{ role: 'user', content: `question ${t}.${i} about markets` }],
      });
      llm.execution.output = JSON.stringify({ messages: [{ role: 'assistant', content: 'a short answer' }] });
      llm.performance = {
        ...llm.performance!,
        provider: 'openai',
        requestModel: 'gpt-4o',
        responseModel: 'gpt-4o-2024-08-06',
        inputTokens: 1200,
        outputTokens: 300,
        cacheReadTokens: 400,
        cacheWriteTokens: null,
        reasoningTokens: 50,
        costUsd: '0.0042500000',
        costSource: 'calculated',
      };
      if (i % 3 === 0) {
        llm.events = [
          {
            ordinal: 0,
            level: 'info',
            message: 'retrying after rate limit',
            attributes: '{"attempt":1}',
            occurredAt: startedAt,
          },
        ];
      }
      children.push(llm);
    }
    for (let i = 0; i < 3; i++) {
      const tool = span(
        traceId,
        randomBytes(8).toString('hex'),
        taskSpanId,
        'tool',
        'execute_tool web_search',
        startedAt,
      );
      tool.execution.input = JSON.stringify({ query: `market size ${t}` });
      tool.execution.output = JSON.stringify({ results: 3 });
      children.push(tool);
    }
    const decision = span(
      traceId,
      randomBytes(8).toString('hex'),
      agentSpanId,
      'decision',
      'choose_channel',
      startedAt,
    );
    decision.decisions = [
      {
        ordinal: 0,
        name: 'choose_channel',
        choice: '"linkedin"',
        alternatives: '["linkedin","twitter","email"]',
        reasoning: 'best reach for B2B',
        confidence: 0.85,
        context: null,
        occurredAt: startedAt,
      },
    ];
    children.push(decision);
    // Children end first (task after its own children), the agent last.
    records.push(...children.slice(1), children[0]!, agent);
  }
  return records;
}

function span(
  traceId: string,
  spanId: string,
  parentSpanId: string | null,
  kind: SpanRecord['execution']['kind'],
  name: string,
  startedAt: Date,
): SpanRecord {
  return {
    execution: {
      traceId,
      spanId,
      parentSpanId,
      kind,
      name,
      agentName: 'ResearchAgent',
      agentVersion: '1.0',
      status: 'completed',
      startedAt,
      completedAt: new Date(startedAt.getTime() + 250),
      errorType: null,
      errorMessage: null,
      input: null,
      output: null,
      qualityScore: kind === 'agent' ? 87 : null,
      userId: 'user-1',
      sessionId: 'session-1',
      tenantId: 'acme',
      conversationId: null,
      metadata: kind === 'agent' ? '{"issueNumber":123}' : null,
      serviceName: 'marketing',
    },
    performance: performanceRecord({ durationMs: 250 }),
    decisions: [],
    events: [],
  };
}

if (require.main === module) {
  runWriterBench()
    .then((result) => {
      console.log(
        `writer: ${result.spansPerSecond} spans/s (${result.spans} spans in ${result.records} records, ` +
          `batches of ${result.batchSize}, ${result.seconds.toFixed(2)} s, ` +
          `node CPU ${result.nodeCpuMicrosPerSpan.toFixed(1)} µs/span)`,
      );
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
