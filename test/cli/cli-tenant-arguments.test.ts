import { SpanWriter } from '../../src/store/write/span-writer';
import { agentspan } from '../support/cli-process';
import { finalSpan, newTraceId } from '../support/span-records';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';

/** --tenant on every command that reads runs, and arguments that would overflow refused with exit code 2. */

let store: StoreFixture;
let url: string;
const acmeTrace = newTraceId();
const globexTrace = newTraceId();

beforeAll(async () => {
  store = await createStoreFixture();
  url = store.database.url;
  const run = (traceId: string, tenantId: string, minute: number) => {
    const record = finalSpan({
      traceId,
      kind: 'agent',
      execution: {
        agentName: 'Researcher',
        tenantId,
        status: 'failed',
        errorType: 'Boom',
        errorMessage: `${tenantId} broke`,
        startedAt: `2026-11-01T10:0${minute}:00.000000Z`,
      },
      performance: {
        costUsd: tenantId === 'acme' ? '0.5000000000' : '0.2500000000',
        costSource: 'provided',
        inputTokens: 10,
        outputTokens: 1,
      },
    });
    record.decisions = [
      {
        ordinal: 0,
        name: 'channel',
        choice: `"${tenantId}-choice"`,
        alternatives: null,
        reasoning: null,
        confidence: 0.5,
        context: null,
        occurredAt: `2026-11-01T10:0${minute}:00.500000Z`,
      },
    ];
    return record;
  };
  const result = await new SpanWriter(store.dataSource).write([
    run(acmeTrace, 'acme', 1),
    run(globexTrace, 'globex', 2),
  ]);
  expect(result.rejected).toEqual([]);
}, 60_000);

afterAll(() => store?.close());

describe('agentspan --tenant', () => {
  it('limits runs, show, decisions, stats, errors and costs to the tenant', async () => {
    const runs = JSON.parse((await agentspan('--database', url, '--json', 'runs', '--tenant', 'acme')).stdout);
    expect(runs.runs.map((run: { traceId: string }) => run.traceId)).toEqual([acmeTrace]);

    expect((await agentspan('--database', url, '--json', 'show', acmeTrace, '--tenant', 'acme')).code).toBe(0);
    const hidden = await agentspan('--database', url, 'show', globexTrace, '--tenant', 'acme');
    expect(hidden.code).toBe(1);
    expect(hidden.stderr).toContain(`no run with id ${globexTrace}`);

    const decisions = JSON.parse(
      (await agentspan('--database', url, '--json', 'decisions', '--tenant', 'globex')).stdout,
    );
    expect(decisions.decisions.map((decision: { choice: string }) => decision.choice)).toEqual(['globex-choice']);

    const stats = JSON.parse(
      (await agentspan('--database', url, '--json', 'stats', '--group-by', 'tenant', '--tenant', 'acme')).stdout,
    );
    expect(stats.groups.map((group: { key: string; count: number }) => [group.key, group.count])).toEqual([
      ['acme', 1],
    ]);

    const errors = JSON.parse((await agentspan('--database', url, '--json', 'errors', '--tenant', 'globex')).stdout);
    expect(errors.map((group: { errorMessage: string }) => group.errorMessage)).toEqual(['globex broke']);

    const costs = JSON.parse((await agentspan('--database', url, '--json', 'costs', '--tenant', 'acme')).stdout);
    expect(costs.total.costUsd).toBe(0.5);
  }, 120_000);

  it('refuses a tenant id that cannot be stored, with exit code 2', async () => {
    const empty = await agentspan('--database', url, 'runs', '--tenant', '');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('forTenant: tenantId is empty');
    const long = await agentspan('--database', url, 'show', acmeTrace, '--tenant', 'a'.repeat(257));
    expect(long.code).toBe(2);
    expect(long.stderr).toContain('forTenant: tenantId is longer than 256 characters');
  }, 60_000);
});

describe('arguments that would overflow', () => {
  it.each<[string, string[], string]>([
    [
      'prune an age past year 1',
      ['prune', '--older-than', '99999999999d'],
      "option '--older-than <age>' argument '99999999999d' is invalid",
    ],
    [
      'prune an age of 400 digits',
      ['prune', '--older-than', `${'9'.repeat(400)}ms`],
      "option '--older-than <age>' argument",
    ],
    ['prune a time in year 0', ['prune', '--older-than', '0000-06-01'], 'olderThan must be a time from year 1 to 9999'],
    [
      'stats an age that overflows a Date',
      ['stats', '--since', '9999999999999999999h'],
      "option '--since <time>' argument '9999999999999999999h' is invalid",
    ],
    [
      'errors a time in year 10000 (UTC)',
      ['errors', '--since', '9999-12-31T23:00:00-05:00'],
      'topErrors: since must be a time from year 1 to 9999',
    ],
    [
      'costs an until in year 0',
      ['costs', '--until', '0000-01-01'],
      'costBreakdown: until must be a time from year 1 to 9999',
    ],
    [
      'rollup an age past year 1',
      ['rollup', '--since', '99999999999d'],
      "option '--since <time>' argument '99999999999d' is invalid",
    ],
    [
      'rollup a since in year 0',
      ['rollup', '--since', '0000-01-01'],
      'refreshHourlyRollups: since must be a time from year 1 to 9999',
    ],
  ])(
    '%s: exit code 2, the option named',
    async (_, args, message) => {
      const { code, stderr, stdout } = await agentspan('--database', url, ...args);
      expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
      expect(stderr).toContain(message);
    },
    60_000,
  );

  it('still takes the longest age (1,000 years)', async () => {
    const { code, stdout } = await agentspan('--database', url, '--json', 'prune', '--older-than', '365250d');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ traces: 0 });
  }, 60_000);
});
