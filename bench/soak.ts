/**
 * Soak: many concurrent agents for a sustained period, the database cut twice, through the one-call setup and a
 * FaultProxy in front of PostgreSQL. Checks, and prints:
 *  - every call returned what it returns without telemetry (and threw nothing of ours);
 *  - the counters add up: recorded = written + dropped (by reason), nothing left queued after the final flush;
 *  - nothing is stored twice;
 *  - memory: heap used after a full GC, sampled all along; after the run (queue drained) it is back at the baseline
 *    taken after warm-up, and during the cuts it stays bounded by the queue.
 *
 *   npm run bench:soak -- [--seconds 120] [--agents 50] [--think-ms 20]
 *
 * Uses DATABASE_URL when set, else an embedded database. Exits with code 1 when a check fails.
 */
import 'reflect-metadata';
import { Client } from 'pg';
import { Agent, Decision, LLM, log, recordUsage, Tool, Trace } from '../src/instrument';
import { startAgentTelemetry } from '../src/setup/start-agent-telemetry';
import { createTestDatabase } from '../test/support/database';
import { FaultProxy } from '../test/support/fault-proxy';

@Agent({ name: 'SoakAgent', version: '1' })
class SoakAgent {
  @Trace() async run(task: number) {
    const found = await this.search(task);
    const draft = await this.draft(found);
    const pick = await this.choose(task);
    return `${draft}/${pick.choice}`;
  }
  @Tool() async search(task: number) {
    log('info', 'searching', { task });
    return [task, task + 1];
  }
  @LLM({ provider: 'openai', model: 'soak-model' }) async draft(found: number[]) {
    recordUsage({ inputTokens: 100, outputTokens: 20 });
    return `draft ${found.join('+')}`;
  }
  @Decision() async choose(task: number) {
    return { choice: task % 3, alternatives: [0, 1, 2], confidence: 0.5 };
  }
}
/** What SoakAgent.run returns, computed without it. */
const expected = (task: number) => `draft ${task}+${task + 1}/${task % 3}`;
const SPANS_PER_RUN = 4;

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const heapMb = () => {
  global.gc?.();
  global.gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (value: number) => `${value.toFixed(1)} MB`;

async function main(): Promise<void> {
  if (!global.gc) throw new Error('run with node --expose-gc (npm run bench:soak does)');
  const seconds = option('seconds', 120);
  const agents = option('agents', 50);
  const thinkMs = option('think-ms', 20);
  const warmUpMs = Math.min(10_000, (seconds * 1_000) / 10);
  // Two cuts, each a sixth of the run: [25 %, 42 %) and [60 %, 77 %).
  const cuts = [
    [0.25, 0.42],
    [0.6, 0.77],
  ].map(([from, to]) => [from! * seconds * 1_000, to! * seconds * 1_000] as const);

  const database = await createTestDatabase();
  const proxy = await FaultProxy.forUrl(database.url, { maxLifetimeMs: (seconds + 300) * 1_000 });
  const telemetry = await startAgentTelemetry({
    databaseUrl: proxy.urlFor(database.url),
    otlp: false,
    shutdownTimeoutMs: 30_000,
  });
  console.log(
    `soak: ${agents} concurrent agents, ${thinkMs} ms between runs each, ${seconds} s, database cut twice ` +
      `(${cuts.map(([a, b]) => `${Math.round(a / 1000)}–${Math.round(b / 1000)} s`).join(', ')}); ` +
      `database: ${database.isServer ? 'server' : 'embedded PGlite'}`,
  );

  let stop = false;
  let calls = 0;
  let wrong = 0;
  let threw = 0;
  let nextTask = 0;
  const worker = async () => {
    const agent = new SoakAgent();
    while (!stop) {
      const task = nextTask++;
      try {
        if ((await agent.run(task)) !== expected(task)) wrong++;
      } catch {
        threw++;
      }
      calls++;
      await sleep(thinkMs);
    }
  };

  const started = Date.now();
  const workers = Array.from({ length: agents }, worker);
  await sleep(warmUpMs);
  await telemetry.flush(30_000);
  const baselineHeap = heapMb();
  console.log(`baseline heap after ${warmUpMs / 1000} s of warm-up, queue flushed, after GC: ${mb(baselineHeap)}\n`);

  const samples: Array<Record<string, string | number>> = [];
  let peakOutageHeap = 0;
  let peakHeld = 0;
  let cutIndex = 0;
  let down = false;
  while (Date.now() - started < seconds * 1_000) {
    const elapsed = Date.now() - started;
    const cut = cuts[cutIndex];
    if (cut && !down && elapsed >= cut[0]) {
      await proxy.setMode('cut');
      down = true;
    } else if (cut && down && elapsed >= cut[1]) {
      await proxy.setMode('pass');
      down = false;
      cutIndex++;
    }
    await sleep(1_000);
    const stats = telemetry.stats();
    const heap = heapMb();
    const held = stats.queueDepth + stats.inFlight;
    if (down) peakOutageHeap = Math.max(peakOutageHeap, heap);
    peakHeld = Math.max(peakHeld, held);
    if (samples.length === 0 || Math.round(elapsed / 1000) % 5 === 0) {
      samples.push({
        s: Math.round((Date.now() - started) / 1000),
        database: down ? 'CUT' : 'up',
        'heap (MB)': Number(heap.toFixed(1)),
        'rss (MB)': Number((process.memoryUsage().rss / 1024 / 1024).toFixed(1)),
        calls,
        recorded: stats.recorded,
        written: stats.written,
        queued: held,
        dropped: stats.droppedTotal,
      });
    }
  }
  if (down) await proxy.setMode('pass');
  stop = true;
  await Promise.all(workers);
  const runSeconds = (Date.now() - started) / 1000;

  const flushed = await telemetry.flush(120_000);
  const stats = telemetry.stats();
  const endHeap = heapMb();
  const rows = await storedRows(database.url);
  await telemetry.shutdown();
  await proxy.close();
  await database.close();

  console.table(samples);
  const accounted = stats.written + stats.droppedTotal;
  const checks = {
    'every call returned its own result': wrong === 0 && threw === 0,
    'final flush complete': flushed.complete,
    'recorded = written + dropped': stats.recorded === accounted && stats.queueDepth + stats.inFlight === 0,
    'only the queue bound dropped records': stats.droppedTotal === stats.dropped.queue_full,
    'no span stored twice': rows.duplicates === 0,
    // Back at the baseline: within 10 % or 5 MB of it, whichever is more (GC and JIT noise).
    'heap back at its baseline': endHeap - baselineHeap <= Math.max(5, baselineHeap * 0.1),
  };
  console.log(`
calls:           ${calls.toLocaleString('en-US')} in ${runSeconds.toFixed(0)} s (${Math.round(calls / runSeconds).toLocaleString('en-US')}/s, ${Math.round((calls * SPANS_PER_RUN) / runSeconds).toLocaleString('en-US')} spans/s), wrong results ${wrong}, threw ${threw}
records:         recorded ${stats.recorded.toLocaleString('en-US')} = written ${stats.written.toLocaleString('en-US')} + dropped ${stats.droppedTotal.toLocaleString('en-US')} ${JSON.stringify(stats.dropped)}
retried writes:  ${stats.retried}
stored:          ${rows.spans.toLocaleString('en-US')} spans, ${rows.duplicates} stored twice
queue:           most records held at once ${peakHeld.toLocaleString('en-US')} (bound ${(50_000).toLocaleString('en-US')})
heap after GC:   baseline ${mb(baselineHeap)}, peak during the cuts ${mb(peakOutageHeap)}, at the end ${mb(endHeap)} (${endHeap >= baselineHeap ? '+' : ''}${mb(endHeap - baselineHeap)})
`);
  for (const [check, ok] of Object.entries(checks)) console.log(`${ok ? 'ok  ' : 'FAIL'}  ${check}`);
  if (Object.values(checks).includes(false)) process.exitCode = 1;
}

async function storedRows(databaseUrl: string): Promise<{ spans: number; duplicates: number }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ spans: number; duplicates: number }>(`
      SELECT count(*)::int AS spans, count(*) FILTER (WHERE copies > 1)::int AS duplicates
      FROM (SELECT count(*) AS copies FROM agent_executions GROUP BY trace_id, span_id) per_span`);
    return rows[0]!;
  } finally {
    await client.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
