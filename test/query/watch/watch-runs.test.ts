import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { AgentRunRepository } from '../../../src/query/agent-run-repository';
import { AgentspanQueryError } from '../../../src/query/agentspan-query-error';
import { currentWatchCursor } from '../../../src/query/watch/watch-runs';
import type { WatchOptions } from '../../../src/query/watch/watch-types';
import { SpanWriter } from '../../../src/store/write/span-writer';
import type { SpanRecord } from '../../../src/model/records';
import { finalSpan, llmSpan, newSpanId, newTraceId, runningSpan } from '../../support/span-records';
import { createStoreFixture, type StoreFixture } from '../../support/store-fixture';
import { collect, describeEvent, type CollectedWatch } from '../../support/watch-events';

/**
 * runs.watch() against the database the suite runs on: the server with DATABASE_URL (LISTEN/NOTIFY), PGlite without
 * (polling). Each test watches agents of its own, so the tests of this file never see each other's runs.
 */

let store: StoreFixture;
let writer: SpanWriter;
let repository: AgentRunRepository;
const watches: CollectedWatch[] = [];

beforeAll(async () => {
  store = await createStoreFixture();
  writer = new SpanWriter(store.dataSource);
  repository = new AgentRunRepository(store.dataSource);
}, 60_000);

afterEach(async () => {
  for (const watch of watches.splice(0)) await watch.stop().catch(() => undefined);
});

afterAll(() => store?.close());

const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/**
 * A watch collecting in the background, from now: from a cursor taken first, so a write made after this resolves is
 * delivered however late the watch's first read comes.
 */
async function watching(
  options: WatchOptions,
  view: Pick<AgentRunRepository, 'watch'> = repository,
): Promise<CollectedWatch> {
  const after = options.after ?? (await currentWatchCursor(store.dataSource));
  const watch = collect(view.watch({ ...options, after }));
  watches.push(watch);
  return watch;
}

/** A running agent record of `agent`, with its trace id. */
function started(agent: string, execution: Partial<SpanRecord['execution']> = {}): SpanRecord {
  return runningSpan({ traceId: newTraceId(), kind: 'agent', execution: { agentName: agent, ...execution } });
}

/** The final record of a run started with started(). */
function ended(run: SpanRecord, execution: Partial<SpanRecord['execution']> = {}): SpanRecord {
  const { traceId, spanId, parentSpanId, agentName, tenantId, userId } = run.execution;
  return finalSpan({
    traceId,
    spanId,
    parentSpanId,
    kind: 'agent',
    execution: { agentName, tenantId, userId, ...execution },
  });
}

async function write(...records: SpanRecord[]): Promise<void> {
  const result = await writer.write(records);
  expect(result.rejected).toEqual([]);
}

describe('runs.watch()', () => {
  it('delivers started, each step with the totals so far, and the end of a run written over several batches', async () => {
    const agent = uniqueName('Stepper');
    const watch = await watching({ agent });
    const run = started(agent);
    const { traceId, spanId } = run.execution;
    await write(run);
    await watch.count(1);

    await write(llmSpan(traceId, spanId, { costUsd: '0.0012500000' }));
    const [, step] = await watch.count(2);
    expect(step).toMatchObject({ type: 'step', run: { status: 'running', spanId } });
    expect(step!.run.totals).toMatchObject({ llmCalls: 1, toolCalls: 0, costUsd: 0.00125, inputTokens: 100 });

    // A tool inside a task that has not ended: no step until the task is written, then one, counting the tool.
    const task = newSpanId();
    await write(finalSpan({ traceId, parentSpanId: task, kind: 'tool' }));
    await write(finalSpan({ traceId, spanId: task, parentSpanId: spanId, kind: 'task' }));
    const [, , toolStep] = await watch.count(3);
    expect(toolStep).toMatchObject({ type: 'step', run: { status: 'running' } });
    expect(toolStep!.run.totals).toMatchObject({ llmCalls: 1, toolCalls: 1 });

    await write(ended(run, { status: 'failed', errorType: 'Boom', errorMessage: 'it broke' }));
    const events = await watch.count(4);
    expect(events.map((event) => event.type)).toEqual(['started', 'step', 'step', 'failed']);
    expect(events[3]!.run).toMatchObject({ status: 'failed', errorMessage: 'it broke', totals: { llmCalls: 1 } });

    // A run whose start and end come in one batch: started, then its end.
    const quick = started(agent);
    await write(quick, llmSpan(quick.execution.traceId, quick.execution.spanId), ended(quick));
    const all = await watch.count(6);
    expect(all.slice(4).map((event) => [event.type, event.run.spanId])).toEqual([
      ['started', quick.execution.spanId],
      ['completed', quick.execution.spanId],
    ]);
    // Each event carries a cursor of its own.
    expect(new Set(all.map((event) => event.cursor)).size).toBe(6);
  });

  it('gives a nested agent’s step, and its end, to the running run above it as steps', async () => {
    const agent = uniqueName('Outer');
    const watch = await watching({ agent });
    const outer = started(agent);
    await write(outer);
    await watch.count(1);
    const { traceId, spanId } = outer.execution;
    const inner = runningSpan({ traceId, parentSpanId: spanId, kind: 'agent', execution: { agentName: 'Inner' } });
    await write(inner);
    await write(llmSpan(traceId, inner.execution.spanId));
    await watch.count(2);
    await write(ended(inner));
    const events = await watch.count(3);
    expect(events.map(describeEvent)).toEqual([`started ${agent}`, `step ${agent}`, `step ${agent}`]);
    expect(events[2]!.run.totals).toMatchObject({ llmCalls: 1 });
  });

  it('filters by agent, user and status (the status a change brings), in commit order', async () => {
    const agent = uniqueName('Filtered');
    const other = uniqueName('Other');
    const byUser = await watching({ agent, userId: 'u-1' });
    const failures = await watching({ agent, status: 'failed' });
    const everything = await watching({ agent });

    const otherAgent = started(other, { userId: 'u-1' });
    const otherUser = started(agent, { userId: 'u-2' });
    const mine = started(agent, { userId: 'u-1' });
    await write(otherAgent);
    await write(otherUser);
    await write(mine);
    await write(ended(otherUser, { status: 'failed' }));
    await write(ended(mine, { status: 'completed' }));

    // Events come in commit order, so once the last write's event is there, a skipped run was skipped for good.
    const all = await everything.count(4);
    expect(all.map((event) => [event.type, event.run.userId])).toEqual([
      ['started', 'u-2'],
      ['started', 'u-1'],
      ['failed', 'u-2'],
      ['completed', 'u-1'],
    ]);
    const user = await byUser.until((events) => events.some((event) => event.type === 'completed'));
    expect(user.map((event) => event.type)).toEqual(['started', 'completed']);
    expect(user.every((event) => event.run.userId === 'u-1')).toBe(true);
    expect((await failures.count(1)).map((event) => [event.type, event.run.userId])).toEqual([['failed', 'u-2']]);
  });

  it('sees one tenant only through forTenant(id).watch()', async () => {
    const agent = uniqueName('Tenanted');
    const acme = await watching({ agent }, repository.forTenant('acme-watch'));
    const everyone = await watching({ agent });
    await write(started(agent, { tenantId: 'globex-watch' }));
    await write(started(agent, { tenantId: 'acme-watch' }));
    await write(started(agent, { tenantId: null }));
    expect((await everyone.count(3)).map((event) => event.run.tenantId)).toEqual(['globex-watch', 'acme-watch', null]);
    expect((await acme.count(1)).map((event) => event.run.tenantId)).toEqual(['acme-watch']);
    // A view refuses another tenant, as its other methods do.
    expect(() => repository.forTenant('acme-watch').watch({ tenantId: 'globex-watch' })).toThrow(AgentspanQueryError);
  });

  it('goes on from a cursor: the changes after it, none before it again', async () => {
    const agent = uniqueName('Resumed');
    const first = await watching({ agent });
    const a = started(agent);
    await write(a);
    const [aStarted] = await first.count(1);
    await first.stop();

    // Written while nobody watches.
    await write(llmSpan(a.execution.traceId, a.execution.spanId));
    await write(ended(a));
    const b = started(agent);
    await write(b);

    const resumed = await watching({ agent, after: aStarted!.cursor });
    const events = await resumed.count(3);
    expect(events.map((event) => [event.type, event.run.spanId])).toEqual([
      ['step', a.execution.spanId],
      ['completed', a.execution.spanId],
      ['started', b.execution.spanId],
    ]);
    // From the last cursor: nothing more until something new commits.
    const fromLast = await watching({ agent, after: events[2]!.cursor });
    await write(ended(b));
    expect((await fromLast.count(1)).map((event) => event.type)).toEqual(['completed']);
  });

  it('checks its options when called', () => {
    expect(() => repository.watch({ after: 'not a cursor' })).toThrow(AgentspanQueryError);
    expect(() => repository.watch({ limit: 5 } as never)).toThrow(/unknown option "limit"/);
    expect(() => repository.watch({ pollIntervalMs: 0 })).toThrow(/pollIntervalMs/);
    expect(() => repository.watch({ status: 'paused' as never })).toThrow(AgentspanQueryError);
  });

  it('ends on break, with its LISTEN connection closed, and a closed watch yields nothing', async () => {
    const agent = uniqueName('Breaker');
    const watch = repository.watch({ agent, after: await currentWatchCursor(store.dataSource) });
    await write(started(agent));
    await write(started(agent));
    const seen: string[] = [];
    for await (const event of watch) {
      seen.push(event.type);
      break;
    }
    expect(seen).toEqual(['started']);
    expect(await watch.next()).toEqual({ done: true, value: undefined });
    // Its LISTEN connection is ended (the server drops the backend a moment after the client hangs up).
    if (store.database.isServer) await eventually(async () => (await listeners()) === 0);
  });
});

/** The LISTEN connections of watches open on the test database. */
async function listeners(): Promise<number> {
  const [{ count }] = await store.dataSource.query(
    `SELECT count(*)::int AS count FROM pg_stat_activity
     WHERE application_name = 'agentspan-watch' AND datname = current_database()`,
  );
  return count as number;
}

async function eventually(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('the condition never held');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
