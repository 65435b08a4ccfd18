import type { DataSource } from 'typeorm';
import { AgentRunRepository } from '../../src/query/agent-run-repository';
import { AgentspanQueryError } from '../../src/query/agentspan-query-error';
import type { RunContextFilters } from '../../src/query/run-filter-types';
import type { SpanRecord } from '../../src/model/records';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';
import { contextRun, type ContextRunSpec } from './context-seed';
import { caught, executionIds, keyOf, seed } from './run-seeds';

/**
 * The run filters — metadata containment, sessionId, conversationId, errorContains — on every method that reads
 * runs. Each filter is checked against a model of the seeded runs: every method returns what the model says for it,
 * which differs from what it returns unfiltered, so a method that ignored a filter fails.
 */

const T = (minute: number) => new Date(Date.UTC(2026, 10, 5, 9, minute));

/** Costs are powers of two, so every sum of them tells which calls it added. */
const SPECS: Record<string, ContextRunSpec> = {
  A1: {
    agent: 'Reviewer',
    startedAt: T(1),
    metadata: { repo: 'acme/api', issue: 17, urgent: true },
    sessionId: 's1',
    conversationId: 'c1',
    llmCost: '0.0100000000',
  },
  A2: {
    agent: 'Reviewer',
    startedAt: T(2),
    status: 'failed',
    error: { type: 'RateLimitError', message: 'Rate limit EXCEEDED for 100%_quota' },
    metadata: { repo: 'acme/web', issue: 17 },
    sessionId: 's1',
    conversationId: 'c2',
    llmCost: '0.0200000000',
  },
  A3: {
    agent: 'Reviewer',
    startedAt: T(3),
    status: 'failed',
    error: { type: 'TimeoutError', message: 'socket hang up' },
    metadata: { repo: 'acme/api', issue: '17' },
    sessionId: 's2',
    conversationId: 'c1',
    llmCost: '0.0400000000',
  },
  A4: { agent: 'Writer', startedAt: T(4), metadata: null, llmCost: '0.0800000000' },
  A5: {
    agent: 'Reviewer',
    startedAt: T(5),
    tenantId: 'globex',
    status: 'failed',
    error: { type: 'QuotaError', message: 'rate limit exceeded' },
    metadata: { repo: 'acme/api' },
    sessionId: 's1',
    conversationId: 'c3',
    llmCost: '0.1600000000',
  },
  A6: {
    agent: 'Reviewer',
    startedAt: T(6),
    status: 'failed',
    error: { type: 'Error', message: 'over quota at 100 percent' },
    metadata: { repo: 'acme/api', 'team.name': 'core' },
    sessionId: 's3',
    conversationId: 'c1',
    llmCost: '0.3200000000',
  },
};

type Name = keyof typeof SPECS;
const NAMES = Object.keys(SPECS) as Name[];

/** What each filter keeps, in the model: the runs a filter matches (their LLM calls carry the same context). */
const CASES: ReadonlyArray<[string, RunContextFilters, Name[]]> = [
  ['metadata, one pair', { metadata: { repo: 'acme/api' } }, ['A1', 'A3', 'A5', 'A6']],
  ['metadata, two pairs (AND)', { metadata: { repo: 'acme/api', issue: 17 } }, ['A1']],
  ['metadata, a number does not match its text', { metadata: { issue: '17' } }, ['A3']],
  ['metadata, a boolean', { metadata: { urgent: true } }, ['A1']],
  ['metadata, a key with a dot is a top-level key', { metadata: { 'team.name': 'core' } }, ['A6']],
  ['sessionId', { sessionId: 's1' }, ['A1', 'A2', 'A5']],
  ['conversationId', { conversationId: 'c1' }, ['A1', 'A3', 'A6']],
  ['errorContains, any case', { errorContains: 'RATE limit' }, ['A2', 'A5']],
  ['errorContains, the error type too', { errorContains: 'timeouterror' }, ['A3']],
  ['errorContains, % is no wildcard', { errorContains: '100%' }, ['A2']],
  ['errorContains, _ is no wildcard', { errorContains: '_quota' }, ['A2']],
  ['filters together', { metadata: { repo: 'acme/api' }, errorContains: 'hang', conversationId: 'c1' }, ['A3']],
];

let store: StoreFixture;
let dataSource: DataSource;
let runs: AgentRunRepository;
const records = new Map<Name, { run: SpanRecord; children: SpanRecord[] }>();
const idOf = new Map<Name, string>();

beforeAll(async () => {
  store = await createStoreFixture();
  dataSource = store.dataSource;
  runs = new AgentRunRepository(dataSource);
  for (const name of NAMES) records.set(name, contextRun({ ...SPECS[name]!, decision: true }));
  const all = [...records.values()].flatMap(({ run, children }) => [run, ...children]);
  await seed(dataSource, all);
  const ids = await executionIds(dataSource, all);
  for (const name of NAMES) idOf.set(name, ids.get(keyOf(records.get(name)!.run))!);
});

afterAll(() => store?.close());

const newestFirst = (names: Name[]) =>
  [...names].sort((a, b) => SPECS[b]!.startedAt.getTime() - SPECS[a]!.startedAt.getTime());
const failed = (names: Name[]) => names.filter((name) => SPECS[name]!.status === 'failed');
const costOf = (names: Name[]) => names.reduce((sum, name) => sum + Number(SPECS[name]!.llmCost), 0);
/** errorContains matches the failing runs, never their LLM calls, which did not fail. */
const costed = (filters: RunContextFilters, names: Name[]) => (filters.errorContains === undefined ? names : []);

describe.each(CASES)('filter: %s', (_, filters, expected) => {
  it('history and latest', async () => {
    const page = await runs.history({ ...filters, limit: 1000 });
    expect(page.runs.map((run) => run.executionId)).toEqual(newestFirst(expected).map((name) => idOf.get(name)));
    expect(page.runs.length).toBeLessThan(NAMES.length);
    const reviewer = newestFirst(expected).find((name) => SPECS[name]!.agent === 'Reviewer');
    expect((await runs.latest('Reviewer', filters))?.executionId).toBe(reviewer && idOf.get(reviewer));
  });

  it('stats, topErrors, costBreakdown', async () => {
    const stats = await runs.stats({ groupBy: 'agent', ...filters });
    expect(stats.source).toBe('raw');
    expect(stats.groups.reduce((sum, group) => sum + group.count, 0)).toBe(expected.length);
    const errors = await runs.topErrors(filters);
    expect(errors.reduce((sum, group) => sum + group.count, 0)).toBe(failed(expected).length);
    const costs = await runs.costBreakdown({ groupBy: 'agent', ...filters });
    expect(costs.total.costUsd ?? 0).toBeCloseTo(costOf(costed(filters, expected)), 10);
  });

  it('decisions and decisionStats (of the executions that decided)', async () => {
    const page = await runs.decisions({ ...filters, limit: 1000 });
    expect(page.decisions.map((decision) => decision.executionId).sort()).toEqual(
      expected.map((name) => idOf.get(name)).sort(),
    );
    expect((await runs.decisionStats(filters)).total).toBe(expected.length);
  });

  it('sessions: those with a matching run', async () => {
    const page = await runs.sessions({ ...filters, runsPerSession: 0 });
    const sessions = new Set(expected.map((name) => SPECS[name]!.sessionId).filter((id) => id != null));
    expect(page.sessions.map((session) => session.sessionId).sort()).toEqual([...sessions].sort());
  });
});

describe('run filters', () => {
  it('filter nothing with an empty metadata object, and match nothing with an unknown value', async () => {
    expect((await runs.history({ metadata: {}, limit: 1000 })).runs).toHaveLength(NAMES.length);
    expect((await runs.history({ metadata: { repo: 'acme' } })).runs).toEqual([]);
    // A key named __proto__ is a key like any other, not the object's prototype.
    expect((await runs.history({ metadata: JSON.parse('{"__proto__":"x"}') })).runs).toEqual([]);
  });

  it('keep the rollups out of stats: they hold no metadata, session, conversation or error', async () => {
    const refused = await caught(
      runs.stats({ groupBy: 'agent', since: T(0), metadata: { repo: 'acme/api' }, source: 'rollup' }),
    );
    expect(refused).toBeInstanceOf(AgentspanQueryError);
    expect((refused as Error).message).toBe(
      'stats: source rollup cannot answer this: they cannot be filtered by metadata, session, conversation or error',
    );
  });

  it('apply within a tenant view', async () => {
    const acme = await runs.forTenant('acme').history({ metadata: { repo: 'acme/api' }, limit: 1000 });
    expect(acme.runs.map((run) => run.executionId)).toEqual(['A6', 'A3', 'A1'].map((name) => idOf.get(name)));
    expect((await runs.forTenant('globex').latest('Reviewer', { sessionId: 's1' }))?.executionId).toBe(idOf.get('A5'));
  });
});

describe('bad run filters', () => {
  const tooMany = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i]));
  it.each<[string, unknown, string]>([
    ['text', 'repo=acme', 'metadata must be an object of key/value pairs, got "repo=acme"'],
    ['an array', [['repo', 'acme']], 'metadata must be an object of key/value pairs, got [["repo", "acme"]]'],
    ['a Map', new Map([['repo', 'acme']]), 'metadata must be an object of key/value pairs, got an object'],
    [
      'a nested object',
      { repo: { name: 'acme' } },
      'metadata.repo is not a string, finite number or boolean, got an object',
    ],
    ['null', { repo: null }, 'metadata.repo is not a string, finite number or boolean, got null'],
    ['an array value', { repo: ['a'] }, 'metadata.repo is not a string, finite number or boolean, got ["a"]'],
    ['a bigint', { n: 10n }, 'metadata.n is not a string, finite number or boolean, got 10n'],
    ['NaN', { n: NaN }, 'metadata.n is not a finite number, got NaN'],
    ['Infinity', { n: Infinity }, 'metadata.n is not a finite number, got Infinity'],
    ['a NUL', { repo: 'acme\u0000' }, 'metadata.repo contains a NUL character or a lone surrogate, got "acme\\u0000"'],
    [
      'a lone surrogate',
      { repo: '\ud800' },
      'metadata.repo contains a NUL character or a lone surrogate, got "\\ud800"',
    ],
    [
      'a key with a space',
      { 'my repo': 'a' },
      'metadata key must be a letter or _, then up to 63 letters, digits, _, . or -, got "my repo"',
    ],
    [
      'a key starting with a digit',
      { '1st': 'a' },
      'metadata key must be a letter or _, then up to 63 letters, digits, _, . or -, got "1st"',
    ],
    [
      'a key with a NUL',
      { 'a\u0000': 'a' },
      'metadata key must be a letter or _, then up to 63 letters, digits, _, . or -, got "a\\u0000"',
    ],
    [
      'a key of 65 characters',
      { ['k'.repeat(65)]: 'a' },
      `metadata key must be a letter or _, then up to 63 letters, digits, _, . or -, got "${'k'.repeat(60)}…"`,
    ],
    ['17 keys', tooMany, 'metadata must have at most 16 keys, got 17'],
  ])('metadata as %s: an AgentspanQueryError naming it, on every method', async (_, metadata, message) => {
    const calls: Record<string, () => Promise<unknown>> = {
      history: () => runs.history({ metadata } as never),
      latest: () => runs.latest('Reviewer', { metadata } as never),
      sessions: () => runs.sessions({ metadata } as never),
      decisions: () => runs.decisions({ metadata } as never),
      stats: () => runs.stats({ groupBy: 'agent', metadata } as never),
      topErrors: () => runs.topErrors({ metadata } as never),
      costBreakdown: () => runs.costBreakdown({ groupBy: 'agent', metadata } as never),
      decisionStats: () => runs.decisionStats({ metadata } as never),
    };
    for (const [method, call] of Object.entries(calls)) {
      const error = await caught(call());
      expect(error).toBeInstanceOf(AgentspanQueryError);
      expect([method, (error as Error).message]).toEqual([method, `${method}: ${message}`]);
    }
  });

  it.each<[string, () => Promise<unknown>, string]>([
    [
      'an empty sessionId',
      () => runs.history({ sessionId: '' }),
      'history: sessionId must be a non-empty string, got ""',
    ],
    [
      'a numeric conversationId',
      () => runs.stats({ groupBy: 'agent', conversationId: 7 as never }),
      'stats: conversationId must be a non-empty string, got 7',
    ],
    [
      'a NUL in errorContains',
      () => runs.topErrors({ errorContains: 'a\u0000' }),
      'topErrors: errorContains must not contain NUL characters or lone surrogates, got "a\\u0000"',
    ],
    [
      'latest with a page size',
      () => runs.latest('Reviewer', { limit: 1 } as never),
      'latest: unknown option "limit" (expected status, userId, tenantId, since, until, metadata, sessionId, conversationId, errorContains)',
    ],
    [
      'latest with text for filters',
      () => runs.latest('Reviewer', 'acme/api' as never),
      'latest: filters must be an object, got "acme/api"',
    ],
    [
      'groupBy metadata. without a key',
      () => runs.costBreakdown({ groupBy: 'metadata.' as never }),
      'costBreakdown: groupBy metadata.<key> needs a key that is a letter or _, then up to 63 letters, digits, _, . or -, got ""',
    ],
    [
      'groupBy metadata.<a bad key>',
      () => runs.stats({ groupBy: 'metadata.a b' as never }),
      'stats: groupBy metadata.<key> needs a key that is a letter or _, then up to 63 letters, digits, _, . or -, got "a b"',
    ],
  ])('%s', async (_, call, message) => {
    const error = await caught(call());
    expect(error).toBeInstanceOf(AgentspanQueryError);
    expect((error as Error).message).toBe(message);
  });
});
