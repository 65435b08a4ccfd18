/**
 * Persistence benchmarks, from one run:
 *  - the time per call of a bare async method, the same method in a plain OTel span, and decorated with agentspan
 *    while its AgentSpanProcessor persists to PostgreSQL;
 *  - end-to-end throughput: the same recorded spans handed to AgentSpanProcessor and to a naive processor that calls
 *    repository.save() per span, timed until every span is committed. Each processor first writes a warm-up set of
 *    spans (untimed), so the figure is the sustained rate, not the first seconds of a cold process (compiling the hot
 *    paths, growing the heap, opening connections), which is also printed. The spans are copies of 20,000 recorded
 *    ones, each round of copies under fresh trace ids (see replayed): a harness that kept 250,000 recorded spans alive
 *    would measure its own garbage collection — holding 400,000 cost Node 30 µs a span instead of 17 — where an
 *    application lets a span go once it is written;
 *  - memory during a database outage: heap growth after 50,000 and after 200,000 spans with the database down.
 *
 * Uses DATABASE_URL when set, else an embedded database.
 */
import 'reflect-metadata';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { DataSource } from 'typeorm';
import { Agent, Decision, LLM, Tool, Trace, log, recordUsage } from '../src/instrument';
import { AgentSpanProcessor } from '../src/export/agent-span-processor';
import { mapSpan } from '../src/mapping/map-span';
import { AgentDecision, AgentEvent, AgentExecution, AgentPerformance } from '../src/store/schema/entities';
import type { SpanRecord } from '../src/model/records';
import { createAgentspanDataSource } from '../src/store/connection/data-source';
import { runMigrations } from '../src/store/connection/migrate';
import { StoreConnection, StoreUnavailableError } from '../src/store/connection/store-connection';
import { createTestDatabase } from '../test/support/database';
import { callVariants, discard } from './call-variants';
import { databaseCpuMicros } from './database-cpu';
import { compare } from './measure';
import { replayed } from './replayed-span';

@Agent({ name: 'BenchAgent', version: '1' })
class BenchAgent {
  @Trace() async run(topic: string) {
    log('info', 'start', { topic });
    const facts = await this.research(topic);
    const answers = await Promise.all([this.ask(facts), this.ask(`${facts}!`), this.ask(topic), this.ask('summary')]);
    await Promise.all([this.search(topic), this.search(facts), this.search('x')]);
    return (await this.decide(answers)).choice;
  }
  @Trace() async research(topic: string) {
    return `facts about ${topic}`;
  }
  @LLM({ provider: 'openai', model: 'gpt-4o-mini' }) async ask(prompt: string) {
    recordUsage({ costUsd: 0.0002 });
    return {
      object: 'chat.completion',
      model: 'gpt-4o-mini',
      usage: { prompt_tokens: 300, completion_tokens: 60, prompt_tokens_details: { cached_tokens: 128 } },
      text: prompt,
    };
  }
  @Tool({ name: 'search' }) async search(query: string) {
    return [`${query} 1`, `${query} 2`];
  }
  @Decision({ name: 'answer' }) async decide(answers: unknown[]) {
    return { choice: 0, alternatives: answers.map((_, i) => i), reasoning: 'first', confidence: 0.7 };
  }
}
const SPANS_PER_RUN = 10;

export interface CallCostBenchResult {
  bareNs: number;
  plainSpanNs: number;
  persistedNs: number;
  callRatio: number;
}

export interface ThroughputBenchResult {
  /** Sustained: measured after the warm-up set was committed. */
  spansPerSecond: number;
  /** The warm-up set's own rate: a cold process, its first spans. */
  coldSpansPerSecond: number;
  warmupSpans: number;
  /** CPU per committed span during the throughput run: Node (this process) and PostgreSQL (null when unreadable). */
  cpuMicrosPerSpan: { node: number; database: number | null };
  naiveSpansPerSecond: number;
  throughputSpans: number;
  naiveSpans: number;
}

export interface OutageBenchResult {
  outageHeapGrowthMb: { after50k: number; after200k: number };
  outageQueue: { maxQueueSize: number; dropped: number };
}

/** Per-call cost of a decorated call with the processor attached and persisting, next to a plain span. */
export async function benchCallCost(): Promise<CallCostBenchResult> {
  return withDatabase((dataSource) => benchCalls(dataSource));
}

/** Spans committed per second by AgentSpanProcessor, and by a naive processor that saves each span. */
export async function benchThroughput(
  options: { spans?: number; naiveSpans?: number } = {},
): Promise<ThroughputBenchResult> {
  const spans = options.spans ?? Number(process.env.BENCH_SPANS ?? 200_000);
  const naiveSpans = options.naiveSpans ?? Number(process.env.BENCH_NAIVE_SPANS ?? 5_000);
  const warmupSpans = Number(process.env.BENCH_WARMUP_SPANS ?? 50_000);
  return withDatabase(async (dataSource, databaseName) => {
    const recorded = await recordSpans(RECORDED_SPANS);
    const warmup = replayed(recorded, warmupSpans, 0);
    const measured = replayed(recorded, spans, 1);
    const processor = new AgentSpanProcessor({ dataSource, queue: { maxQueueSize: 50_000 } });
    const flushed = (p: AgentSpanProcessor) => p.flush(600_000).then(() => undefined);
    const cold = await throughput(warmup, processor, flushed, databaseName);
    const ours = await throughput(measured, processor, flushed, databaseName);
    await processor.shutdown();
    const committed = processor.stats();
    if (committed.droppedTotal > 0) throw new Error(`the throughput run dropped ${committed.droppedTotal} records`);
    const naiveProcessor = new NaiveSaveProcessor(dataSource);
    await throughput(replayed(recorded, Math.ceil(naiveSpans / 5), 2), naiveProcessor, (p) => p.drain());
    const naive = (await throughput(replayed(recorded, naiveSpans, 3), naiveProcessor, (p) => p.drain()))
      .spansPerSecond;
    return {
      spansPerSecond: ours.spansPerSecond,
      coldSpansPerSecond: cold.spansPerSecond,
      warmupSpans,
      cpuMicrosPerSpan: ours.cpuMicrosPerSpan,
      naiveSpansPerSecond: naive,
      throughputSpans: spans,
      naiveSpans,
    };
  });
}

/** Heap growth while the database is unreachable: bounded by the queue, not by how many spans were made. */
export function benchOutageMemory(): Promise<OutageBenchResult> {
  return outageMemory();
}

/** A fresh, migrated database for one benchmark (DATABASE_URL's server, else embedded), dropped afterwards. */
async function withDatabase<R>(work: (dataSource: DataSource, databaseName: string) => Promise<R>): Promise<R> {
  const database = await createTestDatabase();
  const dataSource = await createAgentspanDataSource({ url: database.url, poolSize: database.isServer ? 10 : 1 });
  try {
    await runMigrations(dataSource);
    return await work(dataSource, new URL(database.url).pathname.slice(1));
  } finally {
    await dataSource.destroy();
    await database.close();
  }
}

/** Per-call cost with the processor attached and persisting, next to a plain span and no span at all. */
async function benchCalls(dataSource: DataSource) {
  const processor = new AgentSpanProcessor({ dataSource });
  const provider = register([processor, new BatchSpanProcessor(discard)]);
  const { bare, plainSpan, decorated } = callVariants();
  const result = await compare(
    { bare, plainSpan, persisted: decorated },
    // Writing happens between rounds, as it would between an application's requests; it is not on the call path.
    { settle: async () => void (await processor.flush(60_000)) },
  );
  await provider.shutdown();
  unregister();
  return {
    bareNs: result.bare,
    plainSpanNs: result.plainSpan,
    persistedNs: result.persisted,
    callRatio: result.persisted / result.plainSpan,
  };
}

/** Records `count` real spans (runs of the bench agent) for replay. */
async function recordSpans(count: number): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = register([new SimpleSpanProcessor(exporter)]);
  const runs = Math.ceil(count / SPANS_PER_RUN);
  for (let i = 0; i < runs; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, runs - i) }, (_, k) => new BenchAgent().run(`topic ${i + k}`)),
    );
  }
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  unregister();
  return spans;
}

/** How many spans are recorded once and replayed as copies. */
const RECORDED_SPANS = 20_000;

/** Hands the spans to a processor as the SDK would (a start for each agent span, an end for every span). */
async function throughput<P extends SpanProcessor>(
  source: Iterable<ReadableSpan>,
  processor: P,
  settle: (p: P) => Promise<void>,
  databaseName?: string,
): Promise<{ spansPerSecond: number; cpuMicrosPerSpan: { node: number; database: number | null } }> {
  const databaseBefore = databaseName === undefined ? null : databaseCpuMicros(databaseName);
  const nodeBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  let count = 0;
  for (const span of source) {
    const i = count++;
    if (span.attributes['agentspan.kind'] === 'agent') processor.onStart(span as unknown as Span, context.active());
    processor.onEnd(span);
    // Let the writer work as an application's event loop would, and never outrun it: the figure is what is
    // committed, sustained, not what the queue can swallow before it starts dropping. While the backlog is too long
    // the loop sleeps rather than spins: a spinning loop would take a core from the database it waits for.
    if (i % 1_000 === 999) {
      await new Promise((resolve) => setImmediate(resolve));
      while (backlog(processor) > 20_000) await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
  await settle(processor);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const node = process.cpuUsage(nodeBefore);
  const databaseAfter = databaseName === undefined ? null : databaseCpuMicros(databaseName);
  return {
    spansPerSecond: count / seconds,
    cpuMicrosPerSpan: {
      node: (node.user + node.system) / count,
      database: databaseBefore === null || databaseAfter === null ? null : (databaseAfter - databaseBefore) / count,
    },
  };
}

function backlog(processor: SpanProcessor): number {
  if (!(processor instanceof AgentSpanProcessor)) return 0;
  const stats = processor.stats();
  return stats.queueDepth + stats.inFlight;
}

/**
 * What the naive approach looks like: map each span and save it through the repository, one span at a time, on as
 * many connections as the pool has (more saves at once would only queue for a connection, and the last of a long
 * queue would time out waiting).
 */
class NaiveSaveProcessor implements SpanProcessor {
  private readonly waiting: SpanRecord[] = [];
  private readonly workers = new Set<Promise<void>>();
  constructor(
    private readonly dataSource: DataSource,
    private readonly connections = 10,
  ) {}
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    const record = mapSpan(span, 'end');
    if (!record) return;
    this.waiting.push(record);
    if (this.workers.size < this.connections) {
      const worker: Promise<void> = this.work().finally(() => this.workers.delete(worker));
      this.workers.add(worker);
    }
  }
  async drain(): Promise<void> {
    while (this.workers.size > 0) await Promise.all(this.workers);
  }
  async forceFlush(): Promise<void> {
    await this.drain();
  }
  async shutdown(): Promise<void> {
    await this.drain();
  }
  private async work(): Promise<void> {
    for (let record = this.waiting.shift(); record !== undefined; record = this.waiting.shift())
      await this.save(record);
  }
  private async save(record: SpanRecord): Promise<void> {
    const { execution, performance, decisions, events } = record;
    const saved = await this.dataSource.getRepository(AgentExecution).save({
      ...execution,
      startedAt: new Date(execution.startedAt),
      completedAt: execution.completedAt === null ? null : new Date(execution.completedAt),
      input: parse(execution.input),
      output: parse(execution.output),
      metadata: parse(execution.metadata),
    } as Partial<AgentExecution>);
    if (performance) {
      await this.dataSource
        .getRepository(AgentPerformance)
        .save({ ...performance, executionId: saved.id, traceId: saved.traceId } as Partial<AgentPerformance>);
    }
    for (const decision of decisions) {
      await this.dataSource.getRepository(AgentDecision).save({
        ...decision,
        executionId: saved.id,
        traceId: execution.traceId,
        spanId: execution.spanId,
        agentName: execution.agentName,
        choice: parse(decision.choice),
        alternatives: parse(decision.alternatives),
        context: parse(decision.context),
        occurredAt: new Date(decision.occurredAt),
      } as Partial<AgentDecision>);
    }
    for (const event of events) {
      await this.dataSource.getRepository(AgentEvent).save({
        ...event,
        executionId: saved.id,
        traceId: execution.traceId,
        spanId: execution.spanId,
        attributes: parse(event.attributes),
        occurredAt: new Date(event.occurredAt),
      } as Partial<AgentEvent>);
    }
  }
}

function parse(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

async function outageMemory(): Promise<OutageBenchResult> {
  const maxQueueSize = 20_000;
  const down = new StoreConnection(
    async () => {
      throw new StoreUnavailableError('the database is down for this benchmark');
    },
    { migrate: false },
  );
  const processor = new AgentSpanProcessor({ connection: down, queue: { maxQueueSize }, shutdownTimeoutMs: 100 });
  const provider = register([processor]);
  const heap = () => {
    global.gc?.();
    return process.memoryUsage().heapUsed / 1024 / 1024;
  };
  const baseline = heap();
  const runFor = async (spans: number) => {
    for (let i = 0; i < spans / SPANS_PER_RUN; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, k) => new BenchAgent().run(`t${i + k}`)));
    }
  };
  await runFor(50_000);
  const after50k = heap() - baseline;
  await runFor(150_000);
  const after200k = heap() - baseline;
  const dropped = processor.stats().dropped.queue_full;
  await provider.shutdown();
  unregister();
  return { outageHeapGrowthMb: { after50k, after200k }, outageQueue: { maxQueueSize, dropped } };
}

function register(spanProcessors: SpanProcessor[]): BasicTracerProvider {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const provider = new BasicTracerProvider({ spanProcessors });
  trace.setGlobalTracerProvider(provider);
  return provider;
}

function unregister(): void {
  trace.disable();
  context.disable();
}

if (require.main === module) {
  void benchThroughput().then((result) => console.log(result));
}
