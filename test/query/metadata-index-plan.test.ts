import { AgentRunRepository } from '../../src/query/agent-run-repository';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';

/**
 * The metadata filter is served by its index: EXPLAIN of the very statement history() sends for
 * `{ metadata: { repo } }` (captured, with its parameters) shows idx_agent_executions_metadata, the GIN index over
 * agent rows' metadata, and the page is right.
 *
 * The planner chooses between two plans for a page of runs filtered by metadata: walking idx_agent_executions_started
 * backwards and testing each run's metadata, which ends quickly when many runs match, and the GIN index, which finds
 * the few runs that match at once. This data makes the second the right choice and says so in its statistics: 3,000
 * runs in three common repositories, which ANALYZE keeps as most common values, and three runs of a rare one, looked
 * up here; 2,000 LLM rows carry metadata too and are no runs. The planner needs no nudge: without the index, or with
 * a filter the index cannot serve (`->>` instead of `@>`, a predicate that does not imply `kind = 'agent'`), the
 * plan walks idx_agent_executions_started or the table, and the test fails. No enable_seqscan = off either: with
 * these statistics PGlite (PostgreSQL 17) and a server (15 and later) make the same choice. `npm run bench` (section
 * finding) measures the same query at 1,000,000 executions.
 */

let store: StoreFixture;

beforeAll(async () => {
  store = await createStoreFixture();
  await store.dataSource.query(`
    INSERT INTO agent_executions (trace_id, span_id, kind, name, agent_name, status, started_at, metadata)
    SELECT lpad(to_hex(i), 32, '0'), lpad(to_hex(i), 16, '0'),
           CASE WHEN i <= 3000 THEN 'agent' ELSE 'llm' END, 'span ' || i, 'Reviewer', 'completed',
           timestamptz '2026-11-08T00:00:00Z' + i * interval '1 minute',
           jsonb_build_object('repo', CASE WHEN i % 1000 = 7 THEN 'org/rare' ELSE 'org/common-' || (i % 3) END)
    FROM generate_series(1, 5000) i`);
  await store.dataSource.query('ANALYZE agent_executions');
}, 60_000);

afterAll(() => store?.close());

/** The names of the indexes a JSON plan reads, at any depth. */
function indexesOf(plan: unknown): string[] {
  if (Array.isArray(plan)) return plan.flatMap(indexesOf);
  if (typeof plan !== 'object' || plan === null) return [];
  const node = plan as Record<string, unknown>;
  const own = typeof node['Index Name'] === 'string' ? [node['Index Name']] : [];
  return [...own, ...Object.values(node).flatMap(indexesOf)];
}

it('history({ metadata }) reads the GIN index on metadata, and gets the right page', async () => {
  const { dataSource } = store;
  const runs = new AgentRunRepository(dataSource);
  const query = jest.spyOn(dataSource, 'query');
  const page = await runs.history({ metadata: { repo: 'org/rare' }, limit: 20 });
  const [sql, parameters] = query.mock.calls[0] as [string, unknown[]];
  query.mockRestore();

  expect(sql).toContain('e.metadata @> $1::jsonb');
  expect(parameters[0]).toBe('{"repo":"org/rare"}');
  // Runs 2007, 1007 and 7, newest first; the LLM rows 3007 and 4007 of that repository are no runs.
  expect(page.runs.map((run) => run.name)).toEqual(['span 2007', 'span 1007', 'span 7']);

  const [{ 'QUERY PLAN': plan }] = await dataSource.query(`EXPLAIN (FORMAT JSON) ${sql}`, parameters);
  expect(indexesOf(plan)).toContain('idx_agent_executions_metadata');
  expect(indexesOf(plan)).not.toContain('idx_agent_executions_started');
});
