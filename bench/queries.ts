/**
 * Query latency on one million executions: a page of run history and stats by agent over 24 hours, from raw rows
 * and from the hourly rollups (and 30 days from the rollups); LLM stats, costs by model and top errors over 24 hours. Seeds a scratch database with generate_series (200,000
 * agent runs over 30 days, each with two LLM calls, a tool call and a task: 1,000,000 executions with their
 * performance rows), then times each query: median of several runs after a warm-up.
 *
 *   npx ts-node --transpile-only bench/queries.ts     (DATABASE_URL, else an in-memory embedded database: slow)
 */
import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { AgentRunRepository } from '../src/query/agent-run-repository';
import { startUiServer } from '../src/ui/server/ui-server';
import { createAgentspanDataSource } from '../src/store/connection/data-source';
import { refreshHourlyRollups } from '../src/rollups/hourly-rollups';
import { runMigrations } from '../src/store/connection/migrate';
import { createTestDatabase } from '../test/support/database';
import { median } from './measure';

const RUNS = 200_000;
const SPANS_PER_RUN = 5;
const DAYS = 30;
const REPEATS = 7;

export interface QueryLatencies {
  executions: number;
  seedSeconds: number;
  rollupSeconds: number;
  /** Median milliseconds per query. */
  historyPageMs: number;
  historyPageOfAgentMs: number;
  stats24hRawMs: number;
  stats24hRollupMs: number;
  stats30dRollupMs: number;
  statsByModel24hMs: number;
  costsByModel24hMs: number;
  topErrors24hMs: number;
  /** The dashboard's runs page, through its HTTP API (GET /api/runs, a page of 50 and the live cursor). */
  dashboardRunsPageMs: number;
  /** The same, one agent's failed runs. */
  dashboardRunsOfAgentMs: number;
}

export async function benchQueries(): Promise<QueryLatencies> {
  const database = await createTestDatabase();
  const dataSource = await createAgentspanDataSource({ url: database.url, poolSize: 2, statementTimeoutMs: 0 });
  try {
    await runMigrations(dataSource);
    let started = performance.now();
    await seed(dataSource);
    const seedSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    await refreshHourlyRollups(dataSource);
    const rollupSeconds = (performance.now() - started) / 1000;
    const runs = new AgentRunRepository(dataSource);
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const day = { since: new Date(hour - 86_400_000), until: new Date(hour) };
    const month = { since: new Date(hour - DAYS * 86_400_000), until: new Date(hour) };
    const [{ executions }] = await dataSource.query(`SELECT count(*)::int AS executions FROM agent_executions`);
    const dashboard = await startUiServer({ runs, dataSource: async () => dataSource, tenant: undefined }, { port: 0 });
    const page = (query: string) => async () => {
      const response = await fetch(new URL(`/api/runs?${query}`, dashboard.url));
      if (response.status !== 200) throw new Error(`GET /api/runs?${query}: ${response.status}`);
      await response.json();
    };
    try {
      return {
        executions,
        seedSeconds,
        rollupSeconds,
        historyPageMs: await latency(() => runs.history({ limit: 50 })),
        historyPageOfAgentMs: await latency(() => runs.history({ agent: 'Agent3', status: 'failed', limit: 50 })),
        stats24hRawMs: await latency(() => runs.stats({ groupBy: 'agent', ...day, source: 'raw' })),
        stats24hRollupMs: await latency(() => runs.stats({ groupBy: 'agent', ...day, source: 'rollup' })),
        stats30dRollupMs: await latency(() => runs.stats({ groupBy: 'agent', ...month, source: 'rollup' })),
        statsByModel24hMs: await latency(() => runs.stats({ groupBy: 'model', ...day })),
        costsByModel24hMs: await latency(() => runs.costBreakdown({ groupBy: 'model', ...day })),
        topErrors24hMs: await latency(() => runs.topErrors({ ...day })),
        dashboardRunsPageMs: await latency(page('limit=50')),
        dashboardRunsOfAgentMs: await latency(page('agent=Agent3&status=failed&limit=50')),
      };
    } finally {
      await dashboard.close();
    }
  } finally {
    await dataSource.destroy();
    await database.close();
  }
}

/** Median wall time of REPEATS runs after one warm-up, in ms. */
export async function latency(query: () => Promise<unknown>): Promise<number> {
  await query();
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const start = performance.now();
    await query();
    times.push(performance.now() - start);
  }
  return median(times);
}

/**
 * With `context`, every run and its children also carry what withAgentContext gives them (bench/finding.ts):
 * metadata { repo (50), customer (1,000), issue (20,000 values: ten runs each) }, a session and a conversation of
 * five runs each.
 */
const CONTEXT_COLUMNS = ', metadata, session_id, conversation_id';
const CONTEXT_VALUES = `, jsonb_build_object('repo', 'org/repo-' || (r % 50), 'customer', 'customer-' || (r % 1000),
                                   'issue', r % 20000),
           'session-' || (r / 5), 'conversation-' || (r / 5)`;

/**
 * RUNS agent runs spread evenly over the last DAYS days, ten agents, 50 tenants, 1,000 users; 7 % failed, 2 %
 * cancelled, the newest 1 % of a hundred running. Children: two LLM calls with tokens and cost, a tool call, a task.
 * Agent rows get subtree totals as the writer would compute them.
 */
export async function seed(dataSource: DataSource, options: { context?: boolean } = {}): Promise<void> {
  await dataSource.query(`
    INSERT INTO agent_executions (trace_id, span_id, parent_span_id, kind, name, agent_name, status, started_at,
                                  completed_at, error_type, error_message, user_id, tenant_id, metrics, created_at,
                                  updated_at${options.context ? CONTEXT_COLUMNS : ''})
    SELECT lpad(to_hex(r), 32, '0'), lpad(to_hex(c + 1), 16, '0'),
           CASE WHEN c = 0 THEN NULL ELSE lpad('1', 16, '0') END,
           kind, CASE WHEN c = 0 THEN 'invoke_agent Agent' || (r % 10) ELSE kind || ' span' END,
           'Agent' || (r % 10), status, started, CASE WHEN status = 'running' THEN NULL ELSE started + interval '2 seconds' END,
           CASE WHEN status = 'failed' THEN 'TimeoutError' END, CASE WHEN status = 'failed' THEN 'gave up' END,
           'user-' || (r % 1000), 'tenant-' || (r % 50),
           CASE WHEN c = 0 THEN jsonb_build_object('items', r % 17) END,
           -- Written when they ended, as the writer would: one transaction per row's time, not all at once.
           started + interval '2 seconds', started + interval '2 seconds'${options.context ? CONTEXT_VALUES : ''}
    FROM generate_series(${RUNS}, 1, -1) r -- oldest first, as a writer appends them
      CROSS JOIN generate_series(0, ${SPANS_PER_RUN - 1}) c
      CROSS JOIN LATERAL (SELECT
        (ARRAY['agent', 'llm', 'llm', 'tool', 'task'])[c + 1] AS kind,
        now() - (r * interval '${DAYS} days' / ${RUNS}) + c * interval '10 milliseconds' AS started,
        CASE WHEN r % 100 < 7 THEN 'failed' WHEN r % 100 < 9 THEN 'cancelled'
             WHEN r <= ${RUNS / 100} AND r % 100 = 99 AND c = 0 THEN 'running' ELSE 'completed' END AS status) s`);
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
    FROM agent_executions WHERE status <> 'running'`);
  await dataSource.query(`
    UPDATE agent_performance p SET total_input_tokens = t.input, total_output_tokens = t.output,
           total_cache_read_tokens = 0, total_cache_write_tokens = 0, total_reasoning_tokens = 0,
           total_cost_usd = t.cost, llm_call_count = 2, tool_call_count = 1, error_count = t.errors
    FROM (SELECT a.id, a.trace_id, sum(cp.input_tokens) AS input, sum(cp.output_tokens) AS output, sum(cp.cost_usd) AS cost,
                 (count(*) FILTER (WHERE c.status = 'failed'))::int AS errors
          FROM agent_executions a
            JOIN agent_executions c ON c.trace_id = a.trace_id
            JOIN agent_performance cp ON cp.trace_id = c.trace_id AND cp.execution_id = c.id
          WHERE a.kind = 'agent' GROUP BY a.id, a.trace_id) t
    WHERE p.trace_id = t.trace_id AND p.execution_id = t.id`);
  // As autovacuum would have done over 30 days: statistics, and the BRIN ranges summarised (new ranges are not, until
  // a vacuum, and an unsummarised range always matches).
  await dataSource.query('VACUUM ANALYZE');
}

if (require.main === module) {
  benchQueries()
    .then((result) => console.table(result))
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
}
