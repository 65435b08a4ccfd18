/**
 * The single PostgreSQL server (DATABASE_URL) beside a Citus cluster (AGENTSPAN_CITUS_URL, its coordinator), in one
 * run:
 *  - write throughput: section 3's workload (bench/persistence.ts benchThroughput: recorded agent spans replayed into
 *    an AgentSpanProcessor, a warm-up set, then the timed set until all are committed), run as that section in a fresh
 *    process for each side, against a fresh database of the server and a fresh distributed database of the cluster;
 *  - query latency of the main reads on the same seeded runs in both (bench/queries.ts's data, with the run context,
 *    scaled down): median and p95 of SAMPLES runs after a warm-up, the two sides interleaved so that the machine's
 *    noise falls on both alike.
 * Skipped, with the reason, without both URLs.
 *
 *   AGENTSPAN_CITUS_URL=postgres://postgres@127.0.0.1:9700/postgres DATABASE_URL=postgres://… \
 *     node --expose-gc -r ts-node/register/transpile-only bench/section.ts cluster
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { DataSource } from 'typeorm';
import { AgentRunRepository } from '../src/query/agent-run-repository';
import { createAgentspanDataSource } from '../src/store/connection/data-source';
import { runMigrations } from '../src/store/connection/migrate';
import { createCitusDatabase, testsAreDistributed } from '../test/support/citus-database';
import { createTestDatabase } from '../test/support/database';
import { median } from './measure';
import type { ThroughputBenchResult } from './persistence';

/** Timed spans and warm-up spans per side: section 3's workload at a fifth of its volume (the cluster writes slower). */
const THROUGHPUT_SPANS = 40_000;
const WARMUP_SPANS = 10_000;
/** Seeded agent runs (each with four children, as in bench/queries.ts), spread over DAYS days. */
const SEEDED_RUNS = 5_000;
const SPANS_PER_RUN = 5;
const DAYS = 30;
/** Timed runs of each query on each side, after one warm-up: enough for a rough p95 (the second slowest of 25). */
const SAMPLES = 25;

/** The reads timed: history page, getRun by trace id and by execution id, stats, costBreakdown, sessions, topErrors. */
export type ClusterQuery = keyof Awaited<ReturnType<typeof mainReads>>;

export interface QueryLatency {
  medianMs: number;
  p95Ms: number;
}

/** Section 3's figures for one side (its naive processor not run). */
export type WriteFigures = Pick<ThroughputBenchResult, 'spansPerSecond' | 'coldSpansPerSecond' | 'cpuMicrosPerSpan'>;

export interface ServerFigures {
  write: WriteFigures;
  queries: Record<ClusterQuery, QueryLatency>;
  seedSeconds: number;
}

export type ClusterBenchResult =
  | { skipped: string }
  | {
      skipped?: undefined;
      throughputSpans: number;
      warmupSpans: number;
      executions: number;
      samples: number;
      workers: number;
      shards: number;
      single: ServerFigures;
      cluster: ServerFigures;
    };

export async function benchCluster(): Promise<ClusterBenchResult> {
  const citusUrl = process.env.AGENTSPAN_CITUS_URL;
  const singleUrl = process.env.DATABASE_URL;
  if (!citusUrl) return { skipped: 'AGENTSPAN_CITUS_URL is not set (scripts/citus-cluster.sh start prints it)' };
  if (!singleUrl) return { skipped: 'DATABASE_URL is not set: no single server to compare the cluster with' };
  if (testsAreDistributed()) return { skipped: 'AGENTSPAN_TEST_DISTRIBUTED=1 makes DATABASE_URL a cluster too' };

  const singleWrite = await throughputInFreshProcess(singleUrl, false);
  const clusterWrite = await throughputInFreshProcess(citusUrl, true);

  const singleDatabase = await createTestDatabase();
  try {
    const clusterDatabase = await createCitusDatabase(citusUrl, { migrated: true });
    try {
      const reads = await withDataSource(singleDatabase.url, (single) =>
        withDataSource(clusterDatabase.url, (cluster) => compareReads(single, cluster)),
      );
      return {
        throughputSpans: THROUGHPUT_SPANS,
        warmupSpans: WARMUP_SPANS,
        ...reads.facts,
        single: { write: singleWrite, ...reads.single },
        cluster: { write: clusterWrite, ...reads.cluster },
      };
    } finally {
      await closeWithRetries(clusterDatabase);
    }
  } finally {
    await singleDatabase.close();
  }
}

/**
 * Drops the cluster's database, again after a failure: on a cluster shared with other work, connecting to a node to end
 * the database's connections can meet "too many clients" for a moment.
 */
async function closeWithRetries(database: { url: string; close(): Promise<void> }): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await database.close();
    } catch (error) {
      if (attempt === 3) throw new Error(`could not drop ${database.url}`, { cause: error });
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 2_000));
    }
  }
}

async function withDataSource<T>(url: string, work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const dataSource = await createAgentspanDataSource({ url, poolSize: 2, statementTimeoutMs: 0 });
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

/** Seeds the same runs in both databases (the single one migrated here) and times the main reads on both. */
async function compareReads(single: DataSource, cluster: DataSource) {
  await runMigrations(single);
  const singleSeed = (await timed(() => seedRuns(single))) / 1000;
  const clusterSeed = (await timed(() => seedRuns(cluster))) / 1000;
  const count = `SELECT count(*)::int AS executions FROM agent_executions`;
  const [[{ executions }], [{ executions: clusterExecutions }]] = await Promise.all([
    single.query(count),
    cluster.query(count),
  ]);
  if (executions !== clusterExecutions) throw new Error(`seeded ${executions} and ${clusterExecutions} executions`);
  const [{ workers, shards }] = (await cluster.query(
    `SELECT (SELECT count(*)::int FROM pg_dist_node WHERE shouldhaveshards AND isactive AND noderole = 'primary')
                AS workers,
              (SELECT count(*)::int FROM pg_dist_shard WHERE logicalrelid = 'agent_executions'::regclass) AS shards`,
  )) as Array<{ workers: number; shards: number }>;
  const queries = await interleavedLatencies(await mainReads(single), await mainReads(cluster));
  return {
    facts: { executions: executions as number, samples: SAMPLES, workers, shards },
    single: { queries: queries.single, seedSeconds: singleSeed },
    cluster: { queries: queries.cluster, seedSeconds: clusterSeed },
  };
}

/**
 * Section 3 (bench/section.ts throughput) in a node of its own, on a fresh database of `serverUrl`: a cluster's when
 * `distributed` (test/support/database.ts then makes it with createCitusDatabase). Its naive processor is left out
 * (BENCH_NAIVE_SPANS=0): it is section 3's baseline, not what this compares.
 */
function throughputInFreshProcess(serverUrl: string, distributed: boolean): Promise<WriteFigures> {
  const env = {
    ...process.env,
    DATABASE_URL: serverUrl,
    AGENTSPAN_TEST_DISTRIBUTED: distributed ? '1' : '',
    BENCH_SPANS: String(THROUGHPUT_SPANS),
    BENCH_WARMUP_SPANS: String(WARMUP_SPANS),
    BENCH_NAIVE_SPANS: '0',
  };
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, resolve(__dirname, 'section.ts'), 'throughput'], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      // The section's result is its last line: RESULT_PREFIX (bench/section.ts), then JSON.
      const line = stdout.trimEnd().split('\n').pop() ?? '';
      try {
        if (code !== 0) throw new Error(`exit code ${code}`);
        const result = JSON.parse(line.slice(line.indexOf('{'))) as ThroughputBenchResult;
        const { spansPerSecond, coldSpansPerSecond, cpuMicrosPerSpan } = result;
        resolvePromise({ spansPerSecond, coldSpansPerSecond, cpuMicrosPerSpan });
      } catch (error) {
        const side = distributed ? 'the cluster' : 'the single server';
        reject(new Error(`the throughput section on ${side} failed: ${String(error)}`));
      }
    });
  });
}

type Reads = Record<ClusterQuery, () => Promise<unknown>>;

/** The repository's main reads, on a run that both sides hold (same trace id; the execution ids are each side's). */
async function mainReads(dataSource: DataSource) {
  const runs = new AgentRunRepository(dataSource);
  const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const day = { since: new Date(hour - 86_400_000), until: new Date(hour) };
  const traceId = (SEEDED_RUNS / 2 + 1).toString(16).padStart(32, '0');
  const [root] = (await dataSource.query(
    `SELECT id FROM agent_executions WHERE trace_id = $1 AND parent_span_id IS NULL`,
    [traceId],
  )) as Array<{ id: string }>;
  if (root === undefined) throw new Error(`no seeded run ${traceId}`);
  const tree = (id: string) => async () => {
    if ((await runs.getRun(id)) === null) throw new Error(`getRun(${id}) found nothing`);
  };
  return {
    historyPage: () => runs.history({ limit: 50 }),
    runByTraceId: tree(traceId),
    runByExecutionId: tree(root.id),
    statsByAgent24h: () => runs.stats({ groupBy: 'agent', ...day, source: 'raw' }),
    costByModel24h: () => runs.costBreakdown({ groupBy: 'model', ...day }),
    sessionsPage: () => runs.sessions({ limit: 20 }),
    topErrors24h: () => runs.topErrors({ ...day }),
  };
}

/** Each query on both sides in turn, one warm-up then SAMPLES timed runs each: the same moments of the machine. */
async function interleavedLatencies(
  single: Reads,
  cluster: Reads,
): Promise<Record<'single' | 'cluster', Record<ClusterQuery, QueryLatency>>> {
  const result = { single: {}, cluster: {} } as Record<'single' | 'cluster', Record<ClusterQuery, QueryLatency>>;
  for (const name of Object.keys(single) as ClusterQuery[]) {
    const times = { single: [] as number[], cluster: [] as number[] };
    await single[name]();
    await cluster[name]();
    for (let i = 0; i < SAMPLES; i++) {
      times.single.push(await timed(single[name]));
      times.cluster.push(await timed(cluster[name]));
    }
    result.single[name] = { medianMs: median(times.single), p95Ms: percentile(times.single, 0.95) };
    result.cluster[name] = { medianMs: median(times.cluster), p95Ms: percentile(times.cluster, 0.95) };
  }
  return result;
}

/** Wall time in ms. */
async function timed(query: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await query();
  return performance.now() - start;
}

/** The nearest-rank percentile. */
function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)]!;
}

/**
 * bench/queries.ts's seed with the run context, for SEEDED_RUNS runs instead of its 200,000: ten agents, 7 % failed,
 * 2 % cancelled; children two LLM calls with tokens and cost, a tool call and a task; sessions of five runs; agent
 * rows with their subtree totals. Every statement says trace_id where it joins, so Citus runs it shard by shard.
 */
async function seedRuns(dataSource: DataSource): Promise<void> {
  await dataSource.query(`
    INSERT INTO agent_executions (trace_id, span_id, parent_span_id, kind, name, agent_name, status, started_at,
                                  completed_at, error_type, error_message, user_id, tenant_id, metrics, created_at,
                                  updated_at, metadata, session_id, conversation_id)
    SELECT lpad(to_hex(r), 32, '0'), lpad(to_hex(c + 1), 16, '0'),
           CASE WHEN c = 0 THEN NULL ELSE lpad('1', 16, '0') END,
           kind, CASE WHEN c = 0 THEN 'invoke_agent Agent' || (r % 10) ELSE kind || ' span' END,
           'Agent' || (r % 10), status, started, started + interval '2 seconds',
           CASE WHEN status = 'failed' THEN 'TimeoutError' END, CASE WHEN status = 'failed' THEN 'gave up' END,
           'user-' || (r % 1000), 'tenant-' || (r % 50), CASE WHEN c = 0 THEN jsonb_build_object('items', r % 17) END,
           started + interval '2 seconds', started + interval '2 seconds',
           jsonb_build_object('repo', 'org/repo-' || (r % 50), 'customer', 'customer-' || (r % 1000)),
           'session-' || (r / 5), 'conversation-' || (r / 5)
    FROM generate_series(${SEEDED_RUNS}, 1, -1) r
      CROSS JOIN generate_series(0, ${SPANS_PER_RUN - 1}) c
      CROSS JOIN LATERAL (SELECT
        (ARRAY['agent', 'llm', 'llm', 'tool', 'task'])[c + 1] AS kind,
        now() - (r * interval '${DAYS} days' / ${SEEDED_RUNS}) + c * interval '10 milliseconds' AS started,
        CASE WHEN r % 100 < 7 THEN 'failed' WHEN r % 100 < 9 THEN 'cancelled' ELSE 'completed' END AS status) s`);
  await dataSource.query(`
    INSERT INTO agent_performance (execution_id, trace_id, duration_ms, request_model, input_tokens, output_tokens,
                                   cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd, cost_source,
                                   created_at, updated_at)
    SELECT id, trace_id, 50 + abs(hashtext(trace_id || span_id)) % 5000,
           CASE WHEN kind = 'llm' THEN 'gpt-4o' END,
           CASE WHEN kind = 'llm' THEN 100 + abs(hashtext(span_id || trace_id)) % 900 END,
           CASE WHEN kind = 'llm' THEN 20 END, CASE WHEN kind = 'llm' THEN 0 END, CASE WHEN kind = 'llm' THEN 0 END,
           CASE WHEN kind = 'llm' THEN 0 END, CASE WHEN kind = 'llm' THEN 0.001 END,
           CASE WHEN kind = 'llm' THEN 'provided' ELSE 'unknown' END, updated_at, updated_at
    FROM agent_executions`);
  await dataSource.query(`
    UPDATE agent_performance p SET total_input_tokens = t.input, total_output_tokens = t.output,
           total_cache_read_tokens = 0, total_cache_write_tokens = 0, total_reasoning_tokens = 0,
           total_cost_usd = t.cost, llm_call_count = 2, tool_call_count = 1, error_count = t.errors
    FROM (SELECT a.id, a.trace_id, sum(cp.input_tokens) AS input, sum(cp.output_tokens) AS output,
                 sum(cp.cost_usd) AS cost, (count(*) FILTER (WHERE c.status = 'failed'))::int AS errors
          FROM agent_executions a
            JOIN agent_executions c ON c.trace_id = a.trace_id
            JOIN agent_performance cp ON cp.trace_id = c.trace_id AND cp.execution_id = c.id
          WHERE a.kind = 'agent' GROUP BY a.id, a.trace_id) t
    WHERE p.trace_id = t.trace_id AND p.execution_id = t.id`);
  // Named tables: Citus passes a VACUUM of a distributed table on to its shards.
  await dataSource.query('VACUUM ANALYZE agent_executions, agent_performance');
}

if (require.main === module) {
  benchCluster()
    .then((result) => console.log(JSON.stringify(result, null, 2)))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
