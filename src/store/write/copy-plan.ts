import { nextTurn, SPANS_PER_SLICE } from '../../internal/next-turn';
import { batchTotals, type TraceTotals } from './batch-totals';
import { concatCopyData } from './copy-binary';
import type { MergedSpan } from './dedupe-records';
import { CopyChunkEncoder, isCopyable, isLoneFinishedAgent, type CopyChunk } from './span-copy';

/** What the fast way of a write part sends by COPY, and what it leaves to the upsert. */
export interface CopyPlan {
  /** The COPY data of the spans new to the database, a chunk at a time. */
  chunks: CopyChunk[];
  /** Spans for the upsert: agents that complete a stored `running` row, and spans COPY cannot carry. */
  upserted: MergedSpan[];
  /**
   * Agent totals summed in Node, by trace, for traces the part may hold whole (see batch-totals); the COPY rows of
   * their agents carry them. A trace with a span in the upsert is not whole in the COPY and is left out.
   */
  wholeTraces: Map<string, TraceTotals>;
  /**
   * Finished agents whose start is not in the write (see isLoneFinishedAgent), encoded apart from `chunks` as if
   * their traces were new to the database, and those traces. Only the database can tell whether such an agent has a
   * `running` row to complete: settleStoredTraces sends it by COPY when its trace has no row at all, else upserts it.
   */
  loneAgents: { spans: MergedSpan[]; traceIds: Set<string>; chunk: CopyChunk | undefined };
}

/**
 * Sorts a part's spans into COPY and upsert and encodes the COPY rows, `chunkSize` spans per chunk, pausing for the
 * event loop every SPANS_PER_SLICE spans. With `liveTotals`, running agents get totals too, which only the SQL
 * computes: nothing is summed in Node.
 */
export async function planCopy(
  spans: readonly MergedSpan[],
  chunkSize: number,
  liveTotals: boolean,
): Promise<CopyPlan> {
  const copied: MergedSpan[] = [];
  const upserted: MergedSpan[] = [];
  const lone: MergedSpan[] = [];
  for (const span of spans) (isCopyable(span) ? copied : isLoneFinishedAgent(span) ? lone : upserted).push(span);
  const totals = liveTotals ? new Map<string, TraceTotals>() : batchTotals([...copied, ...lone]);
  for (const span of upserted) totals.delete(span.record.execution.traceId);
  const chunks: CopyChunk[] = [];
  for (let start = 0; start < copied.length; start += chunkSize) {
    chunks.push(await encodeChunk(copied.slice(start, start + chunkSize), totals, upserted));
  }
  const loneChunk = lone.length === 0 ? undefined : await encodeChunk(lone, totals, upserted);
  const traceIds = new Set(lone.map((span) => span.record.execution.traceId));
  return { chunks, upserted, wholeTraces: totals, loneAgents: { spans: lone, traceIds, chunk: loneChunk } };
}

/**
 * Settles the plan once the writer knows which of its traces the database holds (`storedTraceIds`, asked under the
 * traces' locks, see CopyPlan): those traces are not whole in this write (the SQL sums them: their agents' Node totals
 * are replaced); the lone agents of the others join the COPY, those of held traces the upsert. Re-encodes only when a
 * lone agent's trace is held, which an application's own long runs and traces split across batches make common
 * enough, and then only the lone agents. Returns the spans it added to the upsert.
 */
export async function settleStoredTraces(plan: CopyPlan, storedTraceIds: ReadonlySet<string>): Promise<MergedSpan[]> {
  for (const traceId of storedTraceIds) plan.wholeTraces.delete(traceId);
  const { spans, chunk } = plan.loneAgents;
  if (chunk === undefined) return [];
  const held = spans.filter((span) => storedTraceIds.has(span.record.execution.traceId));
  if (held.length === 0) {
    appendChunk(plan.chunks, chunk);
    return [];
  }
  const added = [...held];
  const copied = spans.filter((span) => !storedTraceIds.has(span.record.execution.traceId));
  if (copied.length > 0) appendChunk(plan.chunks, await encodeChunk(copied, plan.wholeTraces, added));
  plan.upserted.push(...added);
  return added;
}

/** Adds the lone agents' rows to the last chunk: one COPY statement per table, not two, while the locks are held. */
function appendChunk(chunks: CopyChunk[], chunk: CopyChunk): void {
  const last = chunks.pop();
  if (last === undefined) {
    chunks.push(chunk);
    return;
  }
  chunks.push({
    executions: concatCopyData(last.executions, chunk.executions),
    performance: concatCopyData(last.performance, chunk.performance),
    decisions: concatCopyData(last.decisions, chunk.decisions),
    events: concatCopyData(last.events, chunk.events),
  });
}

/** One COPY chunk of `spans`; spans COPY refuses to carry (see CopyBinaryRows) go to `upserted`, their traces unsummed. */
async function encodeChunk(
  spans: readonly MergedSpan[],
  totals: Map<string, TraceTotals>,
  upserted: MergedSpan[],
): Promise<CopyChunk> {
  const encoder = new CopyChunkEncoder(spans.length, (span) =>
    totals.get(span.record.execution.traceId)?.agents.get(span),
  );
  for (let i = 0; i < spans.length; i++) {
    if (i > 0 && i % SPANS_PER_SLICE === 0) await nextTurn();
    encoder.add(spans[i]!);
  }
  for (const span of encoder.refused) totals.delete(span.record.execution.traceId);
  upserted.push(...encoder.refused);
  return encoder.data();
}
