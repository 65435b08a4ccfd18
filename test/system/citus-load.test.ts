import type { ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import { spawnTypeScript } from '../support/child-process';
import { CITUS_SKIP_REASON, citusUrl, createCitusDatabase } from '../support/citus-database';
import { citusWorker, ensureNodeRunning, startNode, stopNode, type CitusNode } from '../support/citus-node';
import type { LoadAppReport } from '../support/load-app-process';
import { expectedAppRun, recordsOfAppRun, type AgentTotals } from '../support/load-agents';
import { deliverTwice, otlpLoad, type DeliveryFigures } from '../support/otlp-load';

/**
 * The Citus load test: four application processes (startAgentTelemetry, decorated agents) and two `agentspan collect`
 * processes (two worker threads each, sent OTLP requests twice, some to both) write to one distributed database at
 * once, while a worker node of the cluster is stopped for a few seconds mid-load and started again. Afterwards:
 * nothing lost (every process counted everything written, nothing dropped, and the database holds exactly the spans
 * produced), nothing stored twice, and every agent's subtree totals exact.
 *
 * Runs when AGENTSPAN_CITUS_URL names the coordinator of a cluster on this machine (scripts/citus-cluster.sh) and
 * AGENTSPAN_CITUS_LOAD=1: `npm run test:citus` runs it that way, alone, after the other tests — the worker it restarts
 * (with its own pg_ctl) would fail any other test writing to the cluster meanwhile. Skipped, saying so, otherwise.
 */

const APPS = 4;
const RUNS_PER_APP = 150;
const OTLP_RUNS = 480;
const SPANS_PER_REQUEST = 24;
/** Runs start, and requests are first sent, evenly over this long after the go. */
const LOAD_SPREAD_MS = 8_000;
/** A request's second delivery (when not at once to both collectors) this long after its first was answered. */
const REDELIVER_AFTER_MS = 1_000;
/** The worker is stopped this long after the go, and started again this long after it stopped. */
const STOP_WORKER_AFTER_MS = 2_500;
const WORKER_DOWN_MS = 3_000;

const cluster = citusUrl();
const skipReason =
  cluster === undefined
    ? CITUS_SKIP_REASON
    : process.env.AGENTSPAN_CITUS_LOAD !== '1'
      ? 'skipped: npm run test:citus runs it alone (AGENTSPAN_CITUS_LOAD=1), as it restarts a worker node'
      : undefined;
const onCitus = skipReason === undefined ? describe : describe.skip;

onCitus(`Citus load (${skipReason ?? 'AGENTSPAN_CITUS_URL'})`, () => {
  let database: { url: string; close(): Promise<void> } | undefined;
  let worker: CitusNode | undefined;
  const children: ChildProcess[] = [];
  const samplers: Array<{ stop(): Promise<unknown> }> = [];

  beforeAll(async () => {
    worker = await citusWorker(cluster!, 0);
    await ensureNodeRunning(worker);
    database = await createCitusDatabase(cluster!, { migrated: true });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(samplers.map((sampler) => sampler.stop()));
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // Whatever happened, the cluster is left whole for the next test.
    if (worker !== undefined) await ensureNodeRunning(worker);
    await database?.close();
  }, 90_000);

  it('four applications and two collectors through a worker restart: nothing lost, nothing twice, totals exact', async () => {
    const url = database!.url;
    const otlp = otlpLoad(OTLP_RUNS, SPANS_PER_REQUEST);

    const apps = Array.from({ length: APPS }, (_, app) =>
      watch(
        spawnTypeScript('test/support/load-app-process.ts', {
          LOAD_DATABASE_URL: url,
          LOAD_APP: String(app),
          LOAD_RUNS: String(RUNS_PER_APP),
          LOAD_SPREAD_MS: String(LOAD_SPREAD_MS),
        }),
      ),
    );
    const collectors = [0, 1].map(() =>
      watch(
        spawnTypeScript('src/cli/main.ts', { DATABASE_URL: '' }, [
          'collect',
          '--port',
          '0',
          '--database',
          url,
          '--workers',
          '2',
        ]),
      ),
    );
    children.push(...[...apps, ...collectors].map((watched) => watched.child));
    await Promise.all(apps.map((app) => app.line((line) => line.startsWith('{"ready":true'), 60_000)));
    const urls = (await Promise.all(
      collectors.map(async (collector) => {
        const line = await collector.line((text) => text.startsWith('agentspan collector on '), 60_000);
        return /(http:\/\/127\.0\.0\.1:\d+\/)v1\/traces/.exec(line)![1]!;
      }),
    )) as [string, string];

    // Go: the applications start their runs, the sender its requests, and the worker goes down mid-load.
    const go = Date.now();
    for (const app of apps) app.child.stdin!.end('go\n');
    const collectorHealth = urls.map((collectorUrl) => sampleHealth(collectorUrl, go));
    samplers.push(...collectorHealth);
    const restart = (async () => {
      await sleep(STOP_WORKER_AFTER_MS);
      const stopping = Date.now() - go;
      await stopNode(worker!);
      const stopped = Date.now() - go;
      await sleep(WORKER_DOWN_MS);
      await startNode(worker!);
      return { stopping, stopped, started: Date.now() - go };
    })();
    let delivery: DeliveryFigures;
    let workerTimes: { stopping: number; stopped: number; started: number };
    try {
      delivery = await deliverTwice(urls, otlp, {
        spreadMs: LOAD_SPREAD_MS,
        redeliverAfterMs: REDELIVER_AFTER_MS,
        deadlineMs: 90_000,
      });
    } finally {
      workerTimes = await restart;
    }
    const reports = await Promise.all(
      apps.map((app) =>
        app.line((line) => line.startsWith('{"app":'), 150_000).then((line) => JSON.parse(line) as LoadAppReport),
      ),
    );
    const appExits = await Promise.all(apps.map((app) => app.exited));

    // The collectors: everything they took written, then stopped as an operator stops them.
    await Promise.all(urls.map((collectorUrl) => settled(collectorUrl, 90_000)));
    const collectorFinal = await Promise.all(urls.map(health));
    const samples = await Promise.all(collectorHealth.map((sampler) => sampler.stop()));
    for (const collector of collectors) collector.child.kill('SIGTERM');
    const collectorExits = await Promise.all(collectors.map((collector) => collector.exited));
    const loadMs = Date.now() - go;

    // What was produced: every run of every application, every OTLP span.
    const expectedSpans = new Map(otlp.spansByTrace);
    const expectedTotals = new Map(otlp.totals);
    for (const report of reports) {
      report.traceIds.forEach((traceId, run) => {
        const expected = expectedAppRun(report.app, run);
        expectedSpans.set(traceId, expected.spans);
        expectedTotals.set(`${traceId}/LoadOrchestrator`, expected.orchestrator);
        expectedTotals.set(`${traceId}/LoadResearcher`, expected.researcher);
      });
    }
    const spansProduced = [...expectedSpans.values()].reduce((sum, n) => sum + n, 0);
    const stored = await storedRuns(url);

    // What the database holds against what was produced, trace by trace and agent by agent.
    const wrongTraces = [...new Set([...expectedSpans.keys(), ...stored.spansByTrace.keys()])]
      .filter((traceId) => expectedSpans.get(traceId) !== stored.spansByTrace.get(traceId))
      .map((traceId) => ({ traceId, expected: expectedSpans.get(traceId), stored: stored.spansByTrace.get(traceId) }));
    const wrongTotals = [...new Set([...expectedTotals.keys(), ...stored.totals.keys()])]
      .filter((key) => JSON.stringify(expectedTotals.get(key)) !== JSON.stringify(stored.totals.get(key)))
      .map((key) => ({ agent: key, expected: expectedTotals.get(key), stored: stored.totals.get(key) }));
    // Totals wrong in a trace whose spans are all there would be a fault of the totals themselves, not of a loss.
    const incomplete = new Set(wrongTraces.map((wrong) => wrong.traceId));
    const wrongTotalsOfWholeRuns = wrongTotals.filter((wrong) => !incomplete.has(wrong.agent.split('/')[0]!));
    console.log(
      summary({
        loadMs,
        workerTimes,
        reports,
        delivery,
        collectorFinal,
        samples,
        collectorStdout: collectors.map((collector) => collector.stdout()),
        collectorStderr: collectors.map((collector) => collector.stderr()),
        spansProduced,
        stored,
        wrong: { traces: wrongTraces.length, totals: wrongTotals.length, ofWholeRuns: wrongTotalsOfWholeRuns.length },
      }),
    );

    // Every check at once, so that a failure shows everything that went wrong, not only the first thing.
    const observed = {
      // The applications ended by themselves, the collectors on SIGTERM, each with exit code 0.
      exits: { apps: appExits, collectors: collectorExits },
      // Every run returned; all recorded was written, nothing dropped or left in the queue.
      apps: reports.map((report) => ({
        app: report.app,
        thrown: report.thrown,
        runs: report.traceIds.filter((traceId) => traceId !== '').length,
        flush: { complete: report.flush.complete, pending: report.flush.pending },
        recorded: report.stats.recorded,
        written: report.stats.written,
        dropped: droppedReasons(report.stats.dropped),
        left: report.stats.queueDepth + report.stats.inFlight + report.stats.spillPending,
      })),
      distinctRuns: new Set(reports.flatMap((report) => report.traceIds)).size,
      // Every request taken twice; nothing answered but 200, 429 and 503; no span refused on its own.
      sender: { delivered: delivery.delivered, failures: delivery.failures, rejectedSpans: delivery.rejectedSpans },
      spansTaken: collectorFinal.reduce((sum, final) => sum + final.collector.spansAccepted, 0),
      // All each collector took was written: nothing dropped, rejected, ignored or failed, and it said so on exit.
      collectors: collectorFinal.map((final, i) => ({
        ignored: final.collector.spansIgnored,
        rejected: final.collector.spansRejected,
        failed: final.collector.failed,
        recorded: final.counters.recorded,
        written: final.counters.written,
        dropped: droppedReasons(final.counters.dropped as Record<string, number>),
        stopped: collectors[i]!.stdout().trim().split('\n').at(-1),
      })),
      // The database: exactly the spans produced, each once, every run finished, every agent's totals exact.
      database: {
        executions: stored.executions,
        performanceRows: stored.performance,
        orphanPerformanceRows: stored.orphanPerformance,
        duplicateSpans: stored.duplicateSpans,
        statuses: stored.statuses,
        wrongTraces: wrongTraces.length,
        firstWrongTraces: wrongTraces.slice(0, 5),
        wrongTotals: wrongTotals.length,
        wrongTotalsOfWholeRuns: wrongTotalsOfWholeRuns.length,
        firstWrongTotals: [...wrongTotalsOfWholeRuns, ...wrongTotals].slice(0, 5),
      },
    };
    expect(observed).toEqual({
      exits: { apps: [0, 0, 0, 0], collectors: [0, 0] },
      apps: reports.map((report) => {
        const records = Array.from({ length: RUNS_PER_APP }, (_, run) => recordsOfAppRun(report.app, run));
        const total = records.reduce((sum, n) => sum + n, 0);
        return {
          app: report.app,
          thrown: [],
          runs: RUNS_PER_APP,
          flush: { complete: true, pending: 0 },
          recorded: total,
          written: total,
          dropped: {},
          left: 0,
        };
      }),
      distinctRuns: APPS * RUNS_PER_APP,
      sender: { delivered: 2 * otlp.bodies.length, failures: [], rejectedSpans: 0 },
      spansTaken: 2 * otlp.spans,
      collectors: collectorFinal.map((final) => ({
        ignored: 0,
        rejected: 0,
        failed: {},
        recorded: final.collector.spansAccepted,
        written: final.collector.spansAccepted,
        dropped: {},
        stopped: `agentspan collector stopped: ${final.collector.spansAccepted} record(s) written, 0 dropped`,
      })),
      database: {
        executions: spansProduced,
        performanceRows: spansProduced,
        orphanPerformanceRows: 0,
        duplicateSpans: [],
        statuses: { completed: spansProduced },
        wrongTraces: 0,
        firstWrongTraces: [],
        wrongTotals: 0,
        wrongTotalsOfWholeRuns: 0,
        firstWrongTotals: [],
      },
    });
    // The outage was felt: writes failed and were retried, and breakers opened (a distributed deadlock alone, which
    // this load also meets now and then, is retried too, but opens no breaker).
    const retried =
      reports.reduce((sum, report) => sum + report.stats.retried, 0) +
      collectorFinal.reduce((sum, final) => sum + final.counters.retried, 0);
    const breakersOpened =
      reports.reduce((sum, report) => sum + report.breakerOpened, 0) +
      collectorFinal.reduce((sum, final) => sum + final.breaker.opened, 0);
    expect({ retried: retried > 0, breakersOpened: breakersOpened > 0 }).toEqual({
      retried: true,
      breakersOpened: true,
    });
  }, 240_000);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The reasons something was dropped for, with their counts (none: `{}`). */
function droppedReasons(dropped: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(dropped).filter(([, count]) => count > 0));
}

/** A child process's output as it comes, its exit code, and its lines waited for. */
interface Watched {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
  /** The first line of stdout that `matches`; rejects if the child exits or the time runs out first. */
  line(matches: (line: string) => boolean, timeoutMs: number): Promise<string>;
}

function watch(child: ChildProcess): Watched {
  let stdout = '';
  let stderr = '';
  let exitCode: number | null | undefined;
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async line(matches, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = stdout.split('\n').find((line, i, lines) => i < lines.length - 1 && matches(line));
        if (found !== undefined) return found;
        if (exitCode !== undefined) throw new Error(`the child exited (${exitCode}) first: ${stderr}\n${stdout}`);
        if (Date.now() > deadline) throw new Error(`no such line within ${timeoutMs} ms: ${stderr}\n${stdout}`);
        await sleep(50);
      }
    },
  };
}

interface CollectorHealth {
  status: string;
  collector: {
    requests: number;
    spansAccepted: number;
    spansIgnored: number;
    spansRejected: number;
    refused: { 429: number; 503: number };
    failed: Record<string, number>;
  };
  queue: { depth: number; inFlight: number };
  breaker: { state: string; opened: number };
  lastError: string | null;
  counters: { recorded: number; written: number; retried: number; droppedTotal: number; dropped: object };
  workers?: Array<{ breaker: string; queueDepth: number; recorded: number; written: number }>;
}

async function health(collectorUrl: string): Promise<CollectorHealth> {
  const response = await fetch(`${collectorUrl}healthz`, { signal: AbortSignal.timeout(10_000) });
  return (await response.json()) as CollectorHealth;
}

/** Waits until the collector has written, or counted as dropped, everything it took. */
async function settled(collectorUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await health(collectorUrl);
    const { recorded, written, droppedTotal } = now.counters;
    if (now.queue.depth === 0 && now.queue.inFlight === 0 && recorded === written + droppedTotal) return;
    if (Date.now() > deadline) throw new Error(`the collector did not settle: ${JSON.stringify(now)}`);
    await sleep(200);
  }
}

/**
 * The collector's /healthz every 250 ms: its largest queue depth, each change of its breakers' states, and every second
 * the records written so far and queued (ms after go).
 */
function sampleHealth(collectorUrl: string, go: number) {
  let maxQueueDepth = 0;
  const statuses: Array<{ atMs: number; breaker: string; workers: string }> = [];
  const progress: Array<{ atMs: number; written: number; queued: number }> = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const now = await health(collectorUrl).catch(() => undefined);
      if (now !== undefined) {
        maxQueueDepth = Math.max(maxQueueDepth, now.queue.depth);
        const atMs = Date.now() - go;
        if (atMs >= progress.length * 1000) {
          progress.push({ atMs, written: now.counters.written, queued: now.queue.depth });
        }
        const workers = (now.workers ?? []).map((w) => w.breaker).join('/');
        const last = statuses.at(-1);
        if (last?.breaker !== now.breaker.state || last.workers !== workers) {
          statuses.push({ atMs: Date.now() - go, breaker: now.breaker.state, workers });
        }
      }
      await sleep(250);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { maxQueueDepth, statuses, progress };
    },
  };
}

interface StoredRuns {
  executions: number;
  performance: number;
  orphanPerformance: number;
  duplicateSpans: Array<{ trace_id: string; span_id: string; n: number }>;
  statuses: Record<string, number>;
  spansByTrace: Map<string, number>;
  totals: Map<string, AgentTotals>;
}

async function storedRuns(url: string): Promise<StoredRuns> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const rows = async <T>(sql: string) => (await client.query(sql)).rows as T[];
    const [executions] = await rows<{ n: number }>('SELECT count(*)::int AS n FROM agent_executions');
    const [performance] = await rows<{ n: number }>('SELECT count(*)::int AS n FROM agent_performance');
    const [orphans] = await rows<{ n: number }>(
      `SELECT count(*)::int AS n FROM agent_performance p
       LEFT JOIN agent_executions e ON e.trace_id = p.trace_id AND e.id = p.execution_id WHERE e.id IS NULL`,
    );
    const duplicateSpans = await rows<{ trace_id: string; span_id: string; n: number }>(
      `SELECT trace_id, span_id, count(*)::int AS n FROM agent_executions GROUP BY trace_id, span_id
       HAVING count(*) > 1 LIMIT 20`,
    );
    const statuses = await rows<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM agent_executions GROUP BY status',
    );
    const traces = await rows<{ trace_id: string; n: number }>(
      'SELECT trace_id, count(*)::int AS n FROM agent_executions GROUP BY trace_id',
    );
    const agents = await rows<{
      trace_id: string;
      agent_name: string;
      input: string | null;
      output: string | null;
      llm: number | null;
      tools: number | null;
    }>(
      `SELECT e.trace_id, e.agent_name, p.total_input_tokens::text AS input, p.total_output_tokens::text AS output,
              p.llm_call_count AS llm, p.tool_call_count AS tools
       FROM agent_executions e
       LEFT JOIN agent_performance p ON p.trace_id = e.trace_id AND p.execution_id = e.id
       WHERE e.kind = 'agent'`,
    );
    const totals = new Map<string, AgentTotals>();
    for (const agent of agents) {
      const key = `${agent.trace_id}/${agent.agent_name}`;
      // Two agents of one name in a trace would be a wrong run: keep it visible as a mismatch.
      const figures = {
        inputTokens: agent.input === null ? Number.NaN : Number(agent.input),
        outputTokens: agent.output === null ? Number.NaN : Number(agent.output),
        llmCalls: agent.llm ?? Number.NaN,
        toolCalls: agent.tools ?? Number.NaN,
      };
      totals.set(key, totals.has(key) ? ({ duplicate: true } as never) : figures);
    }
    return {
      executions: executions!.n,
      performance: performance!.n,
      orphanPerformance: orphans!.n,
      duplicateSpans,
      statuses: Object.fromEntries(statuses.map((row) => [row.status, row.n])),
      spansByTrace: new Map(traces.map((row) => [row.trace_id, row.n])),
      totals,
    };
  } finally {
    await client.end();
  }
}

const progressLine = (progress: Array<{ written: number; queued: number }>) =>
  progress.map((point) => `${point.written}/${point.queued}`).join(' ');

/** What happened, for the test's output: timings, the outage as each process saw it, and the counts. */
function summary(figures: {
  loadMs: number;
  workerTimes: { stopping: number; stopped: number; started: number };
  reports: LoadAppReport[];
  delivery: DeliveryFigures;
  collectorFinal: CollectorHealth[];
  samples: Array<{
    maxQueueDepth: number;
    statuses: Array<{ atMs: number; breaker: string; workers: string }>;
    progress: Array<{ atMs: number; written: number; queued: number }>;
  }>;
  collectorStdout: string[];
  collectorStderr: string[];
  spansProduced: number;
  stored: StoredRuns;
  wrong: { traces: number; totals: number; ofWholeRuns: number };
}): string {
  const lines = [
    `Citus load: ${figures.loadMs} ms from go to the collectors stopped`,
    `worker stopped ${figures.workerTimes.stopping}–${figures.workerTimes.stopped} ms after go, ` +
      `running again at ${figures.workerTimes.started} ms`,
  ];
  for (const report of figures.reports) {
    lines.push(
      `app ${report.app}: ran ${report.ranMs} ms, flush ${report.flush.ms} ms (complete ${report.flush.complete}), ` +
        `recorded ${report.stats.recorded} written ${report.stats.written} dropped ${report.stats.droppedTotal} ` +
        `retried ${report.stats.retried}, max queue ${report.maxQueueDepth}, breaker opened ${report.breakerOpened} ` +
        `(${report.breakerStates.map((s) => `${s.state}@${s.atMs}`).join(' ')}), ${report.diagnostics} diag message(s)` +
        (report.stats.lastError === null ? '' : `\n    last error: ${report.stats.lastError}`) +
        `\n    written/queued each second: ${progressLine(report.progress)}` +
        (report.firstDiagnostics.length > 0 ? `\n    ${report.firstDiagnostics.slice(0, 4).join('\n    ')}` : ''),
    );
  }
  lines.push(
    `sender: ${figures.delivery.delivered} deliveries in ${figures.delivery.ms} ms, refused 429 × ` +
      `${figures.delivery.refused[429]}, 503 × ${figures.delivery.refused[503]}, failures ${figures.delivery.failures.length}`,
  );
  figures.collectorFinal.forEach((final, i) => {
    const sample = figures.samples[i]!;
    const stderr = figures.collectorStderr[i]!.trim().split('\n').filter(Boolean);
    lines.push(
      `collector ${i}: ${final.collector.requests} requests, accepted ${final.collector.spansAccepted}, refused ` +
        `${JSON.stringify(final.collector.refused)}, written ${final.counters.written}, dropped ` +
        `${final.counters.droppedTotal}, retried ${final.counters.retried}, breaker opened ${final.breaker.opened}, ` +
        `max queue ${sample.maxQueueDepth} (${sample.statuses.map((s) => `${s.breaker}[${s.workers}]@${s.atMs}`).join(' ')})` +
        `; ${figures.collectorStdout[i]!.trim().split('\n').at(-1)}; ${stderr.length} stderr line(s)` +
        `\n    written/queued each second: ${progressLine(sample.progress)}` +
        (final.lastError === null ? '' : `\n    last error: ${final.lastError}`) +
        (stderr.length > 0 ? `\n    ${stderr.slice(0, 30).join('\n    ')}` : ''),
    );
    if (final.counters.droppedTotal > 0) lines.push(`  dropped: ${JSON.stringify(final.counters.dropped)}`);
  });
  lines.push(
    `database: ${figures.stored.executions} executions stored, ${figures.spansProduced} produced; ` +
      `${figures.stored.duplicateSpans.length} duplicates; ${figures.wrong.traces} trace(s) with spans missing, ` +
      `${figures.wrong.totals} agent(s) with wrong totals (${figures.wrong.ofWholeRuns} in runs stored whole)`,
  );
  return lines.join('\n');
}
