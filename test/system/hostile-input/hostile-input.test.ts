import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { HOSTILE_CASES, type HostileCase, type StoredForm } from './cases';
import { createHostileHarness, type HostileHarness, type Settled } from './harness';

/**
 * Every hostile value of the table through the whole path — decorator or SDK span → AgentSpanProcessor → pipeline →
 * SpanWriter → PostgreSQL — in one batch. Each case's stored form is asserted exactly, or its rejection and reason;
 * the batch around a rejected row is written, and the counters add up.
 */

let harness: HostileHarness;
const outcomes = new Map<HostileCase, { spans: ReadableSpan[]; result: Settled }>();

beforeAll(async () => {
  harness = await createHostileHarness();
  for (const hostile of HOSTILE_CASES) {
    outcomes.set(hostile, await harness.capture(() => hostile.run(harness)));
  }
  // The interval is an hour and the batch size 5,000: nothing is written until this flush, which writes one batch.
  expect(harness.processor.stats().written).toBe(0);
  const flushed = await harness.processor.flush(60_000);
  expect(flushed).toEqual({ complete: true, pending: 0 });
}, 120_000);

afterAll(() => harness?.close());

const rejectedCases = HOSTILE_CASES.filter((hostile) => 'rejected' in hostile.stored);

it('writes the whole batch but the rejected rows, and counts every record as written or rejected', async () => {
  const stats = harness.processor.stats();
  expect(stats.dropped).toEqual({
    queue_full: 0,
    rejected: rejectedCases.length,
    write_failed: 0,
    shutdown: 0,
    invalid: 0,
    spill_full: 0,
    spill_failed: 0,
    spill_corrupt: 0,
  });
  expect(stats.written + stats.droppedTotal).toBe(stats.recorded);
  expect(stats).toMatchObject({ queueDepth: 0, inFlight: 0, retried: 0, lastError: null });

  const spanIds = [...outcomes.entries()]
    .filter(([hostile]) => !('rejected' in hostile.stored))
    .flatMap(([, { spans }]) => spans.map((span) => span.spanContext().spanId));
  const [{ count }] = (await harness.store.dataSource.query(
    'SELECT count(*)::int AS count FROM agent_executions',
  )) as Array<{
    count: number;
  }>;
  expect(count).toBe(new Set(spanIds).size);

  // The reasons reach the log, counted, without the rejected values.
  const report = harness.diagMessages.find((message) => message.includes('reason rejected'));
  expect(report).toContain(`dropped ${rejectedCases.length} record(s), reason rejected`);
  expect(report).not.toContain('unterminated');
});

it.each(HOSTILE_CASES.map((hostile) => [hostile.title, hostile] as const))('%s', async (_title, hostile) => {
  const { spans, result } = outcomes.get(hostile)!;
  // The decorated call's outcome is the application's own: the same value returned, the same error thrown.
  if (hostile.throws !== undefined) expect((result as { threw?: unknown }).threw).toBe(hostile.throws);
  else expect(result).not.toHaveProperty('threw');
  if (hostile.returns !== undefined) expect((result as { returned: unknown }).returned).toBe(hostile.returns);

  const root = rootOf(spans);
  const { traceId, spanId } = root.spanContext();
  if ('rejected' in hostile.stored) {
    expect(await rowCount(traceId, spanId)).toBe(0);
    const report = harness.diagMessages.find((message) => message.includes('reason rejected'));
    expect(report).toContain(hostile.stored.rejected);
    return;
  }
  const stored = await storedForm(traceId, spanId, hostile.stored);
  expect(stored).toEqual({ decisions: [], events: [], ...hostile.stored });
});

/** The one span of a case whose parent is not among the case's spans. */
function rootOf(spans: ReadableSpan[]): ReadableSpan {
  const ids = new Set(spans.map((span) => span.spanContext().spanId));
  const roots = spans.filter((span) => !ids.has(span.parentSpanContext?.spanId ?? ''));
  if (roots.length !== 1) throw new Error(`expected one root span, found ${roots.length}`);
  return roots[0]!;
}

const query = <T = Record<string, unknown>>(sql: string, params: unknown[]) =>
  harness.store.dataSource.query(sql, params) as Promise<T[]>;

async function rowCount(traceId: string, spanId: string): Promise<number> {
  const [{ count }] = await query<{ count: number }>(
    // As text: on Citus a trace id longer than the column cannot even be compared with it (it picks the shard).
    'SELECT count(*)::int AS count FROM agent_executions WHERE trace_id::text = $1 AND span_id = $2',
    [traceId, spanId],
  );
  return count;
}

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

/** What is stored for the span, in the shape of the expected form: only the columns the case names, all rows. */
async function storedForm(traceId: string, spanId: string, expected: StoredForm): Promise<StoredForm> {
  const [execution] = await query(
    `SELECT e.*, to_char(e.started_at AT TIME ZONE 'UTC', ${ISO}) AS started_at,
            to_char(e.completed_at AT TIME ZONE 'UTC', ${ISO}) AS completed_at,
            (extract(epoch FROM e.completed_at - e.started_at) * 1000)::float8 AS elapsed_ms
     FROM agent_executions e WHERE e.trace_id = $1 AND e.span_id = $2`,
    [traceId, spanId],
  );
  if (execution === undefined) throw new Error('no row was stored for the span');
  const [performance] = await query('SELECT * FROM agent_performance WHERE execution_id = $1', [execution.id]);
  const decisions = await query(
    `SELECT name, choice, alternatives, reasoning, confidence, context FROM agent_decisions
     WHERE trace_id = $1 AND span_id = $2 ORDER BY ordinal`,
    [traceId, spanId],
  );
  const events = await query<{ level: string; message: string; attributes: unknown }>(
    'SELECT level, message, attributes FROM agent_events WHERE trace_id = $1 AND span_id = $2 ORDER BY ordinal',
    [traceId, spanId],
  );
  return {
    ...(expected.execution ? { execution: pick(execution, expected.execution) } : {}),
    ...(expected.performance ? { performance: pick(performance ?? {}, expected.performance) } : {}),
    decisions,
    events,
  };
}

function pick(row: Record<string, unknown>, like: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(like).map((key) => [key, row[key]]));
}
