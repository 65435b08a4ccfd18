import type { DataSource } from 'typeorm';
import { AgentRunRepository } from '../../src/query/agent-run-repository';
import { AgentspanQueryError } from '../../src/query/agentspan-query-error';

/** A DataSource that fails the test if any SQL is sent: argument errors must be caught before the database. */
function databaseThatMustNotBeUsed(): { dataSource: DataSource; calls: string[] } {
  const calls: string[] = [];
  const record = (name: string) => () => {
    calls.push(name);
    return Promise.reject(new Error(`unexpected ${name}`));
  };
  const dataSource = {
    options: {},
    query: record('query'),
    transaction: record('transaction'),
  } as unknown as DataSource;
  return { dataSource, calls };
}

const { dataSource, calls } = databaseThatMustNotBeUsed();
const runs = new AgentRunRepository(dataSource);
const someUuid = '00000000-0000-4000-8000-000000000000';
// The repository is called from JavaScript too: the types cannot be relied on at runtime.
const loose = runs as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;

afterEach(() => {
  expect(calls).toEqual([]);
});

describe.each<[string, () => Promise<unknown>, string]>([
  ['history', () => loose.history!({ limit: 0 }), 'history: limit must be an integer from 1 to 1000, got 0'],
  ['history', () => loose.history!({ limit: 1001 }), 'history: limit must be an integer from 1 to 1000, got 1001'],
  ['history', () => loose.history!({ limit: '20' }), 'history: limit must be an integer from 1 to 1000, got "20"'],
  [
    'history',
    () => loose.history!({ limit: Infinity }),
    'history: limit must be an integer from 1 to 1000, got Infinity',
  ],
  ['history', () => loose.history!({ agent: '' }), 'history: agent must be a non-empty string, got ""'],
  ['history', () => loose.history!({ agent: 7 }), 'history: agent must be a non-empty string, got 7'],
  ['history', () => loose.history!({ userId: '' }), 'history: userId must be a non-empty string, got ""'],
  ['history', () => loose.history!({ tenantId: {} }), 'history: tenantId must be a non-empty string, got an object'],
  [
    'history',
    () => loose.history!({ status: 'done' }),
    'history: status must be one of running, completed, failed, cancelled, abandoned (or an array of them), got "done"',
  ],
  [
    'history',
    () => loose.history!({ status: [] }),
    'history: status must be one of running, completed, failed, cancelled, abandoned (or an array of them), got []',
  ],
  [
    'history',
    () => loose.history!({ status: ['failed', 'oops'] }),
    'history: status must be one of running, completed, failed, cancelled, abandoned (or an array of them), got ["failed", "oops"]',
  ],
  [
    'history',
    () => loose.history!({ since: 'yesterday' }),
    'history: since must be a Date or an ISO 8601 string with a time zone, got "yesterday"',
  ],
  [
    'history',
    () => loose.history!({ since: '2026-05-01T10:00:00' }),
    'history: since must be a Date or an ISO 8601 string with a time zone, got "2026-05-01T10:00:00"',
  ],
  [
    'history',
    () => loose.history!({ until: '2026-02-30T00:00:00Z' }),
    'history: until must be a Date or an ISO 8601 string with a time zone, got "2026-02-30T00:00:00Z"',
  ],
  [
    'history',
    () => loose.history!({ until: '2026-01-01T24:00:00Z' }),
    'history: until must be a Date or an ISO 8601 string with a time zone, got "2026-01-01T24:00:00Z"',
  ],
  [
    'history',
    () => loose.history!({ until: new Date(NaN) }),
    'history: until must be a Date or an ISO 8601 string with a time zone, got Invalid Date',
  ],
  [
    'history',
    () => loose.history!({ until: 1_700_000_000_000 }),
    'history: until must be a Date or an ISO 8601 string with a time zone, got 1700000000000',
  ],
  [
    'history',
    () => loose.history!({ since: '2026-05-02', until: '2026-05-01T00:00:00Z' }),
    'history: since must be before until, got since 2026-05-02T00:00:00Z and until 2026-05-01T00:00:00Z',
  ],
  [
    'history',
    () => loose.history!({ since: '2026-05-01', until: '2026-05-01' }),
    'history: since must be before until, got since 2026-05-01T00:00:00Z and until 2026-05-01T00:00:00Z',
  ],
  ['history', () => loose.history!({ cursor: 'garbage!' }), 'history: invalid cursor'],
  ['history', () => loose.history!({ cursor: 12 }), 'history: invalid cursor'],
  [
    'history',
    () => loose.history!({ agentName: 'X' }),
    'history: unknown option "agentName" (expected agent, status, userId, tenantId, since, until, metadata, sessionId, conversationId, errorContains, limit, cursor)',
  ],
  ['history', () => loose.history!('Alpha'), 'history: options must be an object, got "Alpha"'],
  ['latest', () => loose.latest!(), 'latest: agent must be a non-empty string, got undefined'],
  ['latest', () => loose.latest!(''), 'latest: agent must be a non-empty string, got ""'],
  ['getRun', () => loose.getRun!('run-1'), 'getRun: id must be a 32-hex trace id or an execution uuid, got "run-1"'],
  [
    'getRun',
    () => loose.getRun!('g'.repeat(32)),
    `getRun: id must be a 32-hex trace id or an execution uuid, got "${'g'.repeat(32)}"`,
  ],
  ['getRun', () => loose.getRun!(null), 'getRun: id must be a 32-hex trace id or an execution uuid, got null'],
  ['decisions', () => loose.decisions!({ limit: 0 }), 'decisions: limit must be an integer from 1 to 1000, got 0'],
  ['decisions', () => loose.decisions!({ agent: '' }), 'decisions: agent must be a non-empty string, got ""'],
  [
    'decisions',
    () => loose.decisions!({ minConfidence: -0.01 }),
    'decisions: minConfidence must be a number from 0 to 1, got -0.01',
  ],
  [
    'decisions',
    () => loose.decisions!({ minConfidence: '0.5' }),
    'decisions: minConfidence must be a number from 0 to 1, got "0.5"',
  ],
  [
    'decisions',
    () => loose.decisions!({ outcome: null }),
    'decisions: outcome must be a JSON value other than null, got null',
  ],
  [
    'decisions',
    () => loose.decisions!({ outcome: () => 1 }),
    'decisions: outcome must be a JSON value other than null, got a function',
  ],
  [
    'decisions',
    () => loose.decisions!({ outcome: 'bad\u0000' }),
    'decisions: outcome must not contain NUL characters or lone surrogates',
  ],
  [
    'decisions',
    () => loose.decisions!({ outcome: '\ud800' }),
    'decisions: outcome must not contain NUL characters or lone surrogates',
  ],
  [
    'decisions',
    () => loose.decisions!({ since: 'now' }),
    'decisions: since must be a Date or an ISO 8601 string with a time zone, got "now"',
  ],
  ['decisions', () => loose.decisions!({ cursor: 'AAAA' }), 'decisions: invalid cursor'],
  [
    'decisions',
    () => loose.decisions!({ minConfidance: 0.5 }),
    'decisions: unknown option "minConfidance" (expected agent, tenantId, minConfidence, outcome, since, until, metadata, sessionId, conversationId, errorContains, limit, cursor)',
  ],
  [
    'recordOutcome',
    () => loose.recordOutcome!('42', { outcome: 'success' }),
    'recordOutcome: decisionId must be a uuid, got "42"',
  ],
  [
    'recordOutcome',
    () => loose.recordOutcome!(someUuid),
    'recordOutcome: feedback must be an object with an outcome, got undefined',
  ],
  [
    'recordOutcome',
    () => loose.recordOutcome!(someUuid, 'success'),
    'recordOutcome: feedback must be an object, got "success"',
  ],
  [
    'recordOutcome',
    () => loose.recordOutcome!(someUuid, { outcome: 'ok', score: 1.5 }),
    'recordOutcome: score must be a number from 0 to 1, got 1.5',
  ],
  [
    'recordOutcome',
    () => loose.recordOutcome!(someUuid, { outcome: 'ok', score: NaN }),
    'recordOutcome: score must be a number from 0 to 1, got NaN',
  ],
  [
    'recordOutcome',
    () => loose.recordOutcome!(someUuid, { outcome: undefined }),
    'recordOutcome: outcome must be a JSON value other than null, got undefined',
  ],
  [
    'recordOutcome',
    () => loose.recordOutcome!(someUuid, { outcome: NaN }),
    'recordOutcome: outcome must be a JSON value other than null, got NaN',
  ],
  [
    'recordOutcome',
    () => loose.recordOutcome!(someUuid, { outcome: 10n }),
    'recordOutcome: outcome must be JSON-serialisable, got 10n',
  ],
])('%s', (_, call, message) => {
  it(`refuses with "${message}" before any SQL`, async () => {
    const error = await call().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(AgentspanQueryError);
    expect(error).toMatchObject({ name: 'AgentspanQueryError', code: 'invalid-argument', message });
  });
});

describe('values that look dangerous but are valid', () => {
  it('travel as parameters: the SQL text never contains them', async () => {
    const seen: Array<{ sql: string; parameters: unknown[] }> = [];
    const spy = {
      options: {},
      query: (sql: string, parameters: unknown[]) => (seen.push({ sql, parameters }), Promise.resolve([])),
    };
    const repository = new AgentRunRepository(spy as unknown as DataSource);
    const hostile = `x'; DROP TABLE agent_executions; --`;
    await repository.history({ agent: hostile, userId: hostile, tenantId: hostile });
    await repository.decisions({ agent: hostile, outcome: hostile });
    for (const { sql, parameters } of seen) {
      expect(sql).not.toContain('DROP TABLE');
      expect(parameters).toContain(hostile);
    }
    expect(seen).toHaveLength(2);
  });
});
