import type { RunSummary } from '../../src/query/types';
import type { SessionPage } from '../../src/query/session-types';
import type { SpanRecord } from '../../src/model/records';
import { agentspan } from '../support/cli-process';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';
import { contextRun, type ContextRunSpec } from '../query/context-seed';
import { seed } from '../query/run-seeds';

/**
 * The run filters on the command line (--meta, --session, --conversation, --error-contains), groupBy session and
 * metadata.<key>, `agentspan sessions`, `runs --since 24h`, and the next-page hint: the printed command, run as
 * printed, gives the next page with every filter kept.
 */

let store: StoreFixture;
let url: string;
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
const CLONE = { type: 'GitError', message: "can't clone acme/api: timed out" };

/** The runs the hint test pages through: Reviewer, failed, repo acme/api, session "sess 1", the clone error. */
const MATCHING = [1, 2, 3, 4, 5];

beforeAll(async () => {
  store = await createStoreFixture();
  url = store.database.url;
  const target: Omit<ContextRunSpec, 'startedAt'> = {
    agent: 'Reviewer',
    status: 'failed',
    error: CLONE,
    metadata: { repo: 'acme/api', issue: 17 },
    sessionId: 'sess 1',
    conversationId: 'conv-a',
    decision: true,
  };
  const specs: ContextRunSpec[] = [
    ...MATCHING.map((minutes) => ({ ...target, startedAt: minutesAgo(minutes) })),
    // Each differs from the target in one filter, between and around its runs in time.
    { ...target, startedAt: minutesAgo(1.5), agent: 'Writer' },
    { ...target, startedAt: minutesAgo(2.5), status: 'completed', error: undefined },
    { ...target, startedAt: minutesAgo(3.5), metadata: { repo: 'acme/web', issue: '17' }, llmCost: '0.02' },
    { ...target, startedAt: minutesAgo(4.5), sessionId: 'sess 2', llmCost: '0.04' },
    { ...target, startedAt: minutesAgo(5.5), error: { type: 'Error', message: 'quota' } },
    { ...target, startedAt: minutesAgo(60 * 48), conversationId: 'conv-b' },
  ];
  const records: SpanRecord[] = specs.flatMap((spec) => {
    const { run, children } = contextRun(spec);
    return [run, ...children];
  });
  await seed(store.dataSource, records);
}, 60_000);

afterAll(() => store?.close());

/** The words of a command line as a POSIX shell splits them: single quotes, and backslash outside them. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const character = line[i]!;
    if (character === "'") {
      const end = line.indexOf("'", i + 1);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (character === '\\') {
      word = (word ?? '') + line[++i];
    } else if (character === ' ') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + character;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** The next-page command a table ends with, as argv for agentspan (after `agentspan`), or null when none. */
function nextCommand(stdout: string): string[] | null {
  const line = stdout.split('\n').find((text) => text.startsWith('more: agentspan '));
  return line === undefined ? null : shellWords(line.slice('more: agentspan '.length));
}

const json = async (...args: string[]) => {
  const result = await agentspan('--database', url, '--json', ...args);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(result.stdout);
};
const startsOf = (runs: RunSummary[]) => runs.map((run) => run.startedAt);

describe('agentspan runs with run filters', () => {
  it('keeps every filter in the next-page command: running it as printed gives the next page', async () => {
    const filters = [
      '--agent',
      'Reviewer',
      '--status',
      'failed',
      '--meta',
      'repo=acme/api',
      '--meta',
      'issue=17',
      '--session',
      'sess 1',
      '--conversation',
      'conv-a',
      '--error-contains',
      "CAN'T clone",
      '--since',
      '24h',
    ];
    const expected = startsOf((await json('runs', ...filters)).runs);
    expect(expected).toHaveLength(MATCHING.length);

    const seen: string[] = [];
    let args: string[] | null = ['runs', ...filters, '--limit', '2'];
    const printed: string[][] = [];
    while (args !== null) {
      const page = await agentspan('--database', url, ...args);
      expect(page).toMatchObject({ code: 0, stderr: '' });
      seen.push(...[...page.stdout.matchAll(/^(\d{4}-\S+Z)\s+Reviewer\s+failed\s/gm)].map((match) => match[1]!));
      args = nextCommand(page.stdout);
      if (args !== null) printed.push(args);
    }
    expect(seen).toEqual(expected);
    expect(printed).toHaveLength(2);
    // The age became the instant it meant, so every page covers the same range; the rest as given.
    expect(printed[0]).toEqual([
      'runs',
      ...['--agent', 'Reviewer', '--status', 'failed', '--since', expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/)],
      ...['--meta', 'repo=acme/api', '--meta', 'issue=17', '--session', 'sess 1', '--conversation', 'conv-a'],
      ...['--error-contains', "CAN'T clone", '--limit', '2', '--cursor', expect.any(String)],
    ]);
  });

  it('accepts --since 24h as stats does', async () => {
    const recent = await agentspan('--database', url, 'runs', '--since', '24h', '--limit', '100');
    expect(recent).toMatchObject({ code: 0, stderr: '' });
    expect(recent.stdout.trimEnd().split('\n')).toHaveLength(2 + 10);
    expect((await json('runs', '--since', '7d')).runs).toHaveLength(11);
  });

  it('narrows by each filter; a --meta value is typed as JSON (17 is not "17")', async () => {
    const count = async (...args: string[]) => (await json('runs', '--limit', '100', ...args)).runs.length;
    expect(await count()).toBe(11);
    expect(await count('--meta', 'repo=acme/api')).toBe(10);
    expect(await count('--meta', 'issue=17')).toBe(10);
    expect(await count('--meta', 'issue="17"')).toBe(1);
    expect(await count('--meta', 'repo=acme/api', '--meta', 'issue="17"')).toBe(0);
    expect(await count('--session', 'sess 2')).toBe(1);
    expect(await count('--conversation', 'conv-b')).toBe(1);
    expect(await count('--error-contains', 'QUOTA')).toBe(1);
  });

  it('refuses a malformed --meta with exit code 2, and a bad key with the repository’s message', async () => {
    const shape = await agentspan('--database', url, 'runs', '--meta', 'repo');
    expect(shape).toMatchObject({ code: 2, stdout: '' });
    expect(shape.stderr).toContain("argument 'repo' is invalid. Expected key=value, e.g. repo=acme/api.");
    const twice = await agentspan('--database', url, 'runs', '--meta', 'a=1', '--meta', 'a=2');
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('The key a is given twice.');
    expect(await agentspan('--database', url, 'runs', '--meta', 'my repo=x')).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'agentspan: history: metadata key must be a letter or _, then up to 63 letters, digits, _, . or -, got "my repo"\n',
    });
  });
});

describe('the other commands that read runs', () => {
  it('stats and costs by metadata key and session, with the filters', async () => {
    const stats = await json('stats', '--group-by', 'metadata.repo', '--since', '24h', '--status', 'failed');
    expect(stats.groupBy).toBe('metadata.repo');
    expect(stats.source).toBe('raw');
    expect(stats.groups.map((group: { key: string; count: number }) => [group.key, group.count])).toEqual([
      ['acme/api', 8],
      ['acme/web', 1],
    ]);
    const table = await agentspan('--database', url, 'costs', '--group-by', 'session', '--meta', 'issue=17');
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^session\s+executions\s+cost \$/);
    expect(table.stdout).toMatch(/^sess 2\s+1\s+0\.04000\s/m);
    expect(table.stdout).not.toContain('0.02000');
    const bad = await agentspan('--database', url, 'stats', '--group-by', 'week');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/argument 'week' is invalid/);
    const badKey = await agentspan('--database', url, 'costs', '--group-by', 'metadata.a b');
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toContain('agentspan: costBreakdown: groupBy metadata.<key> needs a key that is');
  });

  it('errors and decisions take the run filters', async () => {
    const errors = await json('errors', '--error-contains', "can't CLONE", '--since', '7d');
    // The five, the Writer's, acme/web's, sess 2's and the one of two days ago.
    expect(errors).toEqual([expect.objectContaining({ errorType: 'GitError', count: 9 })]);
    const decisions = await json('decisions', '--meta', 'issue="17"');
    expect(decisions.decisions).toHaveLength(1);
    const paged = await agentspan('--database', url, 'decisions', '--session', 'sess 1', '--limit', '7');
    const next = nextCommand(paged.stdout);
    expect(next).toEqual(['decisions', '--session', 'sess 1', '--limit', '7', '--cursor', expect.any(String)]);
    // Every run but sess 2's decided once: ten decisions, seven and three.
    const rest = await json(...next!);
    expect(rest.decisions).toHaveLength(3);
  });

  it('agentspan sessions: a table with the next-page command, and JSON with the runs', async () => {
    const table = await agentspan('--database', url, 'sessions', '--limit', '1', '--since', '24h');
    expect(table.code).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^started\s+session\s+runs\s+ok\s+failed\s+running\s+duration\s+tokens in\s+/);
    // Newest first by their first run: sess 2 began 4.5 minutes ago, sess 1 two days ago.
    expect(lines[2]).toMatch(/^\S+Z\s+sess 2\s+1\s+0\s+1\s+0\s+1,000 ms\s+400\s+40\s+0\.04000\s+Reviewer$/);
    const next = nextCommand(table.stdout)!;
    expect(next.slice(0, 4)).toEqual(['sessions', '--since', expect.stringMatching(/Z$/), '--limit']);
    const second = await agentspan('--database', url, ...next);
    expect(second.stdout).toMatch(/^\S+Z\s+sess 1\s+10\s+1\s+9\s+0\s.*\s0\.02000\s+Reviewer, Writer$/m);
    expect(nextCommand(second.stdout)).toBeNull();

    const page: SessionPage = await json('sessions', '--meta', 'repo=acme/web', '--runs', '2');
    expect(page.sessions.map((session) => [session.sessionId, session.runCount, session.runs.length])).toEqual([
      ['sess 1', 10, 2],
    ]);
    expect((await agentspan('--database', url, 'sessions', '--limit', '101')).stderr).toBe(
      'agentspan: sessions: limit must be an integer from 1 to 100, got 101\n',
    );
  });
});
