import { nextTurn, SPANS_PER_SLICE } from '../../internal/next-turn';
import { batchTotals, type TraceTotals } from './batch-totals';
import type { MergedSpan } from './dedupe-records';
import { CopyChunkEncoder, isCopyable, type CopyChunk } from './span-copy';

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
  for (const span of spans) (isCopyable(span) ? copied : upserted).push(span);
  const totals = liveTotals ? new Map<string, TraceTotals>() : batchTotals(copied);
  for (const span of upserted) totals.delete(span.record.execution.traceId);
  const totalsOf = (span: MergedSpan) => totals.get(span.record.execution.traceId)?.agents.get(span);
  const chunks: CopyChunk[] = [];
  for (let start = 0; start < copied.length; start += chunkSize) {
    const end = Math.min(copied.length, start + chunkSize);
    const encoder = new CopyChunkEncoder(end - start, totalsOf);
    for (let i = start; i < end; i++) {
      if (i > start && (i - start) % SPANS_PER_SLICE === 0) await nextTurn();
      encoder.add(copied[i]!);
    }
    chunks.push(encoder.data());
    // Spans COPY refuses to carry (see CopyBinaryRows) are upserted with the rest.
    for (const span of encoder.refused) totals.delete(span.record.execution.traceId);
    upserted.push(...encoder.refused);
  }
  return { chunks, upserted, wholeTraces: totals };
}
