import { AgentSpanProcessor } from '../../../src/export/agent-span-processor';
import { abandonStaleRuns } from '../../../src/store/maintenance/stale-runs';
import { SpanWriter } from '../../../src/store/write/span-writer';
import { finalSpan, newTraceId, runningSpan } from '../../support/span-records';
import { createStoreFixture, type StoreFixture } from '../../support/store-fixture';
import { eventually } from './support';

let store: StoreFixture;
let writer: SpanWriter;

beforeAll(async () => {
  store = await createStoreFixture();
  writer = new SpanWriter(store.dataSource);
});

afterAll(() => store?.close());

beforeEach(() => store.dataSource.query('DELETE FROM agent_executions'));

const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms);

async function rowOf(spanId: string) {
  const [row] = (await store.dataSource.query(
    'SELECT status, completed_at, error_type, error_message, output FROM agent_executions WHERE span_id = $1',
    [spanId],
  )) as Array<{
    status: string;
    completed_at: Date | null;
    error_type: string | null;
    error_message: string | null;
    output: unknown;
  }>;
  return row!;
}

/** Writes a record and returns its span id. */
async function stored(record: ReturnType<typeof runningSpan>): Promise<string> {
  const result = await writer.write([record]);
  expect(result.rejected).toEqual([]);
  return record.execution.spanId;
}

describe('abandonStaleRuns', () => {
  it('marks executions left running past the limit as abandoned, and nothing else', async () => {
    const stale = await stored(runningSpan({ traceId: newTraceId(), execution: { startedAt: ago(2 * HOUR) } }));
    const recent = await stored(runningSpan({ traceId: newTraceId(), execution: { startedAt: ago(60_000) } }));
    const finished = await stored(
      finalSpan({ traceId: newTraceId(), execution: { startedAt: ago(3 * HOUR), completedAt: ago(3 * HOUR - 5_000) } }),
    );

    await expect(abandonStaleRuns(store.dataSource, { abandonAfterMs: HOUR })).resolves.toBe(1);

    const abandoned = await rowOf(stale);
    expect(abandoned).toMatchObject({ status: 'abandoned', error_type: 'AbandonedRun' });
    expect(abandoned.error_message).toMatch(/no final record within 1 h of its start/);
    expect(abandoned.completed_at).toBeInstanceOf(Date);
    expect(await rowOf(recent)).toMatchObject({ status: 'running', completed_at: null, error_type: null });
    expect(await rowOf(finished)).toMatchObject({ status: 'completed', error_type: null });
    // Idempotent: nothing is left to abandon.
    await expect(abandonStaleRuns(store.dataSource, { abandonAfterMs: HOUR })).resolves.toBe(0);
  });

  it('lets a final record that arrives later win over abandoned; a late running record does not revive the row', async () => {
    const traceId = newTraceId();
    const slow = runningSpan({ traceId, execution: { startedAt: ago(2 * HOUR) } });
    await stored(slow);
    await abandonStaleRuns(store.dataSource, { abandonAfterMs: HOUR });
    expect((await rowOf(slow.execution.spanId)).status).toBe('abandoned');

    // A retried start record (a replay, say) changes nothing.
    await stored(slow);
    expect((await rowOf(slow.execution.spanId)).status).toBe('abandoned');

    // The run was only slow: its real outcome arrives and replaces the guess entirely.
    const completedAt = ago(1_000);
    await stored(
      finalSpan({
        traceId,
        spanId: slow.execution.spanId,
        execution: { startedAt: slow.execution.startedAt, completedAt, output: '{"done":true}' },
      }),
    );
    const row = await rowOf(slow.execution.spanId);
    expect(row).toMatchObject({ status: 'completed', error_type: null, error_message: null, output: { done: true } });
    expect(row.completed_at!.getTime()).toBe(completedAt.getTime());
  });

  it('works through any number of stale rows in batches', async () => {
    const records = Array.from({ length: 25 }, () =>
      runningSpan({ traceId: newTraceId(), execution: { startedAt: ago(2 * HOUR) } }),
    );
    await writer.write(records);
    await expect(abandonStaleRuns(store.dataSource, { abandonAfterMs: HOUR, batchSize: 10 })).resolves.toBe(25);
    const [{ n }] = (await store.dataSource.query(
      `SELECT count(*)::int AS n FROM agent_executions WHERE status = 'abandoned'`,
    )) as Array<{ n: number }>;
    expect(n).toBe(25);
  });

  it('rejects a limit that is not a duration', async () => {
    await expect(abandonStaleRuns(store.dataSource, { abandonAfterMs: Number.NaN })).rejects.toThrow(
      /abandonAfterMs must be/,
    );
    await expect(abandonStaleRuns(store.dataSource, { abandonAfterMs: 1, batchSize: 0 })).rejects.toThrow(
      /batchSize must be/,
    );
  });
});

describe('the processor checks for stale runs', () => {
  it('periodically, on its own, and on demand', async () => {
    const processor = new AgentSpanProcessor({
      dataSource: store.dataSource,
      staleRuns: { abandonAfterMs: HOUR, checkIntervalMs: 100 },
    });
    try {
      const left = await stored(runningSpan({ traceId: newTraceId(), execution: { startedAt: ago(2 * HOUR) } }));
      await eventually(
        'the periodic check to abandon the run',
        async () => (await rowOf(left)).status === 'abandoned',
        10_000,
      );
      expect(processor.health().counters.abandonedRuns).toBe(1);
    } finally {
      await processor.shutdown();
    }
    // On demand, with the periodic check far off (its first run comes after 5 s).
    const onDemand = new AgentSpanProcessor({
      dataSource: store.dataSource,
      staleRuns: { abandonAfterMs: HOUR, checkIntervalMs: 600_000 },
    });
    try {
      const another = await stored(runningSpan({ traceId: newTraceId(), execution: { startedAt: ago(3 * HOUR) } }));
      const results = await Promise.all([onDemand.abandonStaleRuns(), onDemand.abandonStaleRuns()]);
      // Never two checks at once: the second call finds one running and does nothing.
      expect(results.sort()).toEqual([0, 1]);
      expect((await rowOf(another)).status).toBe('abandoned');
    } finally {
      await onDemand.shutdown();
    }
  });

  it('not at all with staleRuns: false', async () => {
    const processor = new AgentSpanProcessor({ dataSource: store.dataSource, staleRuns: false });
    try {
      const left = await stored(runningSpan({ traceId: newTraceId(), execution: { startedAt: ago(2 * HOUR) } }));
      await expect(processor.abandonStaleRuns()).resolves.toBe(0);
      expect((await rowOf(left)).status).toBe('running');
    } finally {
      await processor.shutdown();
    }
  });
});
