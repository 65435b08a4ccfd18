import { planCopy, settleStoredTraces } from '../../src/store/write/copy-plan';
import { dedupeRecords } from '../../src/store/write/dedupe-records';
import { PERFORMANCE_TOTALS_COLUMNS } from '../../src/store/schema/performance-columns';
import type { SpanRecord } from '../../src/model/records';
import { readCopyBinary } from '../support/copy-binary-reader';
import { finalSpan, llmSpan, newTraceId, runningSpan } from '../support/span-records';

/**
 * What a write part sends by COPY and what by the upsert. A finished agent whose start is not in the write (every
 * agent received over OTLP; an application's agent that outlived a batch) goes by COPY when the database holds
 * nothing of its trace, and only then: the writer asks, under the trace's lock, and settles the plan.
 */
const CHUNK = 1_000;

/** A run as another process exports it: a model call, then its agent, which never had a running record. */
function endedRun(): { traceId: string; agent: SpanRecord; call: SpanRecord } {
  const traceId = newTraceId();
  const agent = finalSpan({ traceId, kind: 'agent' });
  const call = llmSpan(traceId, agent.execution.spanId, { inputTokens: 40, outputTokens: 4, costUsd: '0.5' });
  return { traceId, agent, call };
}

/** The span ids in a COPY plan's execution rows (field 2: id, trace_id, span_id, …). */
const copiedSpanIds = (chunks: Array<{ executions: Buffer }>): string[] =>
  chunks.flatMap((chunk) => readCopyBinary(chunk.executions).map((row) => row[2]!.toString('utf8')));

/** The subtree totals of the COPY performance rows, by execution row: null when the SQL is left to compute them. */
const totalsCopied = (chunks: Array<{ performance: Buffer }>): Array<Array<Buffer | null>> =>
  chunks.flatMap((chunk) =>
    readCopyBinary(chunk.performance).map((row) => row.slice(row.length - PERFORMANCE_TOTALS_COLUMNS.length)),
  );

it('copies lone finished agents of traces the database does not hold, with the totals summed in Node', async () => {
  const a = endedRun();
  const b = endedRun();
  const plan = await planCopy(dedupeRecords([a.call, a.agent, b.call, b.agent]), CHUNK, false);
  // Until the database has been asked, the agents wait apart.
  expect(copiedSpanIds(plan.chunks).sort()).toEqual([a.call.execution.spanId, b.call.execution.spanId].sort());
  expect(plan.loneAgents.spans.map((span) => span.record.execution.spanId).sort()).toEqual(
    [a.agent.execution.spanId, b.agent.execution.spanId].sort(),
  );
  expect([...plan.loneAgents.traceIds].sort()).toEqual([a.traceId, b.traceId].sort());

  expect(await settleStoredTraces(plan, new Set())).toEqual([]);
  expect(plan.upserted).toEqual([]);
  // Added to the last chunk: one COPY statement per table.
  expect(plan.chunks).toHaveLength(1);
  expect(copiedSpanIds(plan.chunks)).toHaveLength(4);
  expect([...plan.wholeTraces.keys()].sort()).toEqual([a.traceId, b.traceId].sort());
  // The agents' rows carry their totals; the calls' rows none.
  const withTotals = totalsCopied(plan.chunks).filter((totals) => totals.some((field) => field !== null));
  expect(withTotals).toHaveLength(2);
});

it('upserts a lone agent whose trace the database holds (it may have a running row), and copies the others', async () => {
  const held = endedRun();
  const fresh = endedRun();
  const plan = await planCopy(dedupeRecords([held.call, held.agent, fresh.call, fresh.agent]), CHUNK, false);
  const added = await settleStoredTraces(plan, new Set([held.traceId]));
  expect(added.map((span) => span.record)).toEqual([held.agent]);
  expect(plan.upserted.map((span) => span.record)).toEqual([held.agent]);
  expect(copiedSpanIds(plan.chunks).sort()).toEqual(
    [held.call.execution.spanId, fresh.call.execution.spanId, fresh.agent.execution.spanId].sort(),
  );
  // The held trace is not whole in this write: the SQL sums it.
  expect(plan.wholeTraces.has(held.traceId)).toBe(false);
  expect(plan.wholeTraces.has(fresh.traceId)).toBe(true);
});

it('copies an agent whose start is merged into the write at once, and upserts a running one', async () => {
  const traceId = newTraceId();
  const started = runningSpan({ traceId });
  const ended = finalSpan({ traceId, spanId: started.execution.spanId, kind: 'agent' });
  const stillRunning = runningSpan({ traceId: newTraceId() });
  const plan = await planCopy(dedupeRecords([started, ended, stillRunning]), CHUNK, false);
  expect(plan.loneAgents.spans).toEqual([]);
  expect(copiedSpanIds(plan.chunks)).toEqual([ended.execution.spanId]);
  expect(plan.upserted.map((span) => span.record)).toEqual([stillRunning]);
  expect(await settleStoredTraces(plan, new Set([traceId]))).toEqual([]);
});
