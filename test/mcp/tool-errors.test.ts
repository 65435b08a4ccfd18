import { DatabaseUnavailableError, ToolArgumentError, toolFailure } from '../../src/mcp/tool-errors';
import { AgentspanQueryError } from '../../src/query/agentspan-query-error';

/** A failed call as the tool error a model reads: what was wrong, in the tool's name, never a password. */

const textOf = (error: unknown) => {
  const result = toolFailure('list_runs', error);
  expect(result.isError).toBe(true);
  return (result.content[0] as { text: string }).text;
};

it('names the tool instead of the repository method', () => {
  expect(textOf(new AgentspanQueryError('history: limit must be an integer from 1 to 1000, got 0'))).toBe(
    'list_runs: limit must be an integer from 1 to 1000, got 0',
  );
  expect(textOf(new ToolArgumentError('since: An age must be at most 1,000 years (365250d).'))).toBe(
    'list_runs: since: An age must be at most 1,000 years (365250d).',
  );
});

it('says the database is unavailable, or not migrated, without a password', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  expect(textOf(refused)).toBe('list_runs: the database is unavailable: connect ECONNREFUSED 127.0.0.1:1');
  const opening = new DatabaseUnavailableError('cannot connect to postgres://u:hunter2@db.example/agentspan: 28P01');
  expect(textOf(opening)).toBe(
    'list_runs: the database is unavailable: cannot connect to postgres://u:***@db.example/agentspan: 28P01',
  );
  const missing = Object.assign(new Error('relation "agent_executions" does not exist'), { code: '42P01' });
  expect(textOf(missing)).toBe('list_runs: the database has no agentspan tables: run `agentspan migrate` first');
  const refusedQuery = Object.assign(new Error('division by zero'), { code: '22012' });
  expect(textOf(refusedQuery)).toBe('list_runs: the database refused the query: 22012: division by zero');
});

it('reports an unexpected failure as one, its text masked and cut', () => {
  expect(textOf(new TypeError('x is undefined at postgres://u:hunter2@db/x'))).toBe(
    'list_runs: unexpected failure: TypeError: x is undefined at postgres://u:***@db/x',
  );
  const long = textOf(new Error('e'.repeat(5_000)));
  expect(long.length).toBeLessThan(1_100);
  expect(long).toMatch(/…\[cut [\d,]+ chars\]$/);
});
