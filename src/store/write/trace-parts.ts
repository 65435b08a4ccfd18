import type { MergedSpan } from './dedupe-records';
import { traceLockBucket } from './trace-locks';

/** Below this a second connection costs more than it saves. */
const MIN_SPANS_PER_PART = 250;

/**
 * Splits spans into at most `parts` non-empty groups by trace lock bucket, so every trace (and so every agent
 * subtree total) is written by exactly one transaction and two parts never wait for each other's locks.
 * Sorted order is kept inside each part.
 */
export function partitionByTrace(spans: MergedSpan[], parts: number): MergedSpan[][] {
  if (parts === 1 || spans.length < MIN_SPANS_PER_PART * 2) return [spans];
  const groups: MergedSpan[][] = Array.from({ length: parts }, () => []);
  let traceId = '';
  let group: MergedSpan[] = groups[0]!;
  for (const span of spans) {
    // Spans come sorted by trace: the bucket is worked out once per trace.
    if (span.record.execution.traceId !== traceId) {
      traceId = span.record.execution.traceId;
      group = groups[traceLockBucket(traceId) % parts]!;
    }
    group.push(span);
  }
  return groups.filter((candidate) => candidate.length > 0);
}

/** The trace ids of spans sorted by trace, each once. */
export function distinctTraceIds(spans: readonly MergedSpan[]): string[] {
  const traceIds: string[] = [];
  for (const span of spans) {
    const traceId = span.record.execution.traceId;
    if (traceIds[traceIds.length - 1] !== traceId) traceIds.push(traceId);
  }
  return traceIds;
}
