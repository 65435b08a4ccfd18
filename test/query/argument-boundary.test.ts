import { AgentRunRepository, TENANT_SCOPED_METHODS } from '../../src/query/agent-run-repository';
import { AgentspanQueryError } from '../../src/query/agentspan-query-error';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';
import { caught } from './run-seeds';

/**
 * Every text and time argument of every public query method, against a real database: a value PostgreSQL cannot
 * take (NUL, a lone surrogate, an instant outside years 1–9999) is an AgentspanQueryError naming the argument, never
 * an SQL error. The option lists are not written here: they are read from the methods themselves (their "unknown
 * option" message), and a new method or option fails this file until it is classified below.
 */

type Loose = Record<string, (...args: unknown[]) => Promise<unknown>>;
type Kind = 'text' | 'time' | 'checked elsewhere';

/** What each option is. Options whose values are enumerations, numbers or opaque tokens have their own tests. */
const OPTION_KINDS: Readonly<Record<string, Kind>> = {
  agent: 'text',
  userId: 'text',
  tenantId: 'text',
  name: 'text',
  model: 'text',
  provider: 'text',
  source: 'text', // setModelPrice's free text; stats' source is an enumeration, refused for any other string
  outcome: 'text', // JSON: a string value carries the character through
  sessionId: 'text',
  conversationId: 'text',
  errorContains: 'text',
  since: 'time',
  until: 'time',
  at: 'time',
  validFrom: 'time',
  status: 'checked elsewhere',
  limit: 'checked elsewhere',
  cursor: 'checked elsewhere',
  minConfidence: 'checked elsewhere',
  score: 'checked elsewhere',
  groupBy: 'checked elsewhere',
  kind: 'checked elsewhere',
  rollupAfterHours: 'checked elsewhere',
  metadata: 'checked elsewhere', // an object: its keys and values in test/query/run-filters.test.ts
  runsPerSession: 'checked elsewhere',
  after: 'checked elsewhere', // a watch cursor: test/query/watch/watch-runs.test.ts
  pollIntervalMs: 'checked elsewhere',
  inputUsdPerMillion: 'checked elsewhere',
  outputUsdPerMillion: 'checked elsewhere',
  cacheReadUsdPerMillion: 'checked elsewhere',
  cacheWriteUsdPerMillion: 'checked elsewhere',
  reasoningUsdPerMillion: 'checked elsewhere',
};

const SOME_UUID = '00000000-0000-4000-8000-000000000000';

/**
 * How each public method is called: the valid arguments it needs, and where its options object goes. `positional`
 * are the text arguments that are not options.
 */
interface MethodShape {
  call(target: Loose, options: Record<string, unknown>): Promise<unknown>;
  base: Record<string, unknown>;
  positional?: Array<{ name: string; call(target: Loose, value: unknown): Promise<unknown> }>;
}

const SHAPES: Readonly<Record<string, MethodShape>> = {
  history: { call: (t, o) => t.history!(o), base: {} },
  latest: {
    call: (t, o) => t.latest!('Researcher', o),
    base: {},
    positional: [{ name: 'agent', call: (t, v) => t.latest!(v) }],
  },
  sessions: { call: (t, o) => t.sessions!(o), base: {} },
  // Checked when called (before anything is opened); a watch nobody iterates holds nothing.
  watch: { call: async (t, o) => t.watch!(o), base: {} },
  getRun: { call: (t) => t.getRun!(SOME_UUID), base: {}, positional: [{ name: 'id', call: (t, v) => t.getRun!(v) }] },
  decisions: { call: (t, o) => t.decisions!(o), base: {} },
  recordOutcome: {
    call: (t, o) => t.recordOutcome!(SOME_UUID, o),
    base: { outcome: 'ok' },
    positional: [{ name: 'decisionId', call: (t, v) => t.recordOutcome!(v, { outcome: 'ok' }) }],
  },
  stats: { call: (t, o) => t.stats!(o), base: { groupBy: 'agent' } },
  topErrors: { call: (t, o) => t.topErrors!(o), base: {} },
  costBreakdown: { call: (t, o) => t.costBreakdown!(o), base: { groupBy: 'agent' } },
  decisionStats: { call: (t, o) => t.decisionStats!(o), base: {} },
  setModelPrice: {
    call: (t, o) => t.setModelPrice!(o),
    base: { model: 'probe-model', inputUsdPerMillion: 1, outputUsdPerMillion: 2 },
  },
  modelPrices: { call: (t, o) => t.modelPrices!(o), base: {} },
  repriceRuns: { call: (t, o) => t.repriceRuns!(o), base: { since: '2026-01-01T00:00:00Z' } },
  forTenant: {
    call: (t) => Promise.resolve(t.forTenant!('acme')),
    base: {},
    positional: [{ name: 'tenantId', call: async (t, v) => t.forTenant!(v) }],
  },
};

/** Methods with no options object: their arguments are all positional. */
const NO_OPTIONS = new Set(['getRun', 'forTenant']);

const TEXT_VALUES: ReadonlyArray<[string, string]> = [
  ['a NUL', 'acme\u0000'],
  ['a lone high surrogate', 'acme\ud800'],
  ['a lone low surrogate', '\udc00acme'],
];

const TIME_VALUES: ReadonlyArray<[string, unknown]> = [
  ['a Date in the year 10000', new Date(Date.UTC(10000, 0, 1))],
  ['the largest Date (year 275760)', new Date(8.64e15)],
  ['a Date in the year 0', new Date(Date.parse('0000-06-01T00:00:00Z'))],
  ['a Date in 101 BC', new Date(Date.parse('-000100-01-01T00:00:00Z'))],
  ['ISO text of year 0', '0000-01-01'],
  ['ISO text in 9999 whose instant is in 10000 (UTC)', '9999-12-31T23:30:00-01:00'],
  ['ISO text in year 1 whose instant is in year 0 (UTC)', '0001-01-01T00:30:00+01:00'],
];

/** The edges that must still work, and reach PostgreSQL. */
const EARLIEST = '0001-01-01T00:00:00Z';
const LATEST = '9999-12-31T23:59:59.999999Z';

let store: StoreFixture;
let repository: Loose;
let view: Loose;

beforeAll(async () => {
  store = await createStoreFixture();
  const runs = new AgentRunRepository(store.dataSource);
  repository = runs as unknown as Loose;
  view = runs.forTenant('acme') as unknown as Loose;
});

afterAll(() => store?.close());

/** The option names a method accepts, as its own "unknown option" refusal lists them. */
async function optionsOf(target: Loose, method: string): Promise<string[]> {
  if (NO_OPTIONS.has(method)) return [];
  const shape = SHAPES[method]!;
  const error = await caught(shape.call(target, { ...shape.base, probeOption: 1 }));
  const listed = /unknown option "probeOption" \(expected ([^)]*)\)/.exec(String((error as Error)?.message));
  if (listed === null) throw new Error(`${method} did not list its options: ${String(error)}`);
  return listed[1]!.split(', ');
}

/** TypeScript-private methods, visible at run time. */
const PRIVATE_METHODS = new Set(['query', 'scoped']);

function publicMethods(target: object): string[] {
  const own = Object.entries(target)
    .filter(([, value]) => typeof value === 'function')
    .map(([key]) => key);
  const prototype = Object.getOwnPropertyNames(Object.getPrototypeOf(target)).filter(
    (key) => key !== 'constructor' && !PRIVATE_METHODS.has(key),
  );
  return [...new Set([...own, ...prototype])].sort();
}

interface Case {
  target: 'repository' | 'forTenant view';
  method: string;
  argument: string;
  what: string;
  run: () => Promise<unknown>;
}

async function cases(): Promise<Case[]> {
  const list: Case[] = [];
  for (const [targetName, target, methods] of [
    ['repository', repository, Object.keys(SHAPES)],
    ['forTenant view', view, [...TENANT_SCOPED_METHODS]],
  ] as const) {
    for (const method of methods) {
      const shape = SHAPES[method]!;
      for (const { name, call } of shape.positional ?? []) {
        for (const [what, value] of TEXT_VALUES)
          list.push({ target: targetName, method, argument: name, what, run: () => call(target, value) });
      }
      for (const option of await optionsOf(target, method)) {
        const kind = OPTION_KINDS[option];
        if (kind === undefined) throw new Error(`${method}: option ${option} is not classified in OPTION_KINDS`);
        const values = kind === 'text' ? TEXT_VALUES : kind === 'time' ? TIME_VALUES : [];
        for (const [what, value] of values) {
          list.push({
            target: targetName,
            method,
            argument: option,
            what,
            run: () => shape.call(target, { ...shape.base, [option]: value }),
          });
        }
      }
    }
  }
  return list;
}

describe('every query argument is checked before SQL', () => {
  it('covers every public method of the repository and of the tenant view', () => {
    expect(publicMethods(repository)).toEqual(Object.keys(SHAPES).sort());
    expect(publicMethods(view)).toEqual([...TENANT_SCOPED_METHODS].sort());
  });

  it('refuses NUL, lone surrogates and instants outside years 1–9999 in every text and time argument, naming it', async () => {
    const all = await cases();
    const failures: string[] = [];
    for (const { target, method, argument, what, run } of all) {
      const error = await caught(run());
      const named = error instanceof Error && error.message.startsWith(`${method}: ${argument} `);
      if (!(error instanceof AgentspanQueryError) || error.code !== 'invalid-argument' || !named) {
        failures.push(
          `${target}.${method} ${argument} with ${what}: ${error === undefined ? 'accepted' : String(error)}`,
        );
      }
    }
    expect(failures).toEqual([]);
    // 13 methods and 9 view methods: every text and time argument, about 250 calls.
    expect(all.length).toBeGreaterThan(200);
    const covered = new Set(all.map(({ target, method, argument }) => `${target}.${method}.${argument}`));
    for (const expected of [
      'repository.history.agent',
      'repository.history.userId',
      'repository.history.tenantId',
      'repository.latest.agent',
      'repository.latest.sessionId',
      'repository.history.errorContains',
      'repository.sessions.conversationId',
      'forTenant view.sessions.since',
      'repository.costBreakdown.sessionId',
      'repository.decisions.agent',
      'repository.decisions.tenantId',
      'repository.stats.userId',
      'repository.topErrors.tenantId',
      'repository.costBreakdown.agent',
      'repository.decisionStats.name',
      'repository.setModelPrice.provider',
      'repository.modelPrices.at',
      'repository.setModelPrice.validFrom',
      'repository.repriceRuns.until',
      'repository.forTenant.tenantId',
      'forTenant view.getRun.id',
      'forTenant view.recordOutcome.decisionId',
      'forTenant view.decisionStats.since',
    ]) {
      expect(covered).toContain(expected);
    }
  }, 120_000);

  it('still takes the first and last instants PostgreSQL and every query can hold', async () => {
    for (const [, target, methods] of [
      ['repository', repository, Object.keys(SHAPES)],
      ['view', view, [...TENANT_SCOPED_METHODS]],
    ] as const) {
      for (const method of methods) {
        const shape = SHAPES[method]!;
        for (const option of await optionsOf(target, method)) {
          if (OPTION_KINDS[option] !== 'time') continue;
          const edge = option === 'until' || option === 'validFrom' ? LATEST : EARLIEST;
          const error = await caught(shape.call(target, { ...shape.base, [option]: edge }));
          expect([method, option, error]).toEqual([method, option, undefined]);
        }
      }
    }
    expect(
      await repository.history!({ since: new Date(Date.parse(EARLIEST)), until: new Date(Date.parse(LATEST)) }),
    ).toMatchObject({ runs: [] });
  }, 120_000);

  it('takes ISO dates of years 1–99 (Date.UTC would read them as 1900–1999 and refuse them)', async () => {
    expect(await caught(repository.history!({ since: '0050-06-01', until: '0099-12-31T23:00:00Z' }))).toBeUndefined();
  });
});
