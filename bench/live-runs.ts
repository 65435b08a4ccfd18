/**
 * Live runs (watch()):
 *  - notification latency: runs written with SpanWriter at 1,000 spans/s (a batch of 100 spans every 100 ms: runs
 *    starting, taking steps, ending), watched by runs.watch(); latency is from the moment the write's commit came back
 *    to the writer to the moment the watch delivered the change (on a server through LISTEN/NOTIFY, on PGlite by
 *    polling), p50 and p99 over every change;
 *  - write throughput with the change log and NOTIFY on, with the log but no NOTIFY, and with neither (the writer as
 *    it was before watch()): recorded agent spans replayed into an AgentSpanProcessor, as the throughput section does,
 *    the three configurations interleaved over several rounds on one database, so that machine noise and the growing
 *    tables hit them alike; the median of each, and the CPU per span of Node and of PostgreSQL.
 *
 * Uses DATABASE_URL when set, else an embedded database.
 */
import 'reflect-metadata';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type Span,
} from '@opentelemetry/sdk-trace-base';
import type { DataSource } from 'typeorm';
import { Agent, LLM, Tool, Trace, recordUsage } from '../src/instrument';
import { AgentSpanProcessor } from '../src/export/agent-span-processor';
import { AgentRunRepository } from '../src/query/agent-run-repository';
import { currentWatchCursor } from '../src/query/watch/watch-runs';
import type { SpanRecord } from '../src/model/records';
import { createAgentspanDataSource } from '../src/store/connection/data-source';
import { runMigrations } from '../src/store/connection/migrate';
import { RunChangeLog } from '../src/store/write/run-change-log';
import { SpanWriter, type SpanWriterOptions } from '../src/store/write/span-writer';
import { finalSpan, llmSpan, newSpanId, newTraceId, runningSpan } from '../test/support/span-records';
import { createTestDatabase } from '../test/support/database';
import { databaseCpuMicros } from './database-cpu';
import { median } from './measure';
import { replayed } from './replayed-span';

export interface LiveRunsBenchResult {
  latency: { changes: number; p50Ms: number; p99Ms: number; maxMs: number; spansPerSecond: number };
  throughput: Record<ThroughputMode, ThroughputSample>;
  /** (off - on) / off, from the medians: the share of throughput the change log and NOTIFY cost. */
  onVersusOff: number;
  /** The same, per round (the three modes of a round run back to back), the median of the rounds: less drift. */
  pairedOnVersusOff: number;
  rounds: number;
  spansPerRound: number;
  server: boolean;
}

type ThroughputMode = 'off' | 'logOnly' | 'on';

interface ThroughputSample {
  spansPerSecond: number;
  nodeMicrosPerSpan: number;
  dbMicrosPerSpan: number | null;
  /** Write transactions, their mean time, and the share of it spent logging run changes (RunChangeLog.record). */
  transactions: number;
  msPerTransaction: number;
  changeLogShare: number;
  /** Of that share, the part collecting the changes in Node (before the locks). */
  collectShare: number;
}
const MODES: Record<ThroughputMode, SpanWriterOptions> = {
  off: { runChanges: false },
  logOnly: { notify: false },
  on: {},
};

export async function benchLiveRuns(): Promise<LiveRunsBenchResult> {
  const database = await createTestDatabase();
  const dataSource = await createAgentspanDataSource({ url: database.url, poolSize: database.isServer ? 10 : 1 });
  try {
    await runMigrations(dataSource);
    const latency = await notificationLatency(dataSource, Number(process.env.BENCH_LATENCY_SECONDS ?? 20));
    const rounds = Number(process.env.BENCH_WATCH_ROUNDS ?? 5);
    const spansPerRound = Number(process.env.BENCH_WATCH_SPANS ?? 100_000);
    const { throughput, pairedOnVersusOff } = await throughputOnVersusOff(
      dataSource,
      new URL(database.url).pathname.slice(1),
      rounds,
      spansPerRound,
    );
    return {
      latency,
      throughput,
      onVersusOff: (throughput.off.spansPerSecond - throughput.on.spansPerSecond) / throughput.off.spansPerSecond,
      pairedOnVersusOff,
      rounds,
      spansPerRound,
      server: database.isServer,
    };
  } finally {
    await dataSource.destroy();
    await database.close();
  }
}

// ── Latency ────────────────────────────────────────────────────────────────────────────────────────────────────

const RUNS_PER_TICK = 10;
const TICK_MS = 100;

/** Every TICK_MS: 10 runs start; the 10 started a tick ago take 4 steps; the 10 before them take 4 more and end. */
async function notificationLatency(dataSource: DataSource, seconds: number): Promise<LiveRunsBenchResult['latency']> {
  const writer = new SpanWriter(dataSource);
  const agent = 'LatencyAgent';
  const committedAt = new Map<string, number>();
  const latencies: number[] = [];
  const watch = new AgentRunRepository(dataSource).watch({ agent, after: await currentWatchCursor(dataSource) });
  const watching = (async () => {
    for await (const change of watch) {
      const at = performance.now();
      const key = `${change.run.spanId}:${change.type}`;
      const committed = committedAt.get(key);
      if (committed !== undefined) latencies.push(Math.max(0, at - committed));
      committedAt.delete(key);
    }
  })();
  const ticks = Math.round((seconds * 1000) / TICK_MS);
  let previous: SpanRecord[] = [];
  let older: SpanRecord[] = [];
  let spans = 0;
  const started = performance.now();
  for (let tick = 0; tick < ticks + 2; tick++) {
    const fresh = tick < ticks ? Array.from({ length: RUNS_PER_TICK }, () => startRun(agent)) : [];
    const batch = [
      ...fresh,
      ...previous.flatMap((run) => steps(run, 4)),
      ...older.flatMap((run) => [...steps(run, 4), end(run)]),
    ];
    await writer.write(batch);
    const at = performance.now();
    spans += batch.length;
    for (const run of fresh) committedAt.set(`${run.execution.spanId}:started`, at);
    for (const run of previous) committedAt.set(`${run.execution.spanId}:step`, at);
    for (const run of older) committedAt.set(`${run.execution.spanId}:completed`, at);
    [older, previous] = [previous, fresh];
    const next = started + (tick + 1) * TICK_MS;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
  }
  const spansPerSecond = spans / ((performance.now() - started) / 1000);
  // What is still on its way: a generous moment, then the watch ends.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  await watch.close();
  await watching;
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return {
    changes: sorted.length,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: sorted[sorted.length - 1] ?? NaN,
    spansPerSecond,
  };
}

function startRun(agent: string): SpanRecord {
  return runningSpan({ traceId: newTraceId(), kind: 'agent', execution: { agentName: agent, startedAt: new Date() } });
}

function steps(run: SpanRecord, count: number): SpanRecord[] {
  const { traceId, spanId } = run.execution;
  return Array.from({ length: count }, (_, i) =>
    i % 2 === 0
      ? llmSpan(traceId, spanId)
      : finalSpan({ traceId, spanId: newSpanId(), parentSpanId: spanId, kind: 'tool' }),
  );
}

function end(run: SpanRecord): SpanRecord {
  const { traceId, spanId, agentName, startedAt } = run.execution;
  return finalSpan({ traceId, spanId, execution: { agentName, startedAt } });
}

// ── Throughput ─────────────────────────────────────────────────────────────────────────────────────────────────

@Agent({ name: 'WatchBenchAgent', version: '1' })
class WatchBenchAgent {
  @Trace() async run(topic: string) {
    const facts = await this.research(topic);
    const answers = await Promise.all([this.ask(facts), this.ask(`${facts}!`), this.ask(topic), this.ask('summary')]);
    await Promise.all([this.search(topic), this.search(facts), this.search('x'), this.search('y')]);
    return answers.length;
  }
  @Trace() async research(topic: string) {
    return `facts about ${topic}`;
  }
  @LLM({ provider: 'openai', model: 'gpt-4o-mini' }) async ask(prompt: string) {
    recordUsage({ costUsd: 0.0002 });
    return {
      object: 'chat.completion',
      model: 'gpt-4o-mini',
      usage: { prompt_tokens: 300, completion_tokens: 60 },
      text: prompt,
    };
  }
  @Tool({ name: 'search' }) async search(query: string) {
    return [`${query} 1`];
  }
}

async function throughputOnVersusOff(
  dataSource: DataSource,
  databaseName: string,
  rounds: number,
  spansPerRound: number,
): Promise<Pick<LiveRunsBenchResult, 'throughput' | 'pairedOnVersusOff'>> {
  const recorded = await recordSpans(20_000);
  probeWriteTimes();
  const samples: Record<ThroughputMode, ThroughputSample[]> = {
    off: [],
    logOnly: [],
    on: [],
  };
  let series = 0;
  // Warm-up, untimed: the hot paths compiled, the tables and their indexes past their first pages.
  for (const mode of Object.keys(MODES) as ThroughputMode[]) {
    await replay(dataSource, databaseName, recorded, 20_000, series++, MODES[mode]);
  }
  for (let round = 0; round < rounds; round++) {
    // The order turns every round, so no mode always comes first on a table that grows.
    const order = (['off', 'logOnly', 'on'] as const).map((_, i, all) => all[(i + round) % all.length]!);
    for (const mode of order)
      samples[mode].push(await replay(dataSource, databaseName, recorded, spansPerRound, series++, MODES[mode]));
  }
  const summary = (mode: ThroughputMode): ThroughputSample => ({
    spansPerSecond: median(samples[mode].map((sample) => sample.spansPerSecond)),
    nodeMicrosPerSpan: median(samples[mode].map((sample) => sample.nodeMicrosPerSpan)),
    dbMicrosPerSpan: samples[mode].some((sample) => sample.dbMicrosPerSpan === null)
      ? null
      : median(samples[mode].map((sample) => sample.dbMicrosPerSpan!)),
    transactions: median(samples[mode].map((sample) => sample.transactions)),
    msPerTransaction: median(samples[mode].map((sample) => sample.msPerTransaction)),
    changeLogShare: median(samples[mode].map((sample) => sample.changeLogShare)),
    collectShare: median(samples[mode].map((sample) => sample.collectShare)),
  });
  const paired = samples.on.map((on, round) => {
    const off = samples.off[round]!.spansPerSecond;
    return (off - on.spansPerSecond) / off;
  });
  return {
    throughput: { off: summary('off'), logOnly: summary('logOnly'), on: summary('on') },
    pairedOnVersusOff: median(paired),
  };
}

/** Hands `count` replayed spans to a fresh processor with these writer options; rate until all are committed. */
async function replay(
  dataSource: DataSource,
  databaseName: string,
  recorded: ReadableSpan[],
  count: number,
  series: number,
  writer: SpanWriterOptions,
): Promise<ThroughputSample> {
  Object.assign(spent, { transactionMs: 0, changeLogMs: 0, collectMs: 0, transactions: 0 });
  const processor = new AgentSpanProcessor({ dataSource, queue: { maxQueueSize: 50_000 }, writer, staleRuns: false });
  const databaseBefore = databaseCpuMicros(databaseName);
  const nodeBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  let i = 0;
  for (const span of replayed(recorded, count, series)) {
    if (span.attributes['agentspan.kind'] === 'agent') processor.onStart(span as unknown as Span, context.active());
    processor.onEnd(span);
    if (i++ % 1_000 === 999) {
      await new Promise((resolve) => setImmediate(resolve));
      while (processor.stats().queueDepth + processor.stats().inFlight > 20_000) {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }
  }
  await processor.flush(600_000);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const node = process.cpuUsage(nodeBefore);
  const databaseAfter = databaseCpuMicros(databaseName);
  await processor.shutdown();
  if (processor.stats().droppedTotal > 0) throw new Error('the throughput run dropped records');
  return {
    spansPerSecond: count / seconds,
    nodeMicrosPerSpan: (node.user + node.system) / count,
    dbMicrosPerSpan:
      databaseBefore === null || databaseAfter === null ? null : (databaseAfter - databaseBefore) / count,
    transactions: spent.transactions,
    msPerTransaction: spent.transactionMs / spent.transactions,
    changeLogShare: (spent.changeLogMs + spent.collectMs) / spent.transactionMs,
    collectShare: spent.collectMs / spent.transactionMs,
  };
}

/** Time spent in write transactions and, within them, logging run changes: the cost the log adds, measured alone. */
const spent = { transactionMs: 0, changeLogMs: 0, collectMs: 0, transactions: 0 };

/**
 * Wraps SpanWriter's transaction and RunChangeLog's collect and record to add up their wall time (the same small cost
 * in every mode).
 */
function probeWriteTimes(): void {
  const wrap = (target: object, name: string, add: (ms: number) => void) => {
    const methods = target as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const original = methods[name]!;
    methods[name] = async function (this: unknown, ...args: unknown[]) {
      const start = performance.now();
      try {
        return await original.apply(this, args);
      } finally {
        add(performance.now() - start);
      }
    };
  };
  wrap(SpanWriter.prototype, 'writeInTransaction', (ms) => {
    spent.transactionMs += ms;
    spent.transactions++;
  });
  wrap(RunChangeLog.prototype, 'record', (ms) => (spent.changeLogMs += ms));
  // collect() is synchronous (Node work before the locks): timed as such.
  const log = RunChangeLog.prototype as unknown as { collect: (...args: unknown[]) => unknown };
  const collect = log.collect;
  log.collect = function (this: unknown, ...args: unknown[]) {
    const start = performance.now();
    try {
      return collect.apply(this, args);
    } finally {
      spent.collectMs += performance.now() - start;
    }
  };
}

async function recordSpans(count: number): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);
  for (let run = 0; run * 11 < count; run += 100) {
    await Promise.all(Array.from({ length: 100 }, (_, k) => new WatchBenchAgent().run(`topic ${run + k}`)));
  }
  const spans = exporter.getFinishedSpans().slice(0, count);
  await provider.shutdown();
  trace.disable();
  context.disable();
  return spans;
}

if (require.main === module) {
  void benchLiveRuns().then((result) => console.log(JSON.stringify(result, null, 2)));
}
