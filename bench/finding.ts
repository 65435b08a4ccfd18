/**
 * Finding runs by what they were about, on one million executions: the queries section's data (200,000 agent runs
 * over 30 days, each with four children) where every run and its children carry a metadata { repo, customer, issue },
 * a session and a conversation (bench/queries.ts, seed with context). Times a page of history filtered by metadata
 * (a common value, a rare one), the latest run of an agent for a repository, history of a session, an error search,
 * cost per repository and per customer over 30 days, and pages of sessions; median of several runs after a warm-up.
 * Also says which indexes the planner chose for the metadata-filtered pages.
 *
 *   node --expose-gc -r ts-node/register/transpile-only bench/section.ts finding
 */
import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { AgentRunRepository } from '../src/query/agent-run-repository';
import { createAgentspanDataSource } from '../src/store/connection/data-source';
import { runMigrations } from '../src/store/connection/migrate';
import { createTestDatabase } from '../test/support/database';
import { latency, seed } from './queries';

const DAYS = 30;

export interface FindingLatencies {
  executions: number;
  runs: number;
  seedSeconds: number;
  /** Median milliseconds per query. */
  historyByRepoMs: number;
  historyByCustomerMs: number;
  historyByIssueMs: number;
  latestOfAgentForRepoMs: number;
  historyOfSessionMs: number;
  errorSearch24hMs: number;
  costByRepo30dMs: number;
  costByCustomer30dMs: number;
  /** The same 30 days per model, for comparison: what reading a metadata key adds. */
  costByModel30dMs: number;
  sessionsPageMs: number;
  sessions24hPageMs: number;
  /** The indexes each metadata-filtered history page read, as EXPLAIN shows them. */
  plans: Record<string, string[]>;
}

export async function benchFinding(): Promise<FindingLatencies> {
  const database = await createTestDatabase();
  const dataSource = await createAgentspanDataSource({ url: database.url, poolSize: 2, statementTimeoutMs: 0 });
  try {
    await runMigrations(dataSource);
    const started = performance.now();
    await seed(dataSource, { context: true });
    const seedSeconds = (performance.now() - started) / 1000;
    const runs = new AgentRunRepository(dataSource);
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const day = { since: new Date(hour - 86_400_000), until: new Date(hour) };
    const month = { since: new Date(hour - DAYS * 86_400_000), until: new Date(hour) };
    const [{ executions, agentRuns }] = await dataSource.query(
      `SELECT count(*)::int AS executions, (count(*) FILTER (WHERE kind = 'agent'))::int AS "agentRuns"
       FROM agent_executions`,
    );
    // 2 % of the runs, 0.1 %, and ten runs in 200,000.
    const byRepo = { metadata: { repo: 'org/repo-7' }, limit: 50 };
    const byCustomer = { metadata: { customer: 'customer-7' }, limit: 50 };
    const byIssue = { metadata: { issue: 1234 }, limit: 50 };
    return {
      executions,
      runs: agentRuns,
      seedSeconds,
      historyByRepoMs: await latency(() => runs.history(byRepo)),
      historyByCustomerMs: await latency(() => runs.history(byCustomer)),
      historyByIssueMs: await latency(() => runs.history(byIssue)),
      latestOfAgentForRepoMs: await latency(() => runs.latest('Agent3', { metadata: { repo: 'org/repo-13' } })),
      historyOfSessionMs: await latency(() => runs.history({ sessionId: 'session-1234' })),
      errorSearch24hMs: await latency(() => runs.history({ errorContains: 'GAVE', ...day, limit: 50 })),
      costByRepo30dMs: await latency(() => runs.costBreakdown({ groupBy: 'metadata.repo', ...month })),
      costByCustomer30dMs: await latency(() => runs.costBreakdown({ groupBy: 'metadata.customer', ...month })),
      costByModel30dMs: await latency(() => runs.costBreakdown({ groupBy: 'model', ...month })),
      sessionsPageMs: await latency(() => runs.sessions({ limit: 20 })),
      sessions24hPageMs: await latency(() => runs.sessions({ ...day, limit: 20 })),
      plans: {
        repo: await indexesRead(dataSource, runs, byRepo),
        customer: await indexesRead(dataSource, runs, byCustomer),
        issue: await indexesRead(dataSource, runs, byIssue),
      },
    };
  } finally {
    await dataSource.destroy();
    await database.close();
  }
}

/** The indexes the statement history(options) sends reads, by EXPLAIN of that statement with its parameters. */
async function indexesRead(
  dataSource: DataSource,
  runs: AgentRunRepository,
  options: Parameters<AgentRunRepository['history']>[0],
): Promise<string[]> {
  const original = dataSource.query.bind(dataSource);
  let statement: [string, unknown[]] | undefined;
  dataSource.query = (async (sql: string, parameters?: unknown[]) => {
    statement ??= [sql, parameters ?? []];
    return original(sql, parameters);
  }) as DataSource['query'];
  try {
    await runs.history(options);
  } finally {
    dataSource.query = original;
  }
  const [{ 'QUERY PLAN': plan }] = await dataSource.query(`EXPLAIN (FORMAT JSON) ${statement![0]}`, statement![1]);
  return [...JSON.stringify(plan).matchAll(/"Index Name":"([^"]+)"/g)].map((match) => match[1]!);
}

if (require.main === module) {
  benchFinding()
    .then((result) => console.log(result))
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
}
