import 'reflect-metadata';
import { Client, type Notification } from 'pg';
import { abandonStaleRuns } from '../../src/store/maintenance/stale-runs';
import { SpanWriter, type SpanWriterOptions } from '../../src/store/write/span-writer';
import type { SpanRecord } from '../../src/model/records';
import { finalSpan, llmSpan, newSpanId, newTraceId, runningSpan } from '../support/span-records';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';

/**
 * The writer's side of watch(): agentspan_run_changes gets one row per write transaction that changed a run, in that
 * transaction; on a server one NOTIFY goes with it; old rows are pruned; the stale-run sweep logs what it abandons.
 */

let store: StoreFixture;

beforeAll(async () => {
  store = await createStoreFixture();
}, 60_000);

afterAll(() => store?.close());

const onServer = process.env.DATABASE_URL ? it : it.skip;

interface ChangeRow {
  xact_id: string;
  /** Trace id and span id of each run, in hex: 48 characters each. */
  runs: string;
  changes: string;
}

/** The change rows logged after `after` (a transaction id), oldest first. */
async function rowsAfter(after: string): Promise<ChangeRow[]> {
  return store.dataSource.query(
    `SELECT xact_id::text, encode(runs, 'hex') AS runs, changes FROM agentspan_run_changes
     WHERE xact_id > $1 ORDER BY xact_id`,
    [after],
  );
}

async function lastXact(): Promise<string> {
  const [{ xact }] = await store.dataSource.query(
    `SELECT COALESCE(max(xact_id), 0)::text AS xact FROM agentspan_run_changes`,
  );
  return xact as string;
}

/** Each change of the rows as `letter:spanId`. */
const changesOf = (rows: readonly ChangeRow[]) =>
  rows.flatMap((row) => [...row.changes].map((letter, i) => `${letter}:${row.runs.slice(i * 48 + 32, i * 48 + 48)}`));

function writer(options: SpanWriterOptions = {}): SpanWriter {
  return new SpanWriter(store.dataSource, { concurrency: 1, ...options });
}

const agentRun = () => runningSpan({ traceId: newTraceId(), kind: 'agent' });
const endOf = (run: SpanRecord, status: 'completed' | 'failed' = 'completed') =>
  finalSpan({ traceId: run.execution.traceId, spanId: run.execution.spanId, execution: { status } });

describe('the run change log', () => {
  it('gets one row per write transaction: starts, then steps, then ends', async () => {
    const before = await lastXact();
    const [x, y, z] = [agentRun(), agentRun(), agentRun()];
    await writer().write([z]);
    await writer().write([x, endOf(x), y, llmSpan(y.execution.traceId, y.execution.spanId), endOf(z, 'failed')]);
    const rows = await rowsAfter(before);
    expect(rows).toHaveLength(2);
    expect(changesOf(rows.slice(0, 1))).toEqual([`s:${z.execution.spanId}`]);
    const changes = changesOf(rows.slice(1));
    expect(rows[1]!.changes).toMatch(/^s+p+[cf]+$/);
    expect(changes.sort()).toEqual(
      [
        `s:${x.execution.spanId}`,
        `s:${y.execution.spanId}`,
        `p:${y.execution.spanId}`,
        `c:${x.execution.spanId}`,
        `f:${z.execution.spanId}`,
      ].sort(),
    );
  });

  it('finds the running run of a step through spans written before, and none for a span not stored yet', async () => {
    const run = agentRun();
    const { traceId, spanId } = run.execution;
    const task = newSpanId();
    await writer().write([run]);
    const before = await lastXact();
    // The tool's parent, a task, is not stored: nothing to log yet.
    await writer().write([finalSpan({ traceId, parentSpanId: task, kind: 'tool' })]);
    expect(await rowsAfter(before)).toEqual([]);
    // The task ends: the SQL walks up from its stored parent, the running agent.
    await writer().write([finalSpan({ traceId, spanId: task, parentSpanId: spanId, kind: 'task' })]);
    expect(changesOf(await rowsAfter(before))).toEqual([`p:${spanId}`]);
  });

  it('logs only the runs whose rows were written when the database refuses some (the careful way)', async () => {
    const before = await lastXact();
    const [good, bad] = [agentRun(), agentRun()];
    // Invalid JSON: the database refuses this run's row, the writer isolates it and writes the rest.
    bad.execution.input = '{not json';
    const result = await writer().write([good, bad]);
    expect(result.rejected.map((rejected) => rejected.record.execution.spanId)).toEqual([bad.execution.spanId]);
    expect(changesOf(await rowsAfter(before))).toEqual([`s:${good.execution.spanId}`]);
  });

  it('fails the write, committing nothing, when the log cannot be written', async () => {
    const run = agentRun();
    await store.dataSource.query(`ALTER TABLE agentspan_run_changes RENAME TO agentspan_run_changes_away`);
    try {
      await expect(writer().write([run])).rejects.toThrow(/agentspan_run_changes/);
    } finally {
      await store.dataSource.query(`ALTER TABLE agentspan_run_changes_away RENAME TO agentspan_run_changes`);
    }
    const [{ count }] = await store.dataSource.query(
      `SELECT count(*)::int AS count FROM agent_executions WHERE span_id = $1`,
      [run.execution.spanId],
    );
    expect(count).toBe(0);
  });

  it('leaves out runs whose ids are not lowercase hex of the standard widths (the log keeps them as bytes)', async () => {
    const before = await lastXact();
    const good = agentRun();
    const upper = runningSpan({ traceId: newTraceId().toUpperCase(), kind: 'agent' });
    const short = runningSpan({ traceId: 'not-a-trace-id', kind: 'agent' });
    expect((await writer().write([good, upper, short])).rejected).toEqual([]);
    expect(changesOf(await rowsAfter(before))).toEqual([`s:${good.execution.spanId}`]);
  });

  it('logs nothing with runChanges: false', async () => {
    const before = await lastXact();
    const run = agentRun();
    await writer({ runChanges: false }).write([run, endOf(run)]);
    expect(await rowsAfter(before)).toEqual([]);
  });

  onServer('sends one NOTIFY per write transaction that changed a run, with its transaction id', async () => {
    const listener = new Client({ connectionString: store.database.url });
    await listener.connect();
    const notifications: Notification[] = [];
    listener.on('notification', (message) => notifications.push(message));
    await listener.query('LISTEN agentspan_runs');
    try {
      const before = await lastXact();
      const runs = [agentRun(), agentRun(), agentRun()];
      // One batch: three runs started, two of them ended, a step of the third: one transaction, one notification.
      await writer().write([
        ...runs,
        ...runs.map((run) => llmSpan(run.execution.traceId, run.execution.spanId)),
        endOf(runs[0]!),
        endOf(runs[1]!),
      ]);
      await writer().write([endOf(runs[2]!)]);
      // A write that changes no run, and a writer told not to notify: no notification.
      await writer().write([finalSpan({ traceId: newTraceId(), kind: 'tool' })]);
      const quiet = agentRun();
      await writer({ notify: false }).write([quiet]);
      // A batch of 600 spans (merged) over 300 traces, split across two connections: one notification per part.
      const many = Array.from({ length: 300 }, agentRun);
      await new SpanWriter(store.dataSource, { concurrency: 2 }).write(
        many.flatMap((run) => [run, llmSpan(run.execution.traceId, run.execution.spanId), endOf(run)]),
      );
      const rows = await rowsAfter(before);
      expect(rows.map((row) => row.changes)).toEqual(['sssp' + 'cc', 'c', 's', expect.any(String), expect.any(String)]);
      expect(rows[3]!.changes.length + rows[4]!.changes.length).toBe(600);
      // The last notification has arrived once this one, sent after it on the same server, comes back.
      await listener.query(`NOTIFY agentspan_runs, 'marker'`);
      await waitFor(() => notifications.some((message) => message.payload === 'marker'));
      const payloads = notifications.map((message) => message.payload);
      // The two parts commit concurrently: their notifications come in commit order, which either may win.
      expect(payloads.slice(0, 2)).toEqual([rows[0]!.xact_id, rows[1]!.xact_id]);
      expect(payloads.slice(2, 4).sort()).toEqual([rows[3]!.xact_id, rows[4]!.xact_id].sort());
      expect(payloads.slice(4)).toEqual(['marker']);
    } finally {
      await listener.end();
    }
  });

  it('prunes rows older than the retention, keeping the others', async () => {
    const old = ['101', '102'];
    await store.dataSource.query(
      `INSERT INTO agentspan_run_changes (xact_id, changed_at, runs, changes)
       SELECT x, now() - interval '2 hours', ''::bytea, '' FROM unnest($1::bigint[]) AS x
       UNION ALL SELECT 103, now() - interval '10 minutes', ''::bytea, ''`,
      [old],
    );
    await writer({ runChangesRetentionMs: 3_600_000 }).write([agentRun()]);
    const left: Array<{ xact_id: string }> = await store.dataSource.query(
      `SELECT xact_id::text FROM agentspan_run_changes WHERE xact_id IN (101, 102, 103)`,
    );
    expect(left.map((row) => row.xact_id)).toEqual(['103']);
  });

  it('logs the runs the stale-run sweep abandons', async () => {
    const run = runningSpan({
      traceId: newTraceId(),
      kind: 'agent',
      execution: { startedAt: new Date(Date.now() - 3_600_000) },
    });
    await writer().write([run]);
    const before = await lastXact();
    expect(await abandonStaleRuns(store.dataSource, { abandonAfterMs: 60_000 })).toBeGreaterThanOrEqual(1);
    expect(changesOf(await rowsAfter(before))).toContain(`a:${run.execution.spanId}`);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('never happened');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
